// RegistryRepository.deleteManifests: the manifests first (a few DELETEs at a time), then ONE
// referrers tag-schema index update for all of them; on the referrers API path no index at all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import { DELETE_CONCURRENCY } from '../../../src/registry/delete-manifests.ts';
import {
  referrersTag,
  serializeIndex,
  type TagSchemaClock,
} from '../../../src/registry/referrers-tag-schema.ts';
import { RegistryRepository } from '../../../src/registry/registry-repository.ts';
import { FakeTransport } from './fake-transport.ts';

const SUBJECT: Descriptor = {
  mediaType: OCI_MANIFEST,
  digest: digestOf(new TextEncoder().encode('subject')),
  size: 7,
};
const TAG = referrersTag(SUBJECT.digest);

const referrer = (i: number): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: digestOf(new TextEncoder().encode(`referrer ${i}`)),
  size: 100 + i,
  artifactType: 'application/vnd.example',
});

function virtualClock(): TagSchemaClock & { sleeps: number } {
  let now = 1000;
  const clock = {
    sleeps: 0,
    now: () => now,
    sleep: async (ms: number) => {
      clock.sleeps++;
      now += Math.max(0, ms);
    },
    random: () => 0.5,
  };
  return clock;
}

/** A registry with some referrer manifests and their tag-schema index; logs requests in order. */
function fakeRegistry(stored: Descriptor[], options: { failDelete?: string; api?: boolean } = {}) {
  const manifests = new Set(stored.map((d) => d.digest));
  let index: Uint8Array | undefined = serializeIndex(stored);
  const indexes = new Set([digestOf(index)]);
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const transport = new FakeTransport()
    .on('GET', new RegExp(`/manifests/${TAG}$`), () => {
      log.push('GET index');
      return index === undefined
        ? new Response('', { status: 404 })
        : new Response(index, {
            headers: { 'Content-Type': OCI_INDEX, 'Docker-Content-Digest': digestOf(index) },
          });
    })
    .on('HEAD', new RegExp(`/manifests/${TAG}$`), () => {
      log.push('HEAD index');
      return index === undefined
        ? new Response(null, { status: 404 })
        : new Response(null, { headers: { 'Docker-Content-Digest': digestOf(index) } });
    })
    .on('PUT', new RegExp(`/manifests/${TAG}$`), (request) => {
      log.push('PUT index');
      index = request.body as Uint8Array;
      indexes.add(digestOf(index));
      return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': digestOf(index) } });
    })
    .on('DELETE', /\/manifests\/sha256:/, async (_request, url) => {
      const digest = url.pathname.split('/').at(-1)!;
      if (indexes.has(digest)) {
        log.push('DELETE index');
        if (index !== undefined && digest === digestOf(index)) index = undefined;
        return new Response(null, { status: 202 });
      }
      log.push('DELETE manifest');
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (digest === options.failDelete) return new Response('{"errors":[]}', { status: 500 });
      if (!manifests.delete(digest)) return new Response(null, { status: 404 });
      return new Response(null, { status: 202 });
    });
  const capabilities = new ReferrersCapabilityCache();
  const target = { transport, repository: 'app' };
  capabilities.set(target, options.api === true ? 'api' : 'tag-schema');
  const clock = virtualClock();
  const repository = new RegistryRepository({
    transport,
    repository: 'app',
    options: { capabilities, tagSchema: { clock } },
  });
  const listed = () =>
    index === undefined
      ? []
      : (JSON.parse(new TextDecoder().decode(index)) as { manifests: Descriptor[] }).manifests.map(
          (d) => d.digest,
        );
  return { repository, log, listed, manifests, clock, maxInFlight: () => maxInFlight };
}

describe('RegistryRepository.deleteManifests (tag schema)', () => {
  it('deletes 30 manifests, then updates the index once: one PUT, one HEAD, one settle time', async () => {
    const all = Array.from({ length: 33 }, (_, i) => referrer(i));
    const registry = fakeRegistry(all);
    const victims = all.slice(3).map((d) => d.digest);
    await registry.repository.deleteManifests(victims, { subject: SUBJECT });
    assert.deepEqual(
      registry.log,
      [...victims.map(() => 'DELETE manifest'), 'GET index', 'PUT index', 'HEAD index', 'DELETE index'],
      'every manifest DELETE before the one index update',
    );
    assert.deepEqual(
      registry.listed(),
      all.slice(0, 3).map((d) => d.digest),
    );
    assert.equal(registry.manifests.size, 3);
    assert.equal(registry.clock.sleeps, 1, 'one settle wait');
    assert.ok(registry.maxInFlight() > 1, 'DELETEs overlap');
    assert.ok(registry.maxInFlight() <= DELETE_CONCURRENCY, `at most ${DELETE_CONCURRENCY} at once`);
  });

  it('a manifest already gone but still listed is removed from the index without an error', async () => {
    const all = [referrer(1), referrer(2), referrer(3)];
    const registry = fakeRegistry(all);
    registry.manifests.delete(all[1]!.digest);
    await registry.repository.deleteManifests([all[1]!.digest, all[2]!.digest], { subject: SUBJECT });
    assert.deepEqual(registry.listed(), [all[0]!.digest]);
  });

  it('a digest neither stored nor listed is not-found, after the others are deleted and unlisted', async () => {
    const all = [referrer(1), referrer(2)];
    const registry = fakeRegistry(all);
    await assert.rejects(
      registry.repository.deleteManifests([referrer(9).digest, all[1]!.digest], { subject: SUBJECT }),
      (e) => isManifestoError(e) && e.code === 'MANIFEST_UNKNOWN' && e.category === 'not-found',
    );
    assert.deepEqual(registry.listed(), [all[0]!.digest]);
  });

  it('a failed DELETE stops new ones, the deleted ones still leave the index, the error is thrown', async () => {
    const all = Array.from({ length: 12 }, (_, i) => referrer(i));
    const registry = fakeRegistry(all, { failDelete: all[0]!.digest });
    await assert.rejects(
      registry.repository.deleteManifests(
        all.map((d) => d.digest),
        { subject: SUBJECT },
      ),
      (e) => isManifestoError(e) && e.status === 500,
    );
    const remaining = new Set(registry.listed());
    for (const d of all) {
      assert.equal(
        remaining.has(d.digest),
        registry.manifests.has(d.digest),
        `${d.digest} listed iff stored`,
      );
    }
    assert.ok(registry.manifests.size > 1, 'no DELETE started after the failure');
  });
});

describe('RegistryRepository.deleteManifests (referrers API)', () => {
  it('only DELETEs the manifests: no index exists', async () => {
    const all = [referrer(1), referrer(2), referrer(3)];
    const registry = fakeRegistry(all, { api: true });
    await registry.repository.deleteManifests(
      all.map((d) => d.digest),
      { subject: SUBJECT },
    );
    assert.deepEqual(registry.log, ['DELETE manifest', 'DELETE manifest', 'DELETE manifest']);
    assert.equal(registry.manifests.size, 0);
  });
});
