/**
 * A counting HTTP reverse proxy for benchmarks: listens on a loopback port in front of one registry,
 * forwards every request (bodies streamed both ways, never buffered), counts requests by class, and can
 * add a fixed delay before forwarding each request, to simulate a round-trip time.
 *
 * Clients talk to the proxy as if it were the registry (`--plain-http`): `Location` and `Link` headers
 * naming the registry are rewritten to the proxy, so upload sessions and pagination come back through it.
 * The delay models one network round trip per request; connection set-up (TCP, TLS) is not simulated.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

/** Request classes, as src/registry/http/request-class.ts names them, plus `token`. */
export type RequestClass = 'manifest' | 'blob' | 'upload' | 'referrers' | 'tags' | 'token' | 'ping' | 'other';

export const REQUEST_CLASSES: readonly RequestClass[] = [
  'manifest',
  'blob',
  'upload',
  'referrers',
  'tags',
  'token',
  'ping',
  'other',
];

/** The tag of the referrers tag schema: `<alg>-<hex>` (distribution-spec 1.1). */
const REFERRERS_TAG = /\/manifests\/sha256-[a-f0-9]{64}$/;

/**
 * The class of a request, by its path (and method):
 * - `ping` `GET /v2/`; `upload` `/blobs/uploads…`; `blob` `/blobs/<digest>`; `referrers` the referrers
 *   API (`/referrers/<digest>`) and the referrers tag schema's index (`/manifests/sha256-<hex>`), so
 *   that a listing counts as one class on both kinds of registry; `manifest` other `/manifests/…`;
 *   `tags` `/tags/list`; `token` a token endpoint outside `/v2/` (`/token`, `/auth`, `/oauth2/…`);
 *   `other` anything else.
 */
export function classifyRequest(method: string, path: string): RequestClass {
  const pathname = (path.split(/[?#]/, 1)[0] ?? path).replace(/\/{2,}/g, '/');
  if (pathname === '/v2/' || pathname === '/v2')
    return method === 'GET' || method === 'HEAD' ? 'ping' : 'other';
  if (!pathname.startsWith('/v2/')) {
    return /(^|\/)(token|auth|oauth2)(\/|$)/.test(pathname) ? 'token' : 'other';
  }
  if (pathname.includes('/blobs/uploads')) return 'upload';
  if (pathname.includes('/blobs/')) return 'blob';
  if (REFERRERS_TAG.test(pathname)) return 'referrers';
  if (pathname.includes('/manifests/')) return 'manifest';
  if (pathname.includes('/referrers/')) return 'referrers';
  if (pathname.endsWith('/tags/list')) return 'tags';
  return 'other';
}

export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  requestClass: RequestClass;
  /** Upstream status; 502 when the registry could not be reached. */
  status: number;
  /** Bytes of request body forwarded to the registry, and of response body returned to the client. */
  bytesUp: number;
  bytesDown: number;
  /** performance.now() (of this process) when the request arrived, and when its response ended. */
  startedAt: number;
  endedAt: number;
}

export interface RequestCounts {
  total: number;
  byClass: Record<RequestClass, number>;
}

export function emptyCounts(): RequestCounts {
  const byClass = Object.fromEntries(REQUEST_CLASSES.map((c) => [c, 0])) as Record<RequestClass, number>;
  return { total: 0, byClass };
}

export function countRequests(requests: readonly Pick<ProxiedRequest, 'requestClass'>[]): RequestCounts {
  const counts = emptyCounts();
  for (const r of requests) {
    counts.total++;
    counts.byClass[r.requestClass]++;
  }
  return counts;
}

export interface CountingProxyOptions {
  /** The registry's base URL, e.g. `http://127.0.0.1:5000` (plain HTTP). */
  upstream: string;
  /** Delay added before forwarding each request, in ms (default 0). Changeable later. */
  delayMs?: number;
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`, for image references. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly baseUrl: string;
  readonly upstream: string;
  /** Delay added before forwarding each request, in ms. */
  delayMs: number;
  /** Requests seen since the last reset (completed ones; `inFlight()` tells whether any are pending). */
  requests(): readonly ProxiedRequest[];
  counts(): RequestCounts;
  inFlight(): number;
  /** Forgets the requests seen so far. */
  reset(): void;
  stop(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), not forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:')
    throw new Error(`counting proxy: plain-HTTP upstreams only, not ${upstream}`);
  const upstreamOrigin = upstream.origin;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let log: ProxiedRequest[] = [];
  let pending = 0;
  let generation = 0;
  let proxyOrigin = '';

  /** Absolute URLs naming the registry point to the proxy instead. */
  const rewrite = (value: string): string => value.split(upstreamOrigin).join(proxyOrigin);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: ProxiedRequest = {
      method,
      path,
      requestClass: classifyRequest(method, path),
      status: 0,
      bytesUp: 0,
      bytesDown: 0,
      startedAt: performance.now(),
      endedAt: 0,
    };
    const myGeneration = generation;
    pending++;
    try {
      // The body stays unread (paused, with TCP back-pressure) until the request is forwarded.
      if (proxy.delayMs > 0) await sleep(proxy.delayMs);
      req.on('data', (chunk: Buffer) => {
        record.bytesUp += chunk.byteLength;
      });
      const headers = forwardable(req.headers);
      headers.host = upstream.host;
      const upstreamReq = httpRequest({
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method,
        path,
        headers,
      });
      const response = new Promise<IncomingMessage>((resolve, reject) => {
        upstreamReq.once('response', resolve);
        upstreamReq.once('error', reject);
      });
      // A registry may answer before it read the whole body (an error): the answer still counts.
      const sent = pipeline(req, upstreamReq).catch(() => undefined);
      const upstreamRes = await response;
      record.status = upstreamRes.statusCode ?? 502;
      const out = forwardable(upstreamRes.headers);
      for (const name of ['location', 'link']) {
        const value = out[name];
        if (typeof value === 'string') out[name] = rewrite(value);
        else if (Array.isArray(value)) out[name] = value.map(rewrite);
      }
      res.writeHead(record.status, upstreamRes.statusMessage, out);
      upstreamRes.on('data', (chunk: Buffer) => {
        record.bytesDown += chunk.byteLength;
      });
      await Promise.all([pipeline(upstreamRes, res), sent]);
    } catch (error) {
      if (record.status === 0) record.status = 502;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`counting proxy: ${(error as Error).message}\n`);
      } else {
        res.destroy();
      }
    } finally {
      pending--;
      record.endedAt = performance.now();
      if (myGeneration === generation) log.push(record);
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  proxyOrigin = `http://127.0.0.1:${port}`;

  const proxy: CountingProxy = {
    host: `127.0.0.1:${port}`,
    baseUrl: proxyOrigin,
    upstream: upstreamOrigin,
    delayMs: options.delayMs ?? 0,
    requests: () => log,
    counts: () => countRequests(log),
    inFlight: () => pending,
    reset: () => {
      generation++;
      log = [];
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
  return proxy;
}
