// A reverse proxy in front of a real (plain-HTTP) test registry that forwards every request unchanged
// except those a test chooses to answer itself: a bad reply injected into an otherwise real exchange
// (a poisoned referrers probe, an oversized listing). Requests and replies are buffered: test sizes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http.ts';

export interface ProxiedCall {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Answered by the fault hook rather than the registry. */
  faulted: boolean;
}

/** A reply to send instead of forwarding; undefined forwards the request. */
export type Fault = (call: { method: string; path: string }) => Response | undefined;

export interface FaultProxy {
  /** `127.0.0.1:PORT`, for image references (with --plain-http). */
  host: string;
  calls: ProxiedCall[];
  /** The hook consulted for every request (replace it between commands). */
  fault: Fault;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

async function send(
  res: ServerResponse,
  method: string,
  reply: Response,
  rewrite: (v: string) => string,
): Promise<void> {
  const headers: Record<string, string> = {};
  reply.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') headers[name] = rewrite(value);
  });
  const body = Buffer.from(await reply.arrayBuffer());
  // A HEAD reply keeps the registry's Content-Length (the size of what a GET would return).
  if (method !== 'HEAD') headers['content-length'] = String(body.byteLength);
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

/** Starts a proxy to `upstream` (`http://127.0.0.1:PORT`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const upstreamOrigin = new URL(upstream).origin;
  let origin = '';
  const proxy: FaultProxy = {
    host: '',
    calls: [],
    fault: () => undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const injected = proxy.fault({ method, path });
    proxy.calls.push({ method, path, faulted: injected !== undefined });
    const rewrite = (value: string) => value.split(upstreamOrigin).join(origin);
    if (injected !== undefined) return send(res, method, injected, (v) => v);
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = String(value);
    }
    const reply = await fetch(`${upstreamOrigin}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    return send(res, method, reply, rewrite);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  proxy.host = `127.0.0.1:${port}`;
  origin = `http://${proxy.host}`;
  return proxy;
}
