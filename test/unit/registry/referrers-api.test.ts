import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import { RegistryRepository } from '../../../src/registry/registry-repository.ts';
import { FakeTransport, json, ociIndex } from './fake-transport.ts';

const SUBJECT = digestOf(new TextEncoder().encode('subject'));
const REFERRERS = /^\/v2\/app\/referrers\//;

function entry(label: string, artifactType: string | undefined = 'application/vnd.example.a') {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digestOf(new TextEncoder().encode(label)),
    size: 10,
    ...(artifactType === undefined ? {} : { artifactType }),
  };
}

function repositoryOver(transport: FakeTransport, capabilities = new ReferrersCapabilityCache()) {
  return {
    repo: new RegistryRepository({ transport, repository: 'app', options: { capabilities } }),
    capabilities,
  };
}

describe('referrers API listing', () => {
  it('follows Link rel="next" pages (relative and absolute) and keeps the order', async () => {
    const transport = new FakeTransport()
      .on('GET', /referrers\/[^?]+$/, () =>
        ociIndex([entry('a')], { Link: '</v2/app/referrers/x?page=2>; rel="next"' }),
      )
      .on('GET', /page=2/, () =>
        ociIndex([entry('b')], { Link: '<http://fake.example:5000/v2/app/referrers/x?page=3>; rel="next"' }),
      )
      .on('GET', /page=3/, () => ociIndex([entry('c'), entry('a')]));
    const { repo, capabilities } = repositoryOver(transport);
    const result = await repo.referrers(SUBJECT);
    assert.deepEqual(
      result.manifests.map((d) => d.digest),
      [entry('a').digest, entry('b').digest, entry('c').digest],
    );
    assert.equal(result.source, 'api');
    assert.equal(result.filtered, false);
    assert.equal(capabilities.get({ transport, repository: 'app' }), 'api');
    assert.equal(transport.requests.length, 3);
  });

  it('detects pagination loops', async () => {
    const transport = new FakeTransport().on('GET', REFERRERS, () =>
      ociIndex([entry('a')], { Link: '</v2/app/referrers/x?page=1>; rel="next"' }),
    );
    const { repo } = repositoryOver(transport);
    await assert.rejects(
      repo.referrers(SUBJECT),
      (e) => isManifestoError(e) && e.code === 'REFERRERS_PAGINATION_LOOP',
    );
  });

  it('stops after 100 pages', async () => {
    let page = 0;
    const transport = new FakeTransport().on('GET', REFERRERS, () =>
      ociIndex([entry(`e${page}`)], { Link: `</v2/app/referrers/x?page=${++page}>; rel="next"` }),
    );
    const { repo } = repositoryOver(transport);
    await assert.rejects(
      repo.referrers(SUBJECT),
      (e) => isManifestoError(e) && e.code === 'REFERRERS_TOO_MANY_PAGES',
    );
    assert.equal(transport.requests.length, 100);
  });

  it('filters locally when the registry did not apply the filter, and trusts but re-checks when it did', async () => {
    const a = entry('a', 'application/vnd.example.a');
    const b = entry('b', 'application/vnd.example.b');
    for (const applied of [false, true]) {
      const transport = new FakeTransport().on('GET', REFERRERS, (_request, url) => {
        assert.equal(url.searchParams.get('artifactType'), 'application/vnd.example.a');
        // A registry claiming the filter but still returning b must not leak it.
        return ociIndex([a, b], applied ? { 'OCI-Filters-Applied': 'artifactType' } : {});
      });
      const { repo } = repositoryOver(transport);
      const result = await repo.referrers(SUBJECT, { artifactType: 'application/vnd.example.a' });
      assert.equal(result.filtered, true);
      assert.deepEqual(
        result.manifests.map((d) => d.digest),
        [a.digest],
      );
    }
  });

  it('repairs an impossible artifactType (empty config type) from the manifest, once per digest', async () => {
    const manifest = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.example.real',
        config: {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
        layers: [],
        annotations: { note: 'from the manifest' },
      }),
    );
    const digest = digestOf(manifest);
    const listed = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: manifest.byteLength,
      artifactType: 'application/vnd.oci.empty.v1+json',
    };
    const transport = new FakeTransport()
      .on('GET', REFERRERS, () => ociIndex([listed]))
      .on(
        'GET',
        /\/manifests\//,
        () =>
          new Response(manifest, {
            headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
          }),
      );
    const { repo } = repositoryOver(transport);
    const first = await repo.referrers(SUBJECT, { artifactType: 'application/vnd.example.real' });
    assert.deepEqual(first.manifests, [
      { ...listed, artifactType: 'application/vnd.example.real', annotations: { note: 'from the manifest' } },
    ]);
    await repo.referrers(SUBJECT);
    assert.equal(transport.requests.filter((r) => r.path.includes('/manifests/')).length, 1);
  });
});

describe('referrers API capability detection', () => {
  const target = (transport: FakeTransport) => ({ transport, repository: 'app' });

  it('treats NAME_UNKNOWN as a missing repository, not a missing API: empty, nothing cached', async () => {
    const transport = new FakeTransport().on('GET', REFERRERS, () =>
      json({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }] }, 404),
    );
    const { repo, capabilities } = repositoryOver(transport);
    const result = await repo.referrers(SUBJECT);
    assert.deepEqual(result.manifests, []);
    assert.equal(capabilities.get(target(transport)), undefined);
  });

  for (const [label, reply] of [
    ['a plain 404', () => new Response('404 page not found', { status: 404 })],
    ['a 404 with MANIFEST_UNKNOWN', () => json({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }, 404)],
    ['405', () => new Response('', { status: 405 })],
    [
      'a redirect',
      () => new Response('', { status: 307, headers: { Location: 'https://elsewhere.example/' } }),
    ],
    [
      'a 200 HTML page (a web front end)',
      () => new Response('<html></html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    ],
  ] as const) {
    it(`treats ${label} as no referrers API and falls back to the tag schema`, async () => {
      const transport = new FakeTransport().on('GET', REFERRERS, reply);
      const { repo, capabilities } = repositoryOver(transport);
      const result = await repo.referrers(SUBJECT);
      assert.equal(result.source, 'tag-schema');
      assert.equal(capabilities.get(target(transport)), 'tag-schema');
      // The fallback read the tag (absent here: the fake answers 404).
      assert.ok(transport.requests.some((r) => r.path.includes(`/manifests/sha256-${SUBJECT.slice(7)}`)));
      // Cached: the next listing goes to the tag directly.
      transport.requests.length = 0;
      await repo.referrers(SUBJECT);
      assert.equal(transport.requests.length, 1);
    });
  }

  // A reply that proves nothing is never taken for "no API": that would switch the registry to the
  // sha256-<hex> tag, which any pusher can write (before: both cached 'tag-schema' and read the tag).
  for (const [label, reply, code] of [
    ['a 200 that is not an index', () => json({ hello: 'world' }), 'REFERRERS_REPLY_INVALID'],
    [
      'a 200 with another manifest type',
      () =>
        json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', manifests: [] }),
      'REFERRERS_REPLY_INVALID',
    ],
    [
      'a 200 listing over 4 MiB',
      () => ociIndex([{ ...entry('big'), annotations: { note: 'x'.repeat(4 * 1024 * 1024) } }]),
      'REFERRERS_LISTING_TOO_LARGE',
    ],
  ] as const) {
    it(`treats ${label} as an error: nothing cached, the tag never read`, async () => {
      const transport = new FakeTransport().on('GET', REFERRERS, reply);
      const { repo, capabilities } = repositoryOver(transport);
      await assert.rejects(repo.referrers(SUBJECT), (e) => isManifestoError(e) && e.code === code);
      assert.equal(capabilities.get(target(transport)), undefined);
      assert.ok(!transport.requests.some((r) => r.path.includes('/manifests/sha256-')));
    });
  }

  it('never falls back to the tag schema on a registry known to have the API', async () => {
    const transport = new FakeTransport().on(
      'GET',
      REFERRERS,
      () => new Response('404 page not found', { status: 404 }),
    );
    const capabilities = new ReferrersCapabilityCache();
    capabilities.set(target(transport), 'api');
    const { repo } = repositoryOver(transport, capabilities);
    await assert.rejects(
      repo.referrers(SUBJECT),
      (e) => isManifestoError(e) && e.code === 'REFERRERS_API_INCONSISTENT' && e.exitCode === 6,
    );
    assert.ok(!transport.requests.some((r) => r.path.includes('/manifests/sha256-')));
    // Forgotten, so that the next process asks again instead of trusting either answer.
    assert.equal(capabilities.get(target(transport)), undefined);
  });

  it('does not cache anything on 401 or 5xx (errors)', async () => {
    for (const status of [401, 503]) {
      const transport = new FakeTransport().on('GET', REFERRERS, () => new Response('', { status }));
      const { repo, capabilities } = repositoryOver(transport);
      await assert.rejects(repo.referrers(SUBJECT), (e) => isManifestoError(e));
      assert.equal(capabilities.get(target(transport)), undefined);
    }
  });

  it('records support from an OCI-Subject reply header without probing', async () => {
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: SUBJECT, size: 7 };
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.example.a',
        config: {
          mediaType: 'application/vnd.oci.empty.v1+json',
          digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
          size: 2,
        },
        layers: [],
        subject,
      }),
    );
    const transport = new FakeTransport().on(
      'PUT',
      /\/manifests\//,
      () =>
        new Response(null, {
          status: 201,
          headers: { 'OCI-Subject': SUBJECT, 'Docker-Content-Digest': digestOf(bytes) },
        }),
    );
    const { repo, capabilities } = repositoryOver(transport);
    await repo.pushManifest(bytes, { mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    assert.equal(transport.requests.length, 1);
    assert.equal(capabilities.get(target(transport)), 'api');
  });
});
