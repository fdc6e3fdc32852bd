/**
 * One HTTP exchange through an injected fetch (tests that watch or fake the wire). The default
 * transport never loads the Fetch API (see node-send.ts); a fetch given here brings its own pools and
 * timeouts, and its `Response` is a RegistryResponse as it is.
 */
import type { BlobSource } from '../../content/repository.ts';
import type { RegistryResponse } from './response.ts';

/** A fetch implementation, e.g. the global `fetch` or a wrapper of it. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface FetchExchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: BlobSource | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A stream source as a ReadableStream that hands fetch the source's chunks as they are (an async
 * iterable body would be copied chunk by chunk by undici).
 */
function streamBody(source: { open(): AsyncIterable<Uint8Array> }): ReadableStream<Uint8Array> {
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

export async function sendWithFetch(
  fetch: FetchFunction,
  exchange: FetchExchange,
): Promise<RegistryResponse> {
  const { body } = exchange;
  const streamed = body !== undefined && !(body instanceof Uint8Array);
  const init: RequestInit = {
    method: exchange.method,
    headers: exchange.headers,
    // Redirects are followed by the transport; a streamed body cannot be replayed anyway.
    redirect: streamed ? 'error' : 'manual',
  };
  if (exchange.signal !== undefined) init.signal = exchange.signal;
  if (body instanceof Uint8Array) init.body = body as NonNullable<RequestInit['body']>;
  else if (body !== undefined) {
    init.body = streamBody(body) as NonNullable<RequestInit['body']>;
    init.duplex = 'half';
  }
  return fetch(exchange.url.href, init);
}
