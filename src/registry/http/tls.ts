/**
 * TLS settings of a registry connection: extra CA certificates (added to the default roots) and the
 * explicit opt-out of certificate verification; recognising TLS failures.
 */
import { readFileSync } from 'node:fs';
import { usageError } from '../../errors/errors.ts';

export interface TlsOptions {
  /** Skip certificate verification (explicit opt-out only). */
  insecure?: boolean | undefined;
  /** A PEM file of CA certificates to trust in addition to the default roots. */
  caFile?: string | undefined;
  /** PEM CA certificates to trust in addition to the default roots. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
}

export interface ConnectTlsOptions {
  ca?: string[];
  rejectUnauthorized: boolean;
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/** The extra CA PEMs from `caFile` and `ca`, validated to contain certificates. */
export function extraCaCertificates(options: TlsOptions): string[] {
  const pems: string[] = [];
  if (options.caFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.caFile, 'utf8');
    } catch (cause) {
      throw usageError(
        'CA_FILE_UNREADABLE',
        `cannot read CA file ${options.caFile}`,
        'Pass --ca-file a readable PEM file of CA certificates.',
        cause,
      );
    }
    if (!text.includes(PEM_CERTIFICATE)) {
      throw usageError(
        'CA_FILE_INVALID',
        `CA file ${options.caFile} holds no PEM certificate`,
        'Pass --ca-file a PEM file ("-----BEGIN CERTIFICATE-----").',
      );
    }
    pems.push(text);
  }
  const inline = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  for (const entry of inline as readonly (string | Uint8Array)[]) {
    const text = typeof entry === 'string' ? entry : new TextDecoder().decode(entry);
    if (!text.includes(PEM_CERTIFICATE)) {
      throw usageError(
        'CA_INVALID',
        'the CA certificate given is not PEM',
        'Pass PEM-encoded CA certificates.',
      );
    }
    pems.push(text);
  }
  return pems;
}

/**
 * Node's default roots. node:tls is taken here, when extra CAs are given, not imported by the module:
 * an import loads TLS and WebCrypto (~10-30 ms) in every command, plain-HTTP ones included.
 */
function defaultRoots(): string[] {
  const tls = process.getBuiltinModule('node:tls') as typeof import('node:tls');
  try {
    return tls.getCACertificates('default');
  } catch {
    return [...tls.rootCertificates];
  }
}

/** Options for `tls.connect` (undici's `connect`): default roots plus extras; verification unless insecure. */
export function connectTlsOptions(options: TlsOptions): ConnectTlsOptions {
  const extra = extraCaCertificates(options);
  const result: ConnectTlsOptions = { rejectUnauthorized: options.insecure !== true };
  if (extra.length > 0) result.ca = [...defaultRoots(), ...extra];
  return result;
}

const TLS_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

/** True for certificate-verification and handshake failures. */
export function isTlsErrorCode(code: string | undefined): boolean {
  if (code === undefined) return false;
  return TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

/** The server spoke plain HTTP to our TLS hello (`wrong version number`). */
export function isPlainHttpServerError(code: string | undefined, message: string): boolean {
  return code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(message);
}
