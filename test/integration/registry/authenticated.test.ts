// The registry Repository through authentication: token auth (scoped bearer tokens: pull, push and
// delete are asked for where needed, including the tag schema's writes) and basic auth over TLS.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { descriptorOf, pushSubject, referrerManifest } from '../behaviour/content.ts';
import { registryRepository } from './support/registry-repositories.ts';

const TYPE = 'application/vnd.example.auth+json';

for (const kind of ['distribution-token', 'distribution-basic-tls'] as const) {
  describe(`registry repository on ${kind}`, () => {
    const registry = requireRegistry(kind);

    it('pushes, lists, deletes referrers (tag schema) and streams blobs', async () => {
      const repo = registryRepository(registry, uniqueRepository(`auth-${kind}`));
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
      const first = await repo.pushManifest(referrerManifest(subject, TYPE, 'a'), {
        mediaType: OCI_MANIFEST,
      });
      const second = await repo.pushManifest(referrerManifest(subject, TYPE, 'b'), {
        mediaType: OCI_MANIFEST,
      });
      const listing = await repo.referrers(subject.digest, { artifactType: TYPE });
      assert.equal(listing.source, 'tag-schema');
      assert.deepEqual(listing.manifests.map((d) => d.digest).sort(), [first.digest, second.digest].sort());
      await repo.deleteManifest(first.digest, { subject, referrersState: listing.state });
      assert.deepEqual(
        (await repo.referrers(subject.digest)).manifests.map((d) => d.digest),
        [second.digest],
      );

      const content = randomBytes(3 * 1024 * 1024);
      const blob = descriptorOf(content, 'application/octet-stream');
      await repo.pushBlob(blob, {
        async *open() {
          yield content.subarray(0, 1024 * 1024);
          yield content.subarray(1024 * 1024);
        },
      });
      assert.deepEqual(await repo.fetchBlobBytes(blob, blob.size), new Uint8Array(content));
    });

    it('reports missing credentials as an auth error', async () => {
      const { username: _u, password: _p, ...withoutCredentials } = registry;
      const anonymous = registryRepository(withoutCredentials, uniqueRepository(`anon-${kind}`));
      await assert.rejects(anonymous.resolve('v1'), (e) => isManifestoError(e) && e.category === 'auth');
    });
  });
}
