// The referrers tag schema on distribution 2.8: index content, refusals, cleanup, stale state, and
// verification of writes that a concurrent (simulated) writer overwrites.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import type { RegistryResponse } from '../../../src/registry/http/response.ts';
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';
import { referrersTag } from '../../../src/registry/referrers-tag-schema.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { bytesOf, pushSubject, referrerManifest } from '../behaviour/content.ts';
import {
  RequestLog,
  registryRepository,
  rewritingTransport,
  transportFor,
} from './support/registry-repositories.ts';

const TYPE = 'application/vnd.example.attestation+json';
const registry = requireRegistry('distribution');
const fast = { settleMs: 20, jitterMs: 10 };

function conflictWith(code: string) {
  return (error: unknown): boolean => {
    assert.ok(isManifestoError(error), String(error));
    assert.equal(error.category, 'conflict', error.message);
    assert.equal(error.code, code, error.message);
    return true;
  };
}

/** A transport that lets a simulated stale writer overwrite the referrers index right after our PUTs. */
function clobberingTransport(
  inner: RegistryTransport,
  times: number,
): RegistryTransport & { clobbered: number } {
  const wrapper = {
    registry: inner.registry,
    baseUrl: inner.baseUrl,
    clobbered: 0,
    async request(request: RegistryRequest): Promise<RegistryResponse> {
      const res = await inner.request(request);
      const isIndexPut = request.method === 'PUT' && /\/manifests\/sha256-[a-f0-9]+$/.test(request.path);
      if (
        isIndexPut &&
        res.status === 201 &&
        wrapper.clobbered < times &&
        request.body instanceof Uint8Array
      ) {
        wrapper.clobbered++;
        // The stale writer read the index before our entry was appended: it writes it back without it.
        const index = JSON.parse(new TextDecoder().decode(request.body)) as { manifests: unknown[] };
        const stale = bytesOf({
          ...index,
          manifests: index.manifests.slice(0, -1),
          annotations: { stale: `${wrapper.clobbered}` },
        });
        const put = await inner.request({ ...request, body: stale, headers: { 'Content-Type': OCI_INDEX } });
        await put.arrayBuffer();
      }
      return res;
    },
  };
  return wrapper;
}

describe('referrers tag schema on distribution', () => {
  it('names the fallback tag <alg>-<hex>, cut to 32 and 64 characters', () => {
    const hex = 'a'.repeat(64);
    assert.equal(referrersTag(`sha256:${hex}`), `sha256-${hex}`);
    assert.equal(referrersTag(`sha512:${'b'.repeat(128)}`), `sha512-${'b'.repeat(64)}`);
  });

  it('keeps an OCI index of referrer descriptors under the tag', async () => {
    const repo = registryRepository(registry, uniqueRepository('tagschema-index'));
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const first = await repo.pushManifest(referrerManifest(subject, TYPE, 'first'), {
      mediaType: OCI_MANIFEST,
    });
    const second = await repo.pushManifest(referrerManifest(subject, 'application/vnd.other', 'second'), {
      mediaType: OCI_MANIFEST,
    });
    const index = await repo.fetchManifest(referrersTag(subject.digest));
    assert.equal(index.descriptor.mediaType, OCI_INDEX);
    const body = JSON.parse(new TextDecoder().decode(index.bytes));
    assert.deepEqual(body, {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { ...first, artifactType: TYPE, annotations: { 'test.label': 'first' } },
        { ...second, artifactType: 'application/vnd.other', annotations: { 'test.label': 'second' } },
      ],
    });
    const listing = await repo.referrers(subject.digest);
    assert.equal(listing.source, 'tag-schema');
    assert.equal(listing.state.indexDigest, index.descriptor.digest);
  });

  it('deletes the index it replaced, and the tag when the index becomes empty', async () => {
    const repo = registryRepository(registry, uniqueRepository('tagschema-cleanup'));
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const tag = referrersTag(subject.digest);
    const first = await repo.pushManifest(referrerManifest(subject, TYPE, 'a'), { mediaType: OCI_MANIFEST });
    const firstIndex = await repo.resolve(tag);
    const second = await repo.pushManifest(referrerManifest(subject, TYPE, 'b'), { mediaType: OCI_MANIFEST });
    await assert.rejects(
      repo.resolve(firstIndex.digest),
      (e) => isManifestoError(e) && e.category === 'not-found',
    );

    await repo.deleteManifest(first.digest, { subject });
    await repo.deleteManifest(second.digest, { subject });
    assert.deepEqual((await repo.referrers(subject.digest)).manifests, []);
    await assert.rejects(repo.resolve(tag), (e) => isManifestoError(e) && e.category === 'not-found');
    assert.deepEqual((await repo.listTags()).tags, ['v1']);
  });

  it('refuses to overwrite a tag that holds something other than an OCI index, and lists through it', async () => {
    const warnings: string[] = [];
    const repo = registryRepository(registry, uniqueRepository('tagschema-foreign'), {
      options: { warn: (m) => warnings.push(m) },
    });
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const tag = referrersTag(subject.digest);
    const { descriptor: foreign } = await pushSubject(repo, 'foreign', tag);
    await assert.rejects(
      repo.pushManifest(referrerManifest(subject, TYPE, 'refused'), { mediaType: OCI_MANIFEST }),
      conflictWith('REFERRERS_TAG_CONFLICT'),
    );
    // Reads go through it (issue 14: it broke read-only list/get/check): nothing listed, a warning,
    // and the state refuses a write made from it.
    const listed = await repo.referrers(subject.digest);
    assert.deepEqual(listed.manifests, []);
    assert.ok(conflictWith('REFERRERS_TAG_CONFLICT')(listed.state.writeRefusal));
    assert.match(
      warnings.join('\n'),
      /not a referrers index; manifesto will not overwrite it: no metadata read/,
    );
    await assert.rejects(
      repo.pushManifest(referrerManifest(subject, TYPE, 'refused again'), {
        mediaType: OCI_MANIFEST,
        referrersState: listed.state,
      }),
      conflictWith('REFERRERS_TAG_CONFLICT'),
    );
    assert.equal((await repo.resolve(tag)).digest, foreign.digest, 'the tag is untouched');
  });

  it('refuses to write when the registry resolves the fallback tag to the subject itself', async () => {
    const repository = uniqueRepository('tagschema-alias');
    const plain = registryRepository(registry, repository);
    const { descriptor: subject } = await pushSubject(plain, 'subject', 'v1');
    const hex = subject.digest.slice('sha256:'.length);
    // Like registries that treat `sha256-<hex>` tags as digests.
    const aliasing = registryRepository(registry, repository, {
      wrap: (t) => rewritingTransport(t, `/manifests/sha256-${hex}`, `/manifests/sha256:${hex}`),
    });
    await assert.rejects(
      aliasing.pushManifest(referrerManifest(subject, TYPE, 'refused'), { mediaType: OCI_MANIFEST }),
      conflictWith('REFERRERS_TAG_CONFLICT'),
    );
    await assert.rejects(aliasing.referrers(subject.digest), conflictWith('REFERRERS_TAG_CONFLICT'));
    assert.equal((await plain.resolve(subject.digest)).digest, subject.digest, 'the subject is untouched');
  });

  it('re-reads a caller state that is too old, and ignores a state of another subject', async () => {
    const log = new RequestLog();
    const capabilities = new ReferrersCapabilityCache();
    const repo = registryRepository(registry, uniqueRepository('tagschema-stale'), {
      log,
      options: { capabilities },
    });
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const { descriptor: other } = await pushSubject(repo, 'other');
    await repo.pushManifest(referrerManifest(subject, TYPE, 'one'), { mediaType: OCI_MANIFEST });

    const state = (await repo.referrers(subject.digest)).state;
    await new Promise((resolve) => setTimeout(resolve, 400)); // well past maxReadAgeMs (125 ms)
    log.reset();
    await repo.pushManifest(referrerManifest(subject, TYPE, 'two'), {
      mediaType: OCI_MANIFEST,
      referrersState: state,
    });
    const reads = log.events.filter((e) => e.method === 'GET' && e.url.includes('/manifests/sha256-'));
    assert.equal(reads.length, 1, log.summary().join(', '));

    const otherState = (await repo.referrers(other.digest)).state;
    log.reset();
    await repo.pushManifest(referrerManifest(subject, TYPE, 'three'), {
      mediaType: OCI_MANIFEST,
      referrersState: otherState,
    });
    const reread = log.events.filter(
      (e) => e.method === 'GET' && e.url.includes(referrersTag(subject.digest)),
    );
    assert.equal(reread.length, 1, log.summary().join(', '));
    assert.equal((await repo.referrers(subject.digest)).manifests.length, 3);
    assert.equal((await repo.referrers(other.digest)).manifests.length, 0);
  });

  it('detects a write overwritten by a stale writer and writes again', async () => {
    const repository = uniqueRepository('tagschema-clobber');
    const plain = registryRepository(registry, repository);
    const { descriptor: subject } = await pushSubject(plain, 'subject', 'v1');
    const earlier = await plain.pushManifest(referrerManifest(subject, TYPE, 'earlier'), {
      mediaType: OCI_MANIFEST,
    });

    const clobbering = clobberingTransport(transportFor(registry), 1);
    const repo = registryRepository(registry, repository, {
      wrap: () => clobbering,
      options: { tagSchema: fast },
    });
    const mine = await repo.pushManifest(referrerManifest(subject, TYPE, 'mine'), {
      mediaType: OCI_MANIFEST,
    });
    assert.equal(clobbering.clobbered, 1);
    const listed = (await plain.referrers(subject.digest)).manifests.map((d) => d.digest);
    assert.deepEqual(listed, [earlier.digest, mine.digest]);
  });

  it('throws a conflict error, never success, when a write cannot be confirmed', async () => {
    const repository = uniqueRepository('tagschema-lost');
    const plain = registryRepository(registry, repository);
    const { descriptor: subject } = await pushSubject(plain, 'subject', 'v1');
    const clobbering = clobberingTransport(transportFor(registry), Number.POSITIVE_INFINITY);
    const repo = registryRepository(registry, repository, {
      wrap: () => clobbering,
      options: { tagSchema: { ...fast, maxWrites: 3 } },
    });
    await assert.rejects(
      repo.pushManifest(referrerManifest(subject, TYPE, 'lost'), { mediaType: OCI_MANIFEST }),
      conflictWith('REFERRERS_UPDATE_UNCONFIRMED'),
    );
    assert.equal(clobbering.clobbered, 3);
  });

  it('drops entries of manifests deleted behind its back (distribution refuses such an index)', async () => {
    const repository = uniqueRepository('tagschema-dangling');
    const repo = registryRepository(registry, repository);
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const gone = await repo.pushManifest(referrerManifest(subject, TYPE, 'gone'), {
      mediaType: OCI_MANIFEST,
    });
    // Deleted by someone who does not maintain the index.
    const res = await transportFor(registry).request({
      method: 'DELETE',
      path: `/v2/${repository}/manifests/${gone.digest}`,
    });
    assert.equal(res.status, 202);
    const kept = await repo.pushManifest(referrerManifest(subject, TYPE, 'kept'), {
      mediaType: OCI_MANIFEST,
    });
    assert.deepEqual(
      (await repo.referrers(subject.digest)).manifests.map((d) => d.digest),
      [kept.digest],
    );
  });

  it('tolerates registries that refuse deletes (405) and stops asking', async () => {
    const log = new RequestLog();
    const repository = uniqueRepository('tagschema-nodelete');
    const repo = registryRepository(registry, repository, {
      log,
      wrap: (inner) => ({
        registry: inner.registry,
        baseUrl: inner.baseUrl,
        async request(request: RegistryRequest) {
          if (request.method === 'DELETE') {
            log.onRequest({
              method: 'DELETE',
              url: request.path,
              status: 405,
              requestClass: 'manifest',
              attempt: 1,
            });
            return new Response('{"errors":[{"code":"UNSUPPORTED","message":"deletes disabled"}]}', {
              status: 405,
            });
          }
          return inner.request(request);
        },
      }),
    });
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    for (const label of ['a', 'b', 'c']) {
      await repo.pushManifest(referrerManifest(subject, TYPE, label), { mediaType: OCI_MANIFEST });
    }
    assert.equal((await repo.referrers(subject.digest)).manifests.length, 3);
    assert.equal(log.events.filter((e) => e.method === 'DELETE').length, 1, 'asked once');
  });

  it('applies concurrent adds and removes of one process without losing any, coalesced', async () => {
    const log = new RequestLog();
    const repository = uniqueRepository('tagschema-mixed');
    const repo = registryRepository(registry, repository, {
      log,
      options: { tagSchema: { settleMs: 60, jitterMs: 40 } },
    });
    const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
    const removed = [];
    for (const label of ['r1', 'r2']) {
      removed.push(
        await repo.pushManifest(referrerManifest(subject, TYPE, label), { mediaType: OCI_MANIFEST }),
      );
    }
    const added = await Promise.all([
      ...['a1', 'a2', 'a3', 'a4'].map((label) =>
        repo.pushManifest(referrerManifest(subject, TYPE, label), { mediaType: OCI_MANIFEST }),
      ),
      ...removed.map((d) => repo.deleteManifest(d.digest, { subject }).then(() => undefined)),
    ]);
    const expected = added
      .filter((d) => d !== undefined)
      .map((d) => d.digest)
      .sort();
    const listed = (await repo.referrers(subject.digest)).manifests.map((d) => d.digest).sort();
    assert.deepEqual(listed, expected);
    // This process's six concurrent changes never race each other: each update of the index is
    // verified (HEAD) before the next one writes (a PUT distribution rejects for naming a manifest
    // deleted meanwhile is retried at once and not counted), and the changes that queued meanwhile share a write.
    const indexTag = referrersTag(subject.digest);
    const steps = log.events
      .filter(
        (e) =>
          e.url.endsWith(`/manifests/${indexTag}`) &&
          (e.method === 'HEAD' || (e.method === 'PUT' && e.status === 201)),
      )
      .map((e) => e.method);
    const writes = steps.filter((m) => m === 'PUT').length;
    assert.ok(!steps.join(' ').includes('PUT PUT'), `overlapping writes: ${steps.join(' ')}`);
    assert.ok(writes <= 2 + 5, `${writes} index writes for 2 + 6 changes: none coalesced`);
  });
});
