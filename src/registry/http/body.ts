/** Request bodies: bytes as they are, stream sources opened afresh for every (re)try. */
import type { BlobSource } from '../../content/repository.ts';

/** What is handed to fetch: bytes, or a fresh async iterable streamed with `duplex: 'half'`. */
export type RequestBody = Uint8Array | AsyncIterable<Uint8Array>;

export function openBody(source: BlobSource): RequestBody {
  return source instanceof Uint8Array ? source : source.open();
}

export function isStreamBody(source: BlobSource | undefined): boolean {
  return source !== undefined && !(source instanceof Uint8Array);
}
