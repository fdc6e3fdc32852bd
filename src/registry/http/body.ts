/** Request bodies: bytes as they are, stream sources opened afresh for every (re)try. */
import type { BlobSource } from '../../content/repository.ts';

/** What is handed to fetch: bytes, or a fresh stream sent with `duplex: 'half'`. */
export type RequestBody = Uint8Array | ReadableStream<Uint8Array>;

/**
 * The body of one try. A stream source becomes a ReadableStream that hands fetch the source's chunks
 * as they are: given an async iterable instead, undici wraps it in a byte stream that copies every
 * chunk (`new Uint8Array(chunk)`), which costs a large upload a third of its time and keeps the copies
 * alive until the next garbage collection.
 */
export function openBody(source: BlobSource): RequestBody {
  if (source instanceof Uint8Array) return source;
  const chunks = source.open()[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done === true) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        await chunks.return?.(reason);
      },
    },
    { highWaterMark: 1 },
  );
}

export function isStreamBody(source: BlobSource | undefined): boolean {
  return source !== undefined && !(source instanceof Uint8Array);
}
