import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { explicitCredentials } from '../../../../src/registry/credentials/provider.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
} from '../../../../src/registry/http/transport.ts';
import type { RequestEvent } from '../../../../src/registry/http/types.ts';
import { sendJson } from '../../../support/http.ts';
import { closedAfterTests, startServer, type TestServer } from './servers.ts';

const open = closedAfterTests();

/** A token-auth registry whose blob GETs redirect to `location(path)`. */
async function redirectingRegistry(
  location: (self: TestServer, path: string) => string,
): Promise<TestServer> {
  const server = await startServer((req, res, self) => {
    const url = new URL(req.url ?? '/', self.origin);
    if (url.pathname === '/token') {
      sendJson(res, 200, { token: 'secret-token' });
      return;
    }
    if (url.pathname.startsWith('/storage/')) {
      sendJson(res, 200, { from: 'registry storage', authorization: req.headers.authorization ?? null });
      return;
    }
    if (req.headers.authorization !== 'Bearer secret-token') {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${self.origin}/token",service="svc"` }).end();
      return;
    }
    res.writeHead(307, { location: location(self, url.pathname) }).end();
  });
  open.push(server);
  return server;
}

function transportFor(host: string): { transport: HttpRegistryTransport; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  const transport = createRegistryTransport({
    registry: host,
    authCache: new AuthCache(),
    credentials: explicitCredentials({ username: 'u', password: 'p' }),
    onRequest: (e) => events.push(e),
    sleep: async () => undefined,
  });
  open.push(transport);
  return { transport, events };
}

describe('redirects', () => {
  it('a redirect to another origin is followed without Authorization or Cookie', async () => {
    const cdn = await startServer((req, res) => {
      sendJson(res, 200, { from: 'cdn', path: req.url });
    });
    open.push(cdn);
    const registry = await redirectingRegistry((_self, path) => `${cdn.origin}/cdn${path}?sig=abc`);
    const { transport, events } = transportFor(registry.host);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:0123',
      repository: 'r',
      followRedirects: true,
      headers: { Cookie: 'session=1', Accept: 'application/octet-stream' },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { from: 'cdn', path: '/cdn/v2/r/blobs/sha256:0123?sig=abc' });
    assert.equal(cdn.requests.length, 1);
    const atCdn = cdn.requests[0]!.headers;
    assert.equal(atCdn.authorization, undefined, 'no Authorization to another origin');
    assert.equal(atCdn.cookie, undefined, 'no Cookie to another origin');
    assert.equal(atCdn.accept, 'application/octet-stream', 'other headers are kept');
    // the registry itself did get the token
    const blobRequests = registry.requests.filter((r) => r.url.includes('/blobs/'));
    assert.equal(blobRequests.at(-1)!.headers.authorization, 'Bearer secret-token');
    assert.deepEqual(
      events.map((e) => e.status),
      [401, 200, 307, 200],
    );
  });

  it('the same host on another port is another origin too', async () => {
    const other = await startServer(
      (req, res) => {
        sendJson(res, 200, { authorization: req.headers.authorization ?? null });
      },
      { hostname: '127.0.0.1' },
    );
    open.push(other);
    const registry = await redirectingRegistry(() => `http://127.0.0.1:${other.port}/x`);
    const { transport } = transportFor(registry.host);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:1',
      repository: 'r',
      followRedirects: true,
    });
    assert.deepEqual(await res.json(), { authorization: null });
  });

  it('a same-origin redirect (relative Location) keeps Authorization', async () => {
    const registry = await redirectingRegistry((_self, path) => `/storage${path}`);
    const { transport } = transportFor(registry.host);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:2',
      repository: 'r',
      followRedirects: true,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { from: 'registry storage', authorization: 'Bearer secret-token' });
  });

  it('credentials stay dropped when a foreign host redirects back to the registry', async () => {
    let registryOrigin = '';
    const bouncer = await startServer((_req, res) => {
      res.writeHead(302, { location: `${registryOrigin}/storage/back` }).end();
    });
    open.push(bouncer);
    const registry = await redirectingRegistry(() => `${bouncer.origin}/bounce`);
    registryOrigin = registry.origin;
    const { transport } = transportFor(registry.host);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:3',
      repository: 'r',
      followRedirects: true,
    });
    assert.deepEqual(await res.json(), { from: 'registry storage', authorization: null });
  });

  it('a 3xx is returned to the caller when redirects are not followed', async () => {
    const registry = await redirectingRegistry(() => 'https://elsewhere.example/blob');
    const { transport } = transportFor(registry.host);
    const res = await transport.request({ method: 'GET', path: '/v2/r/blobs/sha256:4', repository: 'r' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), 'https://elsewhere.example/blob');
  });

  it('stops after 5 hops', async () => {
    const loop = await startServer((req, res) => {
      const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? '0');
      res.writeHead(302, { location: `/loop?n=${n + 1}` }).end();
    });
    open.push(loop);
    const { transport, events } = transportFor(loop.host);
    await assert.rejects(
      transport.request({ method: 'GET', path: '/loop', followRedirects: true }),
      (error: unknown) => isManifestoError(error) && error.code === 'TOO_MANY_REDIRECTS',
    );
    assert.equal(events.length, 6);
  });

  it('a 401 from the host a redirect led to is returned as is (no token request there)', async () => {
    const storage = await startServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://127.0.0.1:1/token"' }).end();
    });
    open.push(storage);
    const registry = await redirectingRegistry(() => `${storage.origin}/obj`);
    const { transport, events } = transportFor(registry.host);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:5',
      repository: 'r',
      followRedirects: true,
    });
    assert.equal(res.status, 401);
    assert.equal(events.filter((e) => e.requestClass === 'token').length, 1); // only the registry's own
  });
});
