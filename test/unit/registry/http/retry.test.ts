import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  retryDelay,
} from '../../../../src/registry/http/retry.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
  type RegistryTransportOptions,
} from '../../../../src/registry/http/transport.ts';
import type { RequestEvent } from '../../../../src/registry/http/types.ts';
import { readBody, sendJson } from '../../../support/http.ts';
import { closedAfterTests, startServer, type TestServer } from './servers.ts';

const open = closedAfterTests();

const NOW = 1_700_000_000_000; // a whole second, so HTTP dates round-trip exactly

function setup(
  host: string,
  extra: Partial<RegistryTransportOptions> = {},
): { transport: HttpRegistryTransport; events: RequestEvent[]; sleeps: number[] } {
  const events: RequestEvent[] = [];
  const sleeps: number[] = [];
  const transport = createRegistryTransport({
    registry: host,
    authCache: new AuthCache(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => NOW,
    random: () => 0.5,
    onRequest: (e) => events.push(e),
    ...extra,
  });
  open.push(transport);
  return { transport, events, sleeps };
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  open.push(s);
  return s;
}

describe('retry policy (pure)', () => {
  it('parses Retry-After seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('7', NOW), 7000);
    assert.equal(parseRetryAfter(' 0 ', NOW), 0);
    assert.equal(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW), 5000);
    assert.equal(parseRetryAfter(new Date(NOW - 5000).toUTCString(), NOW), 0);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter(null, NOW), undefined);
    assert.equal(parseRetryAfter('-1', NOW), undefined);
  });

  it('backs off exponentially with jitter, capped, and caps Retry-After', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 30_000 };
    assert.equal(
      retryDelay(policy, 1, undefined, () => 0),
      50,
    );
    assert.equal(
      retryDelay(policy, 1, undefined, () => 0.999999),
      100,
    );
    assert.equal(
      retryDelay(policy, 3, undefined, () => 0),
      200,
    );
    assert.equal(
      retryDelay(policy, 10, undefined, () => 0),
      500,
    );
    assert.equal(
      retryDelay(policy, 10, undefined, () => 0.999999),
      1000,
    );
    assert.equal(
      retryDelay(policy, 1, 12_000, () => 0),
      12_000,
    );
    assert.equal(
      retryDelay(policy, 1, 3_600_000, () => 0),
      30_000,
    );
  });

  it('retries 429 always, gateway errors and 500 only when idempotent', () => {
    assert.equal(isRetryableStatus(429, false), true);
    for (const status of [500, 502, 503, 504]) {
      assert.equal(isRetryableStatus(status, true), true);
      assert.equal(isRetryableStatus(status, false), false);
    }
    for (const status of [200, 400, 401, 404, 501]) assert.equal(isRetryableStatus(status, true), false);
  });
});

describe('transport retries', () => {
  it('429 then 200: retried after the Retry-After seconds', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (n++ === 0) {
        res.writeHead(429, { 'retry-after': '7' }).end();
        return;
      }
      sendJson(res, 200, { ok: true });
    });
    const { transport, events, sleeps } = setup(s.host);
    const res = await transport.request({ method: 'GET', path: '/v2/r/manifests/1' });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(sleeps, [7000]);
    assert.deepEqual(
      events.map((e) => [e.status, e.attempt]),
      [
        [429, 1],
        [200, 2],
      ],
    );
  });

  it('honours a Retry-After HTTP date', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (n++ === 0) {
        res.writeHead(503, { 'retry-after': new Date(NOW + 4000).toUTCString() }).end();
        return;
      }
      res.writeHead(200).end();
    });
    const { transport, sleeps } = setup(s.host);
    assert.equal((await transport.request({ method: 'GET', path: '/v2/' })).status, 200);
    assert.deepEqual(sleeps, [4000]);
  });

  it('caps a huge Retry-After', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      res.writeHead(n++ === 0 ? 429 : 200, { 'retry-after': '86400' }).end();
    });
    const { transport, sleeps } = setup(s.host, { retry: { maxRetryAfterMs: 2000 } });
    assert.equal((await transport.request({ method: 'GET', path: '/v2/' })).status, 200);
    assert.deepEqual(sleeps, [2000]);
  });

  it('503 until attempts are exhausted: an unavailable error with the last status and registry errors', async () => {
    const s = await server((_req, res) => {
      sendJson(res, 503, { errors: [{ code: 'UNAVAILABLE', message: 'maintenance' }] });
    });
    const { transport, events, sleeps } = setup(s.host);
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/r/blobs/sha256:00', repository: 'r' }),
      (error: unknown) => {
        assert.ok(isManifestoError(error));
        assert.equal(error.category, 'unavailable');
        assert.equal(error.code, 'REGISTRY_UNAVAILABLE');
        assert.equal(error.status, 503);
        assert.deepEqual(error.registryErrors, [{ code: 'UNAVAILABLE', message: 'maintenance' }]);
        assert.match(error.message, /gave up after 4 attempts/);
        return true;
      },
    );
    assert.equal(events.length, 4);
    assert.deepEqual(sleeps, [188, 375, 750]); // 250 * 2^(n-1), equal jitter at 0.5
  });

  it('429 exhausted becomes TOO_MANY_REQUESTS', async () => {
    const s = await server((_req, res) => {
      res.writeHead(429).end();
    });
    const { transport, events } = setup(s.host, { retry: { maxAttempts: 2 } });
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/' }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'TOO_MANY_REQUESTS' && error.status === 429,
    );
    assert.equal(events.length, 2);
  });

  it('does not repeat a non-idempotent request after a 503: the response is returned', async () => {
    const s = await server((_req, res) => {
      res.writeHead(503).end();
    });
    const { transport, events } = setup(s.host);
    const res = await transport.request({ method: 'POST', path: '/v2/r/blobs/uploads/' });
    assert.equal(res.status, 503);
    assert.equal(events.length, 1);
  });

  it('retries an idempotent request whose connection is reset before the response', async () => {
    let n = 0;
    const s = await server((req, res) => {
      n++;
      if (n === 1) {
        req.socket.destroy();
        return;
      }
      if (n === 2) {
        // half a status line, then the connection breaks
        req.socket.end('HTTP/1.1 200 OK\r\nContent-Le');
        req.socket.destroy();
        return;
      }
      sendJson(res, 200, { n });
    });
    const { transport, events } = setup(s.host);
    const res = await transport.request({ method: 'GET', path: '/v2/r/manifests/1' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { n: 3 });
    assert.deepEqual(
      events.map((e) => e.status),
      [0, 0, 200],
    );
  });

  it('re-opens a streamed body for each try of an idempotent PUT', async () => {
    let n = 0;
    const received: number[] = [];
    const s = await server(async (req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(200).end(); // the ping before a streamed body
        return;
      }
      const body = await readBody(req);
      received.push(body.length);
      res.writeHead(n++ === 0 ? 503 : 201).end();
    });
    const { transport } = setup(s.host);
    let opened = 0;
    const res = await transport.request({
      method: 'PUT',
      path: '/v2/r/manifests/1',
      idempotent: true,
      headers: { 'Content-Length': '300' },
      body: {
        async *open() {
          opened++;
          for (let i = 0; i < 3; i++) yield new Uint8Array(100).fill(i);
        },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(opened, 2);
    assert.deepEqual(received, [300, 300]);
  });

  it('does not repeat a non-idempotent request whose connection broke', async () => {
    const s = await server((req) => {
      req.socket.destroy();
    });
    const { transport, events } = setup(s.host);
    await assert.rejects(
      transport.request({ method: 'PATCH', path: '/v2/r/blobs/uploads/x', body: new Uint8Array(10) }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'REGISTRY_UNREACHABLE' && error.category === 'unavailable',
    );
    assert.equal(events.length, 1);
  });

  it('connection refused, then the registry comes up: recovered by a retry (any method)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    let started: TestServer | undefined;
    const events: RequestEvent[] = [];
    const transport = createRegistryTransport({
      registry: `127.0.0.1:${port}`,
      authCache: new AuthCache(),
      onRequest: (e) => events.push(e),
      sleep: async () => {
        if (started) return;
        // bring the registry up on the refused port
        const { createServer: http } = await import('node:http');
        const srv = http((_req, res) => res.writeHead(202).end());
        await new Promise<void>((resolve) => srv.listen(port, '127.0.0.1', resolve));
        started = {
          host: '',
          port,
          origin: '',
          requests: [],
          close: async () => {
            srv.closeAllConnections();
            await new Promise<void>((r) => srv.close(() => r()));
          },
        };
        open.push(started);
      },
    });
    open.push(transport);
    const res = await transport.request({ method: 'POST', path: '/v2/r/blobs/uploads/' });
    assert.equal(res.status, 202);
    assert.deepEqual(
      events.map((e) => e.status),
      [0, 202],
    );
  });

  it('an unreachable registry: REGISTRY_UNREACHABLE with the host and a hint', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const { transport, events } = setup(`127.0.0.1:${port}`, { retry: { maxAttempts: 3 } });
    await assert.rejects(transport.request({ method: 'GET', path: '/v2/' }), (error: unknown) => {
      assert.ok(isManifestoError(error));
      assert.equal(error.code, 'REGISTRY_UNREACHABLE');
      assert.equal(error.category, 'unavailable');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.hint ?? '', /running/);
      return true;
    });
    assert.equal(events.length, 3);
  });

  it('a response that does not start in time is a timeout, retried for idempotent requests', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      if (n++ === 0) return; // never answer
      res.writeHead(200).end();
    });
    const { transport, events } = setup(s.host, { timeoutMs: 150 });
    const res = await transport.request({ method: 'GET', path: '/v2/' });
    assert.equal(res.status, 200);
    assert.deepEqual(
      events.map((e) => e.status),
      [0, 200],
    );
  });

  it('timeouts exhausted: REGISTRY_TIMEOUT', async () => {
    const s = await server(() => undefined);
    const { transport } = setup(s.host, { timeoutMs: 100, retry: { maxAttempts: 2 } });
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/' }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'REGISTRY_TIMEOUT' && error.category === 'unavailable',
    );
  });

  it('an aborted request is not retried and rejects with the abort reason', async () => {
    const s = await server(() => undefined);
    const { transport, events } = setup(s.host);
    const controller = new AbortController();
    const pending = transport.request({ method: 'GET', path: '/v2/', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 30);
    await assert.rejects(pending, /stop/);
    assert.equal(events.length, 1);
  });
});
