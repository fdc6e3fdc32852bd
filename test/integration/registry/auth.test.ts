// The registry HTTP transport against real registries with authentication: distribution 2.8 with
// token auth (Bearer challenges, scopes, per-user grants) and with htpasswd basic auth over TLS.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { explicitCredentials } from '../../../src/registry/credentials/provider.ts';
import type { Credentials } from '../../../src/registry/credentials/types.ts';
import { AuthCache } from '../../../src/registry/http/auth/cache.ts';
import type { RegistryResponse } from '../../../src/registry/http/response.ts';
import { errorFromResponse } from '../../../src/registry/http/response-errors.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
  type RegistryTransportOptions,
} from '../../../src/registry/http/transport.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import {
  requireRegistry,
  type TestRegistry,
  testRegistries,
  uniqueRepository,
} from '../../support/registries.ts';

const running = new Set(testRegistries().map((r) => r.kind));
const open: HttpRegistryTransport[] = [];
after(async () => {
  for (const t of open) await t.close();
});

function transportFor(
  registry: TestRegistry,
  credentials: Credentials | undefined,
  extra: Partial<RegistryTransportOptions> = {},
): { transport: HttpRegistryTransport; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  const transport = createRegistryTransport({
    registry: registry.host,
    plainHttp: registry.plainHttp,
    caFile: registry.caFile,
    credentials: credentials === undefined ? undefined : explicitCredentials(credentials),
    authCache: new AuthCache(),
    onRequest: (e) => events.push(e),
    ...extra,
  });
  open.push(transport);
  return { transport, events };
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Monolithic blob upload (POST, then PUT to the Location with the digest); returns the PUT's status. */
async function pushBlob(
  transport: HttpRegistryTransport,
  repository: string,
  blob: Uint8Array,
): Promise<RegistryResponse> {
  const start = await transport.request({
    method: 'POST',
    path: `/v2/${repository}/blobs/uploads/`,
    repository,
    actions: ['pull', 'push'],
  });
  if (start.status !== 202) return start;
  await start.arrayBuffer();
  const location = new URL(start.headers.get('location') ?? '', transport.baseUrl);
  location.searchParams.set('digest', sha256(blob));
  return transport.request({
    method: 'PUT',
    path: location.href,
    repository,
    actions: ['pull', 'push'],
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.byteLength) },
    body: {
      async *open() {
        yield blob.subarray(0, Math.floor(blob.byteLength / 2));
        yield blob.subarray(Math.floor(blob.byteLength / 2));
      },
    },
  });
}

async function pushImage(transport: HttpRegistryTransport, repository: string): Promise<string> {
  const config = new TextEncoder().encode('{}');
  const blob = await pushBlob(transport, repository, config);
  assert.equal(blob.status, 201, `blob push: ${blob.status}`);
  await blob.arrayBuffer();
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.empty.v1+json',
        digest: sha256(config),
        size: config.byteLength,
      },
      layers: [],
    }),
  );
  const put = await transport.request({
    method: 'PUT',
    path: `/v2/${repository}/manifests/v1`,
    repository,
    actions: ['pull', 'push'],
    idempotent: true,
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  assert.equal(put.status, 201, `manifest push: ${put.status}`);
  await put.arrayBuffer();
  return sha256(manifest);
}

if (running.has('distribution-token')) {
  describe('distribution with token auth', () => {
    test('push and pull with scoped tokens; the second request to a repository costs no token request', async () => {
      const registry = requireRegistry('distribution-token');
      assert.ok(registry.username && registry.password && registry.tokenServer);
      const repository = uniqueRepository('test/auth-token');
      const { transport, events } = transportFor(registry, {
        username: registry.username,
        password: registry.password,
      });
      const digest = await pushImage(transport, repository);

      const logged = registry.tokenServer
        .requests()
        .filter((r) => r.scopes.some((s) => s.includes(repository)));
      assert.ok(logged.length >= 1);
      for (const record of logged) {
        assert.equal(record.status, 200);
        assert.equal(record.account, registry.username);
        assert.ok(record.scopes.includes(`repository:${repository}:pull,push`), record.scopes.join(' '));
      }
      assert.equal(
        events.filter((e) => e.status === 401).length,
        1,
        'one 401: before the challenge was known',
      );

      events.length = 0;
      const get = await transport.request({
        method: 'GET',
        path: `/v2/${repository}/manifests/${digest}`,
        repository,
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(get.status, 200);
      assert.equal(sha256(new Uint8Array(await get.arrayBuffer())), digest);
      assert.deepEqual(
        events.map((e) => [e.requestClass, e.status]),
        [['manifest', 200]],
        'the pull,push token covers the pull: no token request, no 401',
      );
    });

    test('a new repository after the challenge is known: one token request, no 401', async () => {
      const registry = requireRegistry('distribution-token');
      assert.ok(registry.username && registry.password);
      const { transport, events } = transportFor(registry, {
        username: registry.username,
        password: registry.password,
      });
      await pushImage(transport, uniqueRepository('test/auth-token-a'));
      events.length = 0;
      const other = uniqueRepository('test/auth-token-b');
      const res = await transport.request({
        method: 'GET',
        path: `/v2/${other}/manifests/v1`,
        repository: other,
      });
      assert.equal(res.status, 404);
      const error = await errorFromResponse(res, {
        operation: 'fetch manifest',
        repository: other,
        reference: 'v1',
      });
      assert.equal(error.category, 'not-found');
      assert.deepEqual(
        events.map((e) => [e.requestClass, e.status]),
        [
          ['token', 200],
          ['manifest', 404],
        ],
      );
    });

    test('the read-only user can pull but not push: an auth error', async () => {
      const registry = requireRegistry('distribution-token');
      assert.ok(registry.username && registry.password && registry.readOnlyUser);
      const repository = uniqueRepository('test/auth-token-ro');
      const writer = transportFor(registry, { username: registry.username, password: registry.password });
      const digest = await pushImage(writer.transport, repository);

      const reader = transportFor(registry, registry.readOnlyUser);
      const pulled = await reader.transport.request({
        method: 'GET',
        path: `/v2/${repository}/manifests/${digest}`,
        repository,
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(pulled.status, 200);
      await pulled.arrayBuffer();

      const pushed = await pushBlob(reader.transport, repository, new TextEncoder().encode('nope'));
      assert.ok(pushed.status === 401 || pushed.status === 403, `status ${pushed.status}`);
      const error = await errorFromResponse(pushed, {
        operation: 'push blob',
        repository,
        actions: ['pull', 'push'],
      });
      assert.equal(error.category, 'auth');
      assert.ok(['DENIED', 'UNAUTHORIZED'].includes(error.code), error.code);
      assert.ok(
        reader.events.filter((e) => e.requestClass === 'upload').length <= 2,
        'retried with a fresh token at most once',
      );
    });

    test('anonymous clients get no access: the 401 comes back for the caller', async () => {
      const registry = requireRegistry('distribution-token');
      const repository = uniqueRepository('test/auth-token-anon');
      const { transport, events } = transportFor(registry, undefined);
      const res = await transport.request({ method: 'GET', path: `/v2/${repository}/tags/list`, repository });
      assert.equal(res.status, 401);
      const error = await errorFromResponse(res, { operation: 'list tags', repository });
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.match(error.hint ?? '', /manifesto login/);
      assert.equal(events.filter((e) => e.requestClass === 'token').length, 1);
    });

    test('wrong credentials are rejected by the token service', async () => {
      const registry = requireRegistry('distribution-token');
      assert.ok(registry.username);
      const repository = uniqueRepository('test/auth-token-wrong');
      const { transport } = transportFor(registry, { username: registry.username, password: 'wrong' });
      await assert.rejects(
        transport.request({ method: 'GET', path: `/v2/${repository}/tags/list`, repository }),
        (error: unknown) =>
          isManifestoError(error) && error.category === 'auth' && error.code === 'UNAUTHORIZED',
      );
    });
  });
}

if (running.has('distribution-basic-tls')) {
  describe('distribution with basic auth over TLS', () => {
    test('basic credentials over TLS with the test CA: push and pull', async () => {
      const registry = requireRegistry('distribution-basic-tls');
      assert.ok(registry.username && registry.password && registry.caFile);
      const repository = uniqueRepository('test/auth-basic');
      const { transport, events } = transportFor(registry, {
        username: registry.username,
        password: registry.password,
      });
      assert.equal(transport.baseUrl, registry.baseUrl);
      const digest = await pushImage(transport, repository);
      const res = await transport.request({
        method: 'GET',
        path: `/v2/${repository}/manifests/${digest}`,
        repository,
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(events.filter((e) => e.status === 401).length, 1, 'basic is sent up front once known');
      assert.equal(events.filter((e) => e.requestClass === 'token').length, 0);
    });

    test('without the CA: TLS_ERROR with a --ca-file hint', async () => {
      const registry = requireRegistry('distribution-basic-tls');
      const { transport } = transportFor(registry, undefined, {
        caFile: undefined,
        retry: { maxAttempts: 1 },
      });
      await assert.rejects(
        transport.request({ method: 'GET', path: '/v2/' }),
        (error: unknown) =>
          isManifestoError(error) && error.code === 'TLS_ERROR' && /--ca-file/.test(error.hint ?? ''),
      );
    });

    test('wrong password: the 401 is returned and becomes UNAUTHORIZED', async () => {
      const registry = requireRegistry('distribution-basic-tls');
      assert.ok(registry.username);
      const { transport, events } = transportFor(registry, {
        username: registry.username,
        password: 'wrong',
      });
      const res = await transport.request({ method: 'GET', path: '/v2/' });
      assert.equal(res.status, 401);
      const error = await errorFromResponse(res, { operation: 'ping' });
      assert.equal(error.category, 'auth');
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(events.length, 2, 'sent once without, once with the (rejected) credentials');
    });
  });
}
