/**
 * One HTTP exchange over node:http / node:https: headers and body out, the reply's status and headers
 * back (its body streams on). No retries, auth or redirects here (see transport.ts).
 *
 * Why not fetch: a bare Node script making put's 5 requests takes 70 ms with node:http and 133 ms with
 * the global fetch (Node compiles its bundled undici on first use); a raw request also uploads large
 * bodies 15-35% faster, as no web stream sits between the file and the socket.
 *
 * Timeouts (`timeoutMs`, --timeout): the socket may stay silent that long while connecting, while
 * waiting for the reply, and between two chunks sent or received. A transfer that keeps moving is
 * never cut off; the answer to a streamed (large) upload may take up to 2 minutes once it is sent.
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { BlobSource } from '../../content/repository.ts';
import { http, https } from './connections.ts';
import { NodeRegistryResponse, type RegistryResponse } from './response.ts';

export interface NodeExchange {
  url: URL;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: BlobSource | undefined;
  agent: Agent;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** Codes of the errors a timeout raises (network-errors.ts decides what is retried). */
export const CONNECT_TIMEOUT = 'CONNECT_TIMEOUT';
export const RESPONSE_TIMEOUT = 'RESPONSE_TIMEOUT';
export const BODY_TIMEOUT = 'BODY_TIMEOUT';

/** How long the answer to a streamed upload may take once its last byte is sent (at least). */
const UPLOAD_COMMIT_MS = 120_000;

class TimeoutFailure extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** Marks a failure on a kept-alive socket before any reply: the server closed it while idle. */
export interface StaleSocketFailure {
  staleSocket?: boolean;
}

export function sendWithNode(exchange: NodeExchange): Promise<RegistryResponse> {
  const { url, method, headers, body, timeoutMs } = exchange;
  const options: RequestOptions = { method, headers, agent: exchange.agent };
  if (exchange.signal !== undefined) options.signal = exchange.signal;
  const request: ClientRequest =
    url.protocol === 'https:' ? https().request(url, options) : http().request(url, options);

  return new Promise<RegistryResponse>((resolve, reject) => {
    let reply: IncomingMessage | undefined;
    let connected = false;
    request.once('socket', (socket) => {
      if (request.reusedSocket || !socket.connecting) connected = true;
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
    });
    let limitMs = timeoutMs;
    request.setTimeout(timeoutMs, () => {
      const seconds = `${limitMs / 1000} s`;
      if (reply !== undefined) {
        reply.destroy(new TimeoutFailure(BODY_TIMEOUT, `no data from ${url.host} for ${seconds}`));
      } else if (!connected) {
        request.destroy(
          new TimeoutFailure(CONNECT_TIMEOUT, `connecting to ${url.host} took over ${seconds}`),
        );
      } else {
        request.destroy(new TimeoutFailure(RESPONSE_TIMEOUT, `${url.host} did not answer within ${seconds}`));
      }
    });
    request.once('response', (message) => {
      reply = message;
      resolve(new NodeRegistryResponse(message, url.href, method));
    });
    request.on('error', (error: Error & StaleSocketFailure) => {
      if (reply !== undefined) return; // the body stream reports it
      if (request.reusedSocket) error.staleSocket = true;
      reject(error);
    });
    if (body !== undefined && !(body instanceof Uint8Array)) {
      // A large upload may take the registry a while to commit (digest, storage move): wait longer.
      request.once('finish', () => {
        limitMs = Math.max(timeoutMs, UPLOAD_COMMIT_MS);
        if (reply === undefined) request.setTimeout(limitMs);
      });
    }
    sendBody(request, body);
  });
}

function sendBody(request: ClientRequest, body: BlobSource | undefined): void {
  if (body === undefined) {
    request.end();
    return;
  }
  if (body instanceof Uint8Array) {
    request.end(body);
    return;
  }
  pump(request, body.open()).catch((error: unknown) => request.destroy(error as Error));
}

/** Writes a stream source as the socket drains: at most a socket buffer's worth is ahead of the server. */
async function pump(request: ClientRequest, source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of source) {
    if (request.destroyed) return;
    if (!request.write(chunk)) {
      const open = await drained(request);
      if (!open) return;
    }
  }
  request.end();
}

/** Resolves true on 'drain', false when the request closes or fails first. */
function drained(request: ClientRequest): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => () => {
      request.off('drain', onDrain);
      request.off('close', onClose);
      request.off('error', onClose);
      resolve(value);
    };
    const onDrain = done(true);
    const onClose = done(false);
    request.once('drain', onDrain);
    request.once('close', onClose);
    request.once('error', onClose);
  });
}
