/** Reading registry reply bodies with size limits, and releasing bodies that are not needed. */
import { integrityError } from '../errors/errors.ts';
import { concatBytes } from '../util/bytes.ts';
import type { RegistryResponse } from './http/response.ts';
import { discardResponse } from './http/response-errors.ts';

/** Releases a reply's body so its connection can be reused. */
export async function discardBody(res: RegistryResponse): Promise<void> {
  await discardResponse(res);
}

/** The Content-Length header as a number, if present and valid. */
export function contentLength(res: RegistryResponse): number | undefined {
  const header = res.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/**
 * Reads the whole body, refusing (integrity error) more than `maxBytes` both by Content-Length and while
 * reading, so a registry cannot make the client buffer unbounded data.
 */
export async function readLimited(
  res: RegistryResponse,
  maxBytes: number,
  what: string,
): Promise<Uint8Array> {
  const declared = contentLength(res);
  if (declared !== undefined && declared > maxBytes) {
    await discardBody(res);
    throw tooLarge(what, maxBytes, declared);
  }
  if (res.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge(what, maxBytes, undefined); // leaving the loop cancels the body
    chunks.push(chunk);
  }
  return concatBytes(chunks, total);
}

function tooLarge(what: string, maxBytes: number, declared: number | undefined) {
  const size = declared === undefined ? 'more' : `${declared} bytes`;
  return integrityError(
    'CONTENT_TOO_LARGE',
    `${what} is too large: ${size}, the limit is ${maxBytes} bytes`,
    'The registry returned more data than manifesto accepts for this kind of content.',
  );
}
