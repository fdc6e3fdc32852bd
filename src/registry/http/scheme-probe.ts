/**
 * Recognising a registry that speaks the other scheme than the one used, so that loopback registries
 * work over either without flags and a wrong --plain-http is named in the error.
 *
 * A TLS server sent plain HTTP answers 400 with a body saying so: Go's net/http (distribution, zot,
 * Harbor, refreg) "Client sent an HTTP request to an HTTPS server.", nginx "The plain HTTP request was
 * sent to HTTPS port". (A plain server sent a TLS hello is recognised in tls.ts: "wrong version
 * number".)
 */
import { ManifestoError } from '../../errors/errors.ts';
import { bufferedResponse, type RegistryResponse } from './response.ts';
import { MAX_ERROR_BODY_BYTES, readCapped } from './response-errors.ts';

const TLS_PORT_ANSWER = /HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/i;

export interface PlainToTlsCheck {
  /** The 400 says the port speaks TLS. */
  tlsPort: boolean;
  /** The reply, its body still readable (when not a TLS port). */
  response: RegistryResponse;
}

/**
 * Reads a plain-HTTP 400's body to see whether the port speaks TLS. A larger body than an error body
 * can be (64 KiB) is an ordinary 400 and left unread.
 */
export async function answeredPlainToTls(response: RegistryResponse): Promise<PlainToTlsCheck> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_ERROR_BODY_BYTES) return { tlsPort: false, response };
  const bytes = await readCapped(response, MAX_ERROR_BODY_BYTES);
  const tlsPort = TLS_PORT_ANSWER.test(new TextDecoder().decode(bytes));
  return { tlsPort, response: bufferedResponse(response, bytes) };
}

/** Plain HTTP was asked for (--plain-http) but the registry speaks HTTPS. */
export function plainHttpToTlsError(url: URL): ManifestoError {
  return new ManifestoError('TLS_REQUIRED', `${url.host} speaks HTTPS, not plain HTTP`, {
    category: 'unavailable',
    status: 400,
    hint: 'Drop --plain-http (and MANIFESTO_PLAIN_HTTP=1); for a private CA add --ca-file <pem>.',
  });
}
