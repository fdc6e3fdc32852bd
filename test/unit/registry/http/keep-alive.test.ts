// Connections are reused after HEAD requests (undici closes them by default): existence checks and
// manifest resolves do not cost a new connection (and TLS handshake) each.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import { createRegistryTransport } from '../../../../src/registry/http/transport.ts';
import { startServer, type TestServer } from './servers.ts';

let server: TestServer | undefined;
after(async () => {
  await server?.close();
});

it('HEAD, GET, HEAD, HEAD, PUT to a registry reuse keep-alive connections', async () => {
  const ports: number[] = [];
  server = await startServer((req, res) => {
    ports.push(req.socket.remotePort ?? 0);
    req.resume();
    req.on('end', () => {
      const body = req.method === 'HEAD' ? '' : '{}';
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': req.method === 'HEAD' ? '2' : String(body.length),
        connection: 'keep-alive',
      });
      res.end(body);
    });
  });
  const transport = createRegistryTransport({ registry: server.host, authCache: new AuthCache() });
  try {
    for (const method of ['HEAD', 'GET', 'HEAD', 'HEAD', 'PUT'] as const) {
      const res = await transport.request({
        method,
        path: '/v2/team/app/manifests/latest',
        repository: 'team/app',
        ...(method === 'PUT' ? { body: new TextEncoder().encode('{}') } : {}),
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
  } finally {
    await transport.close();
  }
  assert.equal(ports.length, 5);
  // undici waits one event loop turn before reusing a connection, so a request sent at once may open a
  // second one; without reuse after HEAD every request here would open its own (5).
  assert.ok(new Set(ports).size <= 2, `connections from ports ${ports.join(', ')}`);
});
