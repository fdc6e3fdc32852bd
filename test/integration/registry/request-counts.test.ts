// Request budgets of the registry Repository, measured with the transport's onRequest hook.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { descriptorOf, pushSubject, referrerManifest } from '../behaviour/content.ts';
import { RequestLog, registryRepository } from './support/registry-repositories.ts';

const TYPE = 'application/vnd.example.report+json';

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`request counts on ${kind}`, () => {
    const registry = requireRegistry(kind);

    async function setup() {
      const log = new RequestLog();
      const capabilities = new ReferrersCapabilityCache();
      const repo = registryRepository(registry, uniqueRepository(`counts-${kind}`), {
        log,
        options: { capabilities },
      });
      const subject = await pushSubject(repo, 'subject', 'v1');
      // Warm up: the capability gets cached, the upload strategy learnt.
      await repo.pushManifest(referrerManifest(subject.descriptor, TYPE, 'warm-up'), {
        mediaType: OCI_MANIFEST,
      });
      log.reset();
      return { log, repo, subject, capabilities };
    }

    it('resolve by tag and by digest: one HEAD each', async (t) => {
      const { log, repo, subject } = await setup();
      await repo.resolve('v1');
      assert.deepEqual(log.summary(), ['HEAD manifests/v1 200'], 'resolve by tag');
      log.reset();
      await repo.resolve(subject.descriptor.digest);
      assert.equal(log.count, 1, log.summary().join(', '));
      t.diagnostic(`${kind} resolve: 1 request (HEAD)`);
    });

    it('fetch manifest: one GET', async (t) => {
      const { log, repo, subject } = await setup();
      await repo.fetchManifest('v1');
      await repo.fetchManifest(subject.descriptor.digest);
      assert.equal(log.count, 2, log.summary().join(', '));
      t.diagnostic(`${kind} fetchManifest: 1 request (GET)`);
    });

    it('push a small blob', async (t) => {
      const { log, repo } = await setup();
      const unchecked = randomBytes(512);
      await repo.pushBlob(descriptorOf(unchecked, 'application/octet-stream'), unchecked, {
        existenceCheck: false,
      });
      const withoutCheck = log.summary();
      log.reset();
      const checked = randomBytes(512);
      await repo.pushBlob(descriptorOf(checked, 'application/octet-stream'), checked);
      const withCheck = log.summary();
      log.reset();
      await repo.pushBlob(descriptorOf(checked, 'application/octet-stream'), checked);
      const existing = log.summary();
      t.diagnostic(
        `${kind} small blob, existenceCheck false: ${withoutCheck.length} (${withoutCheck.join(', ')})`,
      );
      t.diagnostic(`${kind} small blob, default: ${withCheck.length} (${withCheck.join(', ')})`);
      t.diagnostic(`${kind} small blob already there: ${existing.length} (${existing.join(', ')})`);
      // refreg stores a monolithic POST ?digest= in one request; distribution 2.8 needs POST + PUT.
      assert.equal(withoutCheck.length, kind === 'refreg' ? 1 : 2);
      assert.equal(withCheck.length, withoutCheck.length + 1);
      assert.equal(existing.length, 1);
    });

    it('push a referrer manifest with the caller referrers state (capability cached)', async (t) => {
      const { log, repo, subject } = await setup();
      // refreg lists a wrong artifactType (the config media type): the first listing repairs it
      // with one GET per such referrer, cached for the process; the second listing is the steady state.
      await repo.referrers(subject.descriptor.digest);
      const firstListing = log.summary();
      log.reset();
      const listing = await repo.referrers(subject.descriptor.digest);
      const listed = log.summary();
      log.reset();
      await repo.pushManifest(referrerManifest(subject.descriptor, TYPE, 'counted'), {
        mediaType: OCI_MANIFEST,
        referrersState: listing.state,
      });
      const pushed = log.summary();
      t.diagnostic(`${kind} referrers listing, first: ${firstListing.length} (${firstListing.join(', ')})`);
      t.diagnostic(`${kind} referrers listing: ${listed.length} (${listed.join(', ')})`);
      assert.equal(firstListing.length, kind === 'refreg' ? 2 : 1);
      t.diagnostic(`${kind} push referrer manifest: ${pushed.length} (${pushed.join(', ')})`);
      assert.equal(listed.length, 1);
      if (kind === 'refreg') {
        assert.equal(pushed.length, 1, 'PUT manifest only');
      } else {
        // PUT manifest + PUT index + 1 verification HEAD + DELETE of the replaced index.
        assert.deepEqual(
          pushed.map((s) => s.split(' ').slice(0, 1)[0]),
          ['PUT', 'PUT', 'HEAD', 'DELETE'],
          pushed.join(', '),
        );
      }
      const after = await repo.referrers(subject.descriptor.digest);
      assert.equal(after.manifests.length, 2);
    });

    it('push a referrer manifest without state, capability not cached', async (t) => {
      const log = new RequestLog();
      const repo = registryRepository(registry, uniqueRepository(`counts-cold-${kind}`), {
        log,
        options: { capabilities: new ReferrersCapabilityCache() },
      });
      const subject = await pushSubject(repo, 'subject', 'v1');
      log.reset();
      await repo.pushManifest(referrerManifest(subject.descriptor, TYPE, 'cold'), {
        mediaType: OCI_MANIFEST,
      });
      const pushed = log.summary();
      t.diagnostic(`${kind} push first referrer, cold: ${pushed.length} (${pushed.join(', ')})`);
      // PUT manifest + probe, then on distribution GET index (404) + PUT index + HEAD.
      assert.equal(pushed.length, kind === 'refreg' ? 2 : 5, pushed.join(', '));
    });
  });
}
