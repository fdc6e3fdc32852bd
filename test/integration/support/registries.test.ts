// Proves that the registries scripts/test.ts starts are real, up, and behave as the other integration
// tests assume (referrers API or not, basic auth over TLS, token auth with per-user scopes).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Agent, type Dispatcher, fetch } from 'undici';
import { runPeer } from '../../support/peers.ts';
import {
  LOCAL_REGISTRY_KINDS,
  type RegistryKind,
  type RunningRegistry,
  registryAgent,
  requireRegistry,
  startRegistry,
  type TestRegistry,
  testRegistries,
  testRegistry,
  uniqueRepository,
} from '../../support/registries.ts';
import { parseScope } from '../../support/token-server.ts';

const localKinds = (): RegistryKind[] =>
  testRegistries()
    .map((r) => r.kind)
    .filter((k) => k !== 'external');

// With MANIFESTO_TEST_REGISTRY_ONLY=1 the local registries do not run: their tests are then not
// defined at all (rather than skipped), and only the external registry's are.
const running = new Set(testRegistries().map((r) => r.kind));
const whenRunning = (kinds: RegistryKind[], define: () => void): void => {
  if (kinds.every((k) => running.has(k))) define();
};

const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

function parseChallenge(header: string | null): Challenge {
  assert.ok(header, 'WWW-Authenticate header expected');
  const space = header.indexOf(' ');
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    if (m[1] !== undefined && m[2] !== undefined) params[m[1]] = m[2];
  }
  return { scheme: header.slice(0, space), params };
}

/** Pushes a blob with a monolithic POST+PUT upload; returns the PUT status. */
async function pushBlob(
  registry: TestRegistry,
  repository: string,
  blob: Buffer,
  authorization: string | undefined,
  dispatcher?: Dispatcher,
): Promise<{ start: number; put: number | undefined; digest: string }> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  const digest = sha256(blob);
  const start = await fetch(`${registry.baseUrl}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers,
    ...(dispatcher ? { dispatcher } : {}),
  });
  await start.arrayBuffer();
  if (start.status !== 202) return { start: start.status, put: undefined, digest };
  const location = new URL(start.headers.get('location') ?? '', registry.baseUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: blob,
    ...(dispatcher ? { dispatcher } : {}),
  });
  await put.arrayBuffer();
  return { start: start.status, put: put.status, digest };
}

/** Pushes a minimal OCI image manifest (empty config) and returns its digest. */
async function pushImage(registry: TestRegistry, repository: string): Promise<string> {
  const config = Buffer.from('{}');
  const { put } = await pushBlob(registry, repository, config, undefined);
  assert.equal(put, 201);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(config), size: config.length },
      layers: [],
    }),
  );
  const res = await fetch(`${registry.baseUrl}/v2/${repository}/manifests/v1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  await res.arrayBuffer();
  assert.equal(res.status, 201);
  return sha256(manifest);
}

describe('test registries', () => {
  test('the local registries run, each on its own loopback port', () => {
    const registries = testRegistries().filter((r) => r.kind !== 'external');
    const kinds = localKinds();
    assert.deepEqual(new Set(kinds).size, kinds.length, 'one registry of each kind');
    if (process.env.MANIFESTO_TEST_REGISTRY_ONLY !== '1') assert.deepEqual(kinds, [...LOCAL_REGISTRY_KINDS]);
    for (const r of registries) {
      assert.match(r.host, /^127\.0\.0\.1:\d+$/);
      assert.equal(r.baseUrl, `${r.plainHttp ? 'http' : 'https'}://${r.host}`);
      assert.equal(typeof r.referrersApi, 'boolean');
    }
    assert.equal(new Set(registries.map((r) => r.host)).size, registries.length);
  });

  test('uniqueRepository gives distinct valid repository names', () => {
    const names = new Set(Array.from({ length: 50 }, () => uniqueRepository('test/Put-Race')));
    assert.equal(names.size, 50);
    for (const name of names)
      assert.match(name, /^([a-z0-9]+([._-][a-z0-9]+)*)(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/);
  });

  whenRunning(['distribution'], () =>
    test('distribution 2.8 is real and has no referrers API (404)', async () => {
      const registry = requireRegistry('distribution');
      assert.equal(registry.referrersApi, false);
      const v2 = await fetch(`${registry.baseUrl}/v2/`);
      await v2.arrayBuffer();
      assert.equal(v2.status, 200);
      assert.equal(v2.headers.get('docker-distribution-api-version'), 'registry/2.0');
      const repository = uniqueRepository('test/registries-distribution');
      const digest = await pushImage(registry, repository);
      const referrers = await fetch(`${registry.baseUrl}/v2/${repository}/referrers/${digest}`);
      await referrers.arrayBuffer();
      assert.equal(referrers.status, 404);
      // delete is enabled
      const del = await fetch(`${registry.baseUrl}/v2/${repository}/manifests/${digest}`, {
        method: 'DELETE',
      });
      await del.arrayBuffer();
      assert.equal(del.status, 202);
    }),
  );

  whenRunning(['refreg'], () =>
    test('refreg serves the OCI referrers API', async () => {
      const registry = requireRegistry('refreg');
      assert.equal(registry.referrersApi, true);
      const repository = uniqueRepository('test/registries-refreg');
      const digest = await pushImage(registry, repository);
      const referrers = await fetch(`${registry.baseUrl}/v2/${repository}/referrers/${digest}`);
      assert.equal(referrers.status, 200);
      assert.match(
        referrers.headers.get('content-type') ?? '',
        /application\/vnd\.oci\.image\.index\.v1\+json/,
      );
      const index = (await referrers.json()) as { schemaVersion: number; manifests: unknown[] };
      assert.equal(index.schemaVersion, 2);
      assert.deepEqual(index.manifests, []);
    }),
  );

  whenRunning(['distribution-basic-tls'], () =>
    test('basic-tls rejects anonymous clients with a Basic challenge and accepts the user over verified TLS', async () => {
      const registry = requireRegistry('distribution-basic-tls');
      assert.equal(registry.plainHttp, false);
      assert.ok(registry.caFile && registry.username && registry.password);
      const agent = registryAgent(registry);
      assert.ok(agent);
      try {
        // Without the CA the certificate is not trusted.
        const untrusting = new Agent();
        await assert.rejects(fetch(`${registry.baseUrl}/v2/`, { dispatcher: untrusting }));
        await untrusting.close();

        const anonymous = await fetch(`${registry.baseUrl}/v2/`, { dispatcher: agent });
        await anonymous.arrayBuffer();
        assert.equal(anonymous.status, 401);
        const challenge = parseChallenge(anonymous.headers.get('www-authenticate'));
        assert.equal(challenge.scheme, 'Basic');
        assert.equal(challenge.params.realm, 'manifesto-test');

        const wrong = await fetch(`${registry.baseUrl}/v2/`, {
          dispatcher: agent,
          headers: { authorization: basic(registry.username, 'wrong') },
        });
        await wrong.arrayBuffer();
        assert.equal(wrong.status, 401);

        const authorization = basic(registry.username, registry.password);
        const ok = await fetch(`${registry.baseUrl}/v2/`, { dispatcher: agent, headers: { authorization } });
        await ok.arrayBuffer();
        assert.equal(ok.status, 200);
        const repository = uniqueRepository('test/registries-tls');
        const pushed = await pushBlob(registry, repository, Buffer.from('hello tls'), authorization, agent);
        assert.deepEqual([pushed.start, pushed.put], [202, 201]);
        const head = await fetch(`${registry.baseUrl}/v2/${repository}/blobs/${pushed.digest}`, {
          method: 'HEAD',
          dispatcher: agent,
          headers: { authorization },
        });
        assert.equal(head.status, 200);
      } finally {
        await agent.close();
      }
    }),
  );

  whenRunning(['distribution-token'], () =>
    describe('distribution-token', () => {
      const registry = (): TestRegistry => requireRegistry('distribution-token');

      async function getToken(r: TestRegistry, scope: string, authorization?: string): Promise<string> {
        const challenge = parseChallenge((await fetch(`${r.baseUrl}/v2/`)).headers.get('www-authenticate'));
        const url = new URL(challenge.params.realm ?? '');
        if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
        url.searchParams.set('scope', scope);
        const res = await fetch(url, { headers: authorization ? { authorization } : {} });
        assert.equal(res.status, 200);
        const body = (await res.json()) as { token: string; access_token: string; expires_in: number };
        assert.equal(body.token, body.access_token);
        assert.ok(body.expires_in > 0);
        return body.token;
      }

      test('answers with a Bearer challenge naming the token server', async () => {
        const r = registry();
        assert.ok(r.tokenServer);
        const repository = uniqueRepository('test/registries-token');
        const res = await fetch(`${r.baseUrl}/v2/${repository}/tags/list`);
        await res.arrayBuffer();
        assert.equal(res.status, 401);
        const challenge = parseChallenge(res.headers.get('www-authenticate'));
        assert.equal(challenge.scheme, 'Bearer');
        assert.equal(challenge.params.realm, r.tokenServer.realm);
        assert.equal(challenge.params.service, 'manifesto-test-registry');
        assert.equal(challenge.params.scope, `repository:${repository}:pull`);
      });

      test('the full user gets a token for repository:x:pull,push that pushes a blob', async () => {
        const r = registry();
        assert.ok(r.username && r.password && r.tokenServer);
        const repository = uniqueRepository('test/registries-token');
        const scope = `repository:${repository}:pull,push`;
        const token = await getToken(r, scope, basic(r.username, r.password));
        const pushed = await pushBlob(r, repository, Buffer.from('hello token'), `Bearer ${token}`);
        assert.deepEqual([pushed.start, pushed.put], [202, 201]);

        const mine = r.tokenServer.requests().filter((q) => q.scopes.some((s) => s.includes(repository)));
        assert.equal(mine.length, 1);
        assert.equal(mine[0]?.account, r.username);
        assert.deepEqual(mine[0]?.scopes, [scope]);
        assert.deepEqual(mine[0]?.granted, [
          { type: 'repository', name: repository, actions: ['pull', 'push'] },
        ]);
      });

      test('the read-only user can pull but its token cannot push', async () => {
        const r = registry();
        assert.ok(r.readOnlyUser && r.username && r.password && r.tokenServer);
        const repository = uniqueRepository('test/registries-token-ro');
        const writer = await getToken(r, `repository:${repository}:pull,push`, basic(r.username, r.password));
        const blob = Buffer.from('read me');
        const pushed = await pushBlob(r, repository, blob, `Bearer ${writer}`);
        assert.equal(pushed.put, 201);

        const { username, password } = r.readOnlyUser;
        const reader = await getToken(r, `repository:${repository}:pull,push`, basic(username, password));
        const denied = await pushBlob(r, repository, Buffer.from('nope'), `Bearer ${reader}`);
        assert.equal(denied.start, 401);
        const pulled = await fetch(`${r.baseUrl}/v2/${repository}/blobs/${pushed.digest}`, {
          headers: { authorization: `Bearer ${reader}` },
        });
        assert.equal(pulled.status, 200);
        assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), blob);

        const record = r.tokenServer
          .requests()
          .find((q) => q.account === username && q.scopes[0]?.includes(repository));
        assert.deepEqual(record?.granted, [{ type: 'repository', name: repository, actions: ['pull'] }]);
      });

      test('anonymous clients get a token without access, and bad passwords are refused', async () => {
        const r = registry();
        assert.ok(r.username && r.tokenServer);
        const repository = uniqueRepository('test/registries-token-anon');
        const token = await getToken(r, `repository:${repository}:pull`);
        const res = await fetch(`${r.baseUrl}/v2/${repository}/tags/list`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { errors: { code: string }[] };
        assert.equal(res.status, 401);
        assert.equal(body.errors[0]?.code, 'UNAUTHORIZED');

        const bad = await fetch(
          `${r.tokenServer.realm}?service=manifesto-test-registry&scope=repository:${repository}:pull`,
          { headers: { authorization: basic(r.username, 'wrong') } },
        );
        await bad.arrayBuffer();
        assert.equal(bad.status, 401);
        const records = r.tokenServer.requests().filter((q) => q.scopes.some((s) => s.includes(repository)));
        assert.deepEqual(
          records.map((q) => [q.grant, q.account, q.status]),
          [
            ['anonymous', null, 200],
            ['basic', null, 401],
          ],
        );
      });

      test('the OAuth2 password and refresh_token grants work', async () => {
        const r = registry();
        assert.ok(r.username && r.password && r.tokenServer);
        const repository = uniqueRepository('test/registries-token-oauth');
        const form = new URLSearchParams({
          grant_type: 'password',
          username: r.username,
          password: r.password,
          service: 'manifesto-test-registry',
          scope: `repository:${repository}:pull,push`,
          client_id: 'manifesto-tests',
        });
        const res = await fetch(r.tokenServer.realm, { method: 'POST', body: form });
        assert.equal(res.status, 200);
        const first = (await res.json()) as { access_token: string; refresh_token: string };
        assert.ok(first.refresh_token);
        const refreshed = await fetch(r.tokenServer.realm, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: first.refresh_token,
            service: 'manifesto-test-registry',
            scope: `repository:${repository}:pull,push`,
          }),
        });
        assert.equal(refreshed.status, 200);
        const second = (await refreshed.json()) as { access_token: string };
        const pushed = await pushBlob(r, repository, Buffer.from('oauth'), `Bearer ${second.access_token}`);
        assert.equal(pushed.put, 201);
      });
    }),
  );

  const external = testRegistry('external');
  if (external) {
    test('the external registry answers GET /v2/', async () => {
      const agent = registryAgent(external);
      const authorization =
        external.username && external.password ? basic(external.username, external.password) : undefined;
      const res = await fetch(`${external.baseUrl}/v2/`, {
        headers: authorization ? { authorization } : {},
        ...(agent ? { dispatcher: agent } : {}),
      });
      await res.arrayBuffer();
      assert.ok(res.status === 200 || res.status === 401, `GET /v2/ answered ${res.status}`);
      await agent?.close();
    });
  }
});

describe('peers against the registries', () => {
  whenRunning(['distribution-token'], () =>
    test('oras pushes to the token registry with the full user and the read-only user is refused', async () => {
      const r = requireRegistry('distribution-token');
      assert.ok(r.username && r.password && r.readOnlyUser && r.tokenServer);
      const repository = uniqueRepository('test/registries-oras');
      const ref = `${r.host}/${repository}:v1`;
      const dir = process.cwd();
      const push = (username: string, password: string) =>
        runPeer(
          'oras',
          [
            'push',
            '--plain-http',
            '--username',
            username,
            '--password',
            password,
            ref,
            '--artifact-type',
            'application/vnd.test',
            'package.json:text/plain',
          ],
          { cwd: dir },
        );
      const denied = await push(r.readOnlyUser.username, r.readOnlyUser.password);
      assert.notEqual(denied.code, 0);
      const ok = await push(r.username, r.password);
      assert.equal(ok.code, 0, ok.stderr);
      const asked = r.tokenServer
        .requests()
        .filter((q) => q.account === r.username)
        .flatMap((q) => q.scopes.map(parseScope))
        .filter((s) => s?.name === repository);
      assert.ok(asked.some((s) => s?.actions.includes('push')));
    }),
  );

  whenRunning(['distribution', 'distribution-basic-tls'], () =>
    test('crane copies an image into the TLS registry trusting the test CA', async () => {
      const source = requireRegistry('distribution');
      const target = requireRegistry('distribution-basic-tls');
      assert.ok(target.caFile && target.username && target.password);
      const repository = uniqueRepository('test/registries-crane');
      await pushImage(source, repository);
      const env = { SSL_CERT_FILE: target.caFile };
      const login = await runPeer(
        'crane',
        ['auth', 'login', target.host, '-u', target.username, '-p', target.password],
        {
          env,
        },
      );
      assert.equal(login.code, 0, login.stderr);
      const copy = await runPeer(
        'crane',
        ['copy', '--insecure', `${source.host}/${repository}:v1`, `${target.host}/${repository}:v1`],
        {
          env,
        },
      );
      assert.equal(copy.code, 0, copy.stderr);
      const digest = await runPeer('crane', ['digest', `${target.host}/${repository}:v1`], { env });
      assert.equal(digest.code, 0, digest.stderr);
      assert.match(digest.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
      assert.ok(readFileSync(target.caFile, 'utf8').includes('BEGIN CERTIFICATE'));
    }),
  );
});

describe('startRegistry', () => {
  const started: RunningRegistry[] = [];
  after(async () => {
    await Promise.all(started.map((r) => r.stop()));
  });

  test('starts a private registry of each local kind and stops it', async () => {
    for (const kind of ['distribution', 'refreg'] as const) {
      const r = await startRegistry(kind);
      started.push(r);
      const res = await fetch(`${r.baseUrl}/v2/`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      await r.stop();
      await assert.rejects(fetch(`${r.baseUrl}/v2/`));
    }
  });

  test('a private token registry records its token requests in-process', async () => {
    const r = await startRegistry('distribution-token', { anonymousActions: ['pull'] });
    started.push(r);
    assert.ok(r.tokenServer);
    const challenge = parseChallenge(
      (await fetch(`${r.baseUrl}/v2/x/tags/list`)).headers.get('www-authenticate'),
    );
    const url = new URL(challenge.params.realm ?? '');
    url.searchParams.set('service', challenge.params.service ?? '');
    url.searchParams.set('scope', challenge.params.scope ?? '');
    const { token } = (await (await fetch(url)).json()) as { token: string };
    const res = await fetch(`${r.baseUrl}/v2/x/tags/list`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    assert.equal(res.status, 404, 'anonymous pull granted: the repository is simply unknown');
    assert.deepEqual(
      r.tokenServer.requests().map((q) => q.granted),
      [[{ type: 'repository', name: 'x', actions: ['pull'] }]],
    );
  });
});
