import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { explicitCredentials } from '../../../../src/registry/credentials/provider.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
  type RegistryTransportOptions,
} from '../../../../src/registry/http/transport.ts';
import type { RequestEvent } from '../../../../src/registry/http/types.ts';
import { readBody, sendJson } from '../../../support/http.ts';
import { closedAfterTests, startServer, startTokenRegistry, type TokenRegistry } from './servers.ts';

const open = closedAfterTests();

function transportFor(
  registry: TokenRegistry | string,
  extra: Partial<RegistryTransportOptions> = {},
): { transport: HttpRegistryTransport; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  const transport = createRegistryTransport({
    registry: typeof registry === 'string' ? registry : registry.server.host,
    authCache: new AuthCache(),
    sleep: async () => undefined,
    onRequest: (e) => events.push(e),
    ...extra,
  });
  open.push(transport);
  return { transport, events };
}

async function tokenRegistry(options: Parameters<typeof startTokenRegistry>[0] = {}): Promise<TokenRegistry> {
  const registry = await startTokenRegistry(options);
  open.push(registry);
  return registry;
}

describe('bearer token flow', () => {
  it('gets an anonymous token for the scope the challenge names, then retries with it', async () => {
    const registry = await tokenRegistry();
    const { transport, events } = transportFor(registry);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/team/app/manifests/latest',
      repository: 'team/app',
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.deepEqual(
      events.map((e) => [e.requestClass, e.status]),
      [
        ['manifest', 401],
        ['token', 200],
        ['manifest', 200],
      ],
    );
    assert.equal(registry.tokenRequests.length, 1);
    assert.deepEqual(registry.tokenRequests[0]!.scopes, ['repository:team/app:pull']);
    assert.equal(registry.tokenRequests[0]!.user, undefined);
    assert.equal(registry.tokenRequests[0]!.params.service, 'test-registry');
    assert.equal(registry.tokenRequests[0]!.params.client_id, 'manifesto');
    const sent = registry.registryRequests();
    assert.equal(sent[0]!.headers.authorization, undefined, 'nothing known: first request without auth');
    assert.equal(sent[1]!.headers.authorization, 'Bearer tok-1');
  });

  it('reuses the token: a second request to the same repository costs no token request and no 401', async () => {
    const registry = await tokenRegistry();
    const { transport, events } = transportFor(registry);
    for (const tag of ['a', 'b', 'c']) {
      const res = await transport.request({
        method: 'GET',
        path: `/v2/team/app/manifests/${tag}`,
        repository: 'team/app',
      });
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(events.filter((e) => e.requestClass === 'token').length, 1);
    assert.equal(events.filter((e) => e.status === 401).length, 1);
    assert.equal(events.length, 5); // 401, token, 200, 200, 200
  });

  it('pre-authorises a new repository once the challenge is known (token request, no 401)', async () => {
    const registry = await tokenRegistry();
    const { transport, events } = transportFor(registry);
    await (await transport.request({ method: 'GET', path: '/v2/one/manifests/x', repository: 'one' })).text();
    events.length = 0;
    const res = await transport.request({ method: 'GET', path: '/v2/two/manifests/x', repository: 'two' });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(
      events.map((e) => [e.requestClass, e.status]),
      [
        ['token', 200],
        ['manifest', 200],
      ],
    );
    assert.deepEqual(registry.tokenRequests[1]!.scopes, ['repository:two:pull']);
  });

  it('asks for pull,push when pushing, with basic credentials, and keeps using that token for pulls', async () => {
    const registry = await tokenRegistry({ users: { alice: 's3cret' } });
    const { transport, events } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'alice', password: 's3cret' }),
    });
    const put = await transport.request({
      method: 'PUT',
      path: '/v2/team/app/manifests/v1',
      repository: 'team/app',
      actions: ['push'],
      body: new TextEncoder().encode('{}'),
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(put.status, 201);
    await put.text();
    assert.deepEqual(registry.tokenRequests[0]!.scopes, ['repository:team/app:pull,push']);
    assert.equal(registry.tokenRequests[0]!.user, 'alice');
    assert.equal(registry.tokenRequests[0]!.params.account, 'alice');
    const get = await transport.request({
      method: 'GET',
      path: '/v2/team/app/manifests/v1',
      repository: 'team/app',
    });
    assert.equal(get.status, 200);
    await get.text();
    assert.equal(registry.tokenRequests.length, 1, 'the pull,push token covers pull');
    assert.equal(events.filter((e) => e.status === 401).length, 1);
  });

  it('merges the scopes the challenge names with those the request needs', async () => {
    // The registry asks for a catalog scope on top of what we need.
    const tokenScopes: string[][] = [];
    const server = await startServer((req, res, self) => {
      const url = new URL(req.url ?? '/', self.origin);
      if (url.pathname === '/token') {
        tokenScopes.push(url.searchParams.getAll('scope'));
        sendJson(res, 200, { token: 'merged' });
        return;
      }
      if (req.headers.authorization !== 'Bearer merged') {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="${self.origin}/token",service="svc",scope="repository:team/app:pull registry:catalog:*"`,
        });
        res.end();
        return;
      }
      sendJson(res, 200, {});
    });
    open.push(server);
    const { transport } = transportFor(server.host);
    const res = await transport.request({
      method: 'POST',
      path: '/v2/team/app/blobs/uploads/',
      repository: 'team/app',
      actions: ['push'],
    });
    assert.equal(res.status, 200);
    await res.text();
    assert.deepEqual(tokenScopes, [['registry:catalog:*', 'repository:team/app:pull,push']]);
  });

  it('another action on a known repository gets its own token up front', async () => {
    const registry = await tokenRegistry({ users: { alice: 'pw' } });
    const { transport, events } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'alice', password: 'pw' }),
    });
    await (await transport.request({ method: 'GET', path: '/v2/a/manifests/x', repository: 'a' })).text();
    // A pull-only token is cached; a DELETE needs another scope: a fresh token is fetched up front.
    const res = await transport.request({
      method: 'DELETE',
      path: '/v2/a/manifests/sha256:00',
      repository: 'a',
    });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(events.filter((e) => e.status === 401).length, 1, 'only the very first request met a 401');
    assert.deepEqual(
      registry.tokenRequests.map((t) => t.scopes),
      [['repository:a:pull'], ['repository:a:delete']],
    );
  });

  describe('cross-repository mount (two scopes)', () => {
    async function mountServer(): Promise<{ host: string; tokenScopes: string[][] }> {
      const tokenScopes: string[][] = [];
      const granted = new Map<string, string[]>();
      const server = await startServer((req, res, self) => {
        const url = new URL(req.url ?? '/', self.origin);
        if (url.pathname === '/token') {
          const scopes = url.searchParams.getAll('scope');
          tokenScopes.push(scopes);
          const token = `t${tokenScopes.length}`;
          granted.set(token, scopes);
          sendJson(res, 200, { token });
          return;
        }
        const needed = url.searchParams.has('mount')
          ? ['repository:b:pull,push', 'repository:a:pull']
          : ['repository:b:pull'];
        const have = granted.get((req.headers.authorization ?? '').replace('Bearer ', '')) ?? [];
        if (!needed.every((n) => have.includes(n))) {
          const error = have.length > 0 ? ',error="insufficient_scope"' : '';
          res.writeHead(401, {
            'www-authenticate': `Bearer realm="${self.origin}/token",service="svc",scope="${needed.join(' ')}"${error}`,
          });
          res.end();
          return;
        }
        res.writeHead(req.method === 'POST' ? 201 : 200).end();
      });
      open.push(server);
      return { host: server.host, tokenScopes };
    }
    const mount = {
      method: 'POST',
      path: '/v2/b/blobs/uploads/?mount=sha256:00&from=a',
      repository: 'b',
      actions: ['push'],
    } as const;

    it('asks for both scopes when the request names the source repository', async () => {
      const { host, tokenScopes } = await mountServer();
      const { transport } = transportFor(host);
      const res = await transport.request({ ...mount, extraScopes: ['repository:a:pull'] });
      assert.equal(res.status, 201);
      assert.deepEqual(tokenScopes, [['repository:a:pull', 'repository:b:pull,push']]);
    });

    it('on insufficient_scope merges the scopes the challenge names and retries once', async () => {
      const { host, tokenScopes } = await mountServer();
      const { transport, events } = transportFor(host);
      // learn the challenge with a plain push-scope request first
      await (await transport.request({ method: 'GET', path: '/v2/b/tags/list', repository: 'b' })).text();
      tokenScopes.length = 0;
      events.length = 0;
      const res = await transport.request(mount);
      assert.equal(res.status, 201);
      assert.deepEqual(tokenScopes, [
        ['repository:b:pull,push'],
        ['repository:a:pull', 'repository:b:pull,push'],
      ]);
      assert.deepEqual(
        events.map((e) => [e.requestClass, e.status]),
        [
          ['token', 200],
          ['upload', 401],
          ['token', 200],
          ['upload', 201],
        ],
      );
    });
  });

  it('falls back to the OAuth2 POST form when the token endpoint answers GET with 405', async () => {
    const registry = await tokenRegistry({ users: { bob: 'pw' }, tokenMethods: 'post' });
    const { transport } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'bob', password: 'pw' }),
    });
    const res = await transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, user: 'bob', received: 0 });
    assert.deepEqual(
      registry.tokenRequests.map((t) => [t.method, t.grantType]),
      [
        ['GET', undefined],
        ['POST', 'password'],
      ],
    );
    const post = registry.tokenRequests[1]!;
    assert.equal(post.params.username, 'bob');
    assert.equal(post.params.service, 'test-registry');
    assert.equal(post.params.scope, 'repository:x:pull');
    assert.equal(post.params.client_id, 'manifesto');
  });

  it('exchanges an identity token with grant_type=refresh_token and accepts access_token', async () => {
    const registry = await tokenRegistry({ refreshTokens: { 'refresh-abc': 'carol' }, tokenMethods: 'both' });
    const { transport } = transportFor(registry, {
      credentials: explicitCredentials({ identityToken: 'refresh-abc' }),
    });
    const res = await transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { user: string }).user, 'carol');
    assert.equal(registry.tokenRequests.length, 1);
    assert.equal(registry.tokenRequests[0]!.method, 'POST');
    assert.equal(registry.tokenRequests[0]!.grantType, 'refresh_token');
  });

  it('rejected credentials at the token endpoint become an auth error with a login hint', async () => {
    const registry = await tokenRegistry({ users: { alice: 'right' } });
    const { transport } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'alice', password: 'wrong' }),
    });
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' }),
      (error: unknown) =>
        isManifestoError(error) &&
        error.category === 'auth' &&
        error.code === 'UNAUTHORIZED' &&
        error.status === 401 &&
        (error.hint ?? '').includes(`manifesto login ${registry.server.host}`),
    );
  });

  it('a read-only user pushing gets the 403 back (DENIED), not a loop', async () => {
    const registry = await tokenRegistry({ users: { reader: 'pw' }, readOnlyUsers: ['reader'] });
    const { transport, events } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'reader', password: 'pw' }),
    });
    const res = await transport.request({
      method: 'PUT',
      path: '/v2/x/manifests/1',
      repository: 'x',
      actions: ['push'],
      body: new Uint8Array([1]),
    });
    assert.equal(res.status, 403);
    await res.text();
    assert.ok(events.length <= 3);
  });

  it('an anonymous token refused for a private repository returns the 401 for the caller', async () => {
    const registry = await tokenRegistry({ publicRepositories: [] });
    const { transport, events } = transportFor(registry);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/private/manifests/1',
      repository: 'private',
    });
    assert.equal(res.status, 401);
    await res.text();
    assert.equal(events.filter((e) => e.requestClass === 'manifest').length, 2, 'retried once, not more');
  });

  it('fetches a new token when the cached one expired', async () => {
    let now = 1_000_000;
    const registry = await tokenRegistry({ expiresIn: 60 });
    const { transport } = transportFor(registry, { now: () => now });
    await (await transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' })).text();
    now += 30_000;
    await (await transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' })).text();
    assert.equal(registry.tokenRequests.length, 1);
    now += 60_000;
    await (await transport.request({ method: 'GET', path: '/v2/x/manifests/1', repository: 'x' })).text();
    assert.equal(registry.tokenRequests.length, 2);
  });

  it('concurrent requests share one token request', async () => {
    const registry = await tokenRegistry();
    const { transport } = transportFor(registry);
    await (await transport.request({ method: 'GET', path: '/v2/x/manifests/0', repository: 'x' })).text();
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        transport.request({ method: 'GET', path: `/v2/y/manifests/${i}`, repository: 'y' }),
      ),
    );
    for (const res of responses) {
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.equal(registry.tokenRequests.length, 2);
  });

  it('pings /v2/ before streaming a body when nothing is known, so the stream is sent once', async () => {
    const registry = await tokenRegistry({ users: { alice: 'pw' } });
    const { transport, events } = transportFor(registry, {
      credentials: explicitCredentials({ username: 'alice', password: 'pw' }),
    });
    let opened = 0;
    const res = await transport.request({
      method: 'PUT',
      path: '/v2/x/blobs/uploads/1?digest=sha256:00',
      repository: 'x',
      actions: ['push'],
      body: {
        async *open() {
          opened++;
          yield new Uint8Array(1024);
        },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { received: number }).received, 1024);
    assert.equal(opened, 1);
    assert.deepEqual(
      events.map((e) => e.requestClass),
      ['ping', 'token', 'upload'],
    );
  });
});

describe('basic auth', () => {
  it('answers a Basic challenge with the credentials, then sends them up front', async () => {
    const server = await startServer(async (req, res) => {
      await readBody(req);
      const expected = `Basic ${Buffer.from('u:p w').toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
        return;
      }
      sendJson(res, 200, {});
    });
    open.push(server);
    const { transport, events } = transportFor(server.host, {
      credentials: explicitCredentials({ username: 'u', password: 'p w' }),
    });
    for (let i = 0; i < 2; i++) {
      const res = await transport.request({ method: 'GET', path: '/v2/r/manifests/1', repository: 'r' });
      assert.equal(res.status, 200);
      await res.text();
    }
    assert.deepEqual(
      events.map((e) => e.status),
      [401, 200, 200],
    );
  });

  it('returns the 401 when there are no credentials for a Basic challenge', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
    });
    open.push(server);
    const { transport, events } = transportFor(server.host);
    const res = await transport.request({ method: 'GET', path: '/v2/r/manifests/1', repository: 'r' });
    assert.equal(res.status, 401);
    assert.equal(events.length, 1);
  });

  it('never sends basic credentials over plain HTTP to a non-loopback host', async () => {
    const seen: (string | undefined)[] = [];
    const { transport } = transportFor('registry.example.com', {
      plainHttp: true,
      credentials: explicitCredentials({ username: 'u', password: 'p' }),
      fetch: async (_url, init) => {
        seen.push((init.headers as Record<string, string>).authorization);
        return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
      },
    });
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/r/manifests/1', repository: 'r' }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'INSECURE_CREDENTIALS' && error.category === 'auth',
    );
    assert.deepEqual(seen, [undefined]);
  });
});
