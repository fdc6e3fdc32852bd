// The behaviour every Repository backend shares (src/content/repository.ts): instantiated for
// distribution 2.8 (tag schema), refreg (referrers API) and the OCI image layout.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Repository, StreamSource } from '../../../src/content/repository.ts';
import { isManifestoError, type ManifestoError } from '../../../src/errors/errors.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { MAX_MANIFEST_BYTES, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { uniqueRepository } from '../../support/registries.ts';
import { bytesOf, descriptorOf, EMPTY_DESCRIPTOR, pushSubject, referrerManifest } from './content.ts';

export interface BehaviourHooks {
  /**
   * Makes reads of `digest` in repository `repoName` return corrupted content (by changing what is
   * stored, or by tampering with replies) and returns the Repository to read it through.
   */
  corrupt?: ((repoName: string, repository: Repository, digest: string) => Promise<Repository>) | undefined;
}

const TYPE_SBOM = 'application/vnd.example.sbom+json';
const TYPE_SIG = 'application/vnd.example.signature';

function isError(category: ManifestoError['category'] | readonly ManifestoError['category'][]) {
  const categories = typeof category === 'string' ? [category] : category;
  return (error: unknown): boolean => {
    assert.ok(isManifestoError(error), `expected a ManifestoError, got ${String(error)}`);
    assert.ok(
      categories.includes(error.category),
      `expected ${categories.join('|')}, got ${error.category}: ${error.message}`,
    );
    return true;
  };
}

function streamOf(bytes: Uint8Array, chunk = 64 * 1024): StreamSource {
  return {
    async *open() {
      for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
        yield bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunk));
      }
    },
  };
}

export function describeRepositoryBehaviour(
  name: string,
  makeRepository: (repoName: string) => Promise<Repository>,
  hooks: BehaviourHooks = {},
): void {
  describe(`Repository behaviour: ${name}`, () => {
    it('pushes a manifest by tag and resolves and fetches it by tag and by digest', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-manifest'));
      const { descriptor, bytes } = await pushSubject(repo, 'one', 'v1');
      assert.equal(descriptor.digest, digestOf(bytes));
      assert.equal(descriptor.size, bytes.byteLength);
      assert.equal(descriptor.mediaType, OCI_MANIFEST);

      for (const reference of ['v1', descriptor.digest]) {
        const resolved = await repo.resolve(reference);
        assert.deepEqual(
          { mediaType: resolved.mediaType, digest: resolved.digest, size: resolved.size },
          { mediaType: OCI_MANIFEST, digest: descriptor.digest, size: bytes.byteLength },
          `resolve ${reference}`,
        );
        const fetched = await repo.fetchManifest(reference);
        assert.deepEqual(fetched.bytes, bytes, `fetch ${reference}`);
        assert.equal(fetched.descriptor.digest, descriptor.digest);
        assert.equal(fetched.descriptor.mediaType, OCI_MANIFEST);
        assert.equal(fetched.descriptor.size, bytes.byteLength);
      }
    });

    it('pushes an index and reports its media type', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-index'));
      const { descriptor } = await pushSubject(repo, 'child');
      const bytes = bytesOf({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptor] });
      const pushed = await repo.pushManifest(bytes, { mediaType: OCI_INDEX, tag: 'multi' });
      assert.equal(pushed.mediaType, OCI_INDEX);
      const resolved = await repo.resolve('multi');
      assert.equal(resolved.mediaType, OCI_INDEX);
      assert.equal(resolved.digest, digestOf(bytes));
    });

    it('reports unknown tags, digests and blobs as not found', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-missing'));
      await pushSubject(repo, 'present', 'present');
      const absent = digestOf(randomBytes(16));
      await assert.rejects(repo.resolve('absent'), isError('not-found'));
      await assert.rejects(repo.fetchManifest('absent'), isError('not-found'));
      await assert.rejects(repo.fetchManifest(absent), isError('not-found'));
      assert.equal(await repo.statBlob(absent), undefined);
      await assert.rejects(
        repo.fetchBlobBytes({ mediaType: 'x', digest: absent, size: 1 }, 10),
        isError('not-found'),
      );
      await assert.rejects(repo.deleteManifest(absent), isError('not-found'));
    });

    it('refuses manifests over 4 MiB', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-large'));
      const padding = 'x'.repeat(MAX_MANIFEST_BYTES);
      const bytes = bytesOf({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: EMPTY_DESCRIPTOR,
        layers: [],
        annotations: { padding },
      });
      assert.ok(bytes.byteLength > MAX_MANIFEST_BYTES);
      await assert.rejects(
        repo.pushManifest(bytes, { mediaType: OCI_MANIFEST, tag: 'large' }),
        isError(['usage', 'integrity', 'unsupported']),
      );
      await assert.rejects(repo.resolve('large'), isError('not-found'));
    });

    it('round-trips a multi-megabyte blob as a stream, and stats and bounds it', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-blob'));
      const content = randomBytes(6 * 1024 * 1024 + 12345);
      const descriptor = descriptorOf(content, 'application/octet-stream');
      await repo.pushBlob(descriptor, streamOf(content));

      const stat = await repo.statBlob(descriptor.digest);
      assert.ok(stat !== undefined);
      assert.equal(stat.digest, descriptor.digest);
      assert.equal(stat.size, descriptor.size);

      const hash = createHash('sha256');
      let size = 0;
      let chunks = 0;
      for await (const chunk of repo.fetchBlob(descriptor)) {
        hash.update(chunk);
        size += chunk.byteLength;
        chunks++;
      }
      assert.equal(`sha256:${hash.digest('hex')}`, descriptor.digest);
      assert.equal(size, descriptor.size);
      assert.ok(chunks > 1, 'the blob arrives in more than one chunk (streamed)');

      const whole = await repo.fetchBlobBytes(descriptor, descriptor.size);
      assert.deepEqual(whole, new Uint8Array(content));
      await assert.rejects(repo.fetchBlobBytes(descriptor, descriptor.size - 1));

      // Pushing it again (bytes this time) is a no-op.
      await repo.pushBlob(descriptor, content);
      assert.equal((await repo.statBlob(descriptor.digest))?.size, descriptor.size);
    });

    it('pushes small blobs from bytes, with and without the existence check', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-small'));
      for (const existenceCheck of [true, false]) {
        const content = randomBytes(100);
        const descriptor = descriptorOf(content, 'application/octet-stream');
        await repo.pushBlob(descriptor, content, { existenceCheck });
        assert.deepEqual(await repo.fetchBlobBytes(descriptor, 1000), new Uint8Array(content));
      }
    });

    it('refuses to upload bytes that do not match their descriptor', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-wrongblob'));
      const content = randomBytes(64);
      const descriptor = descriptorOf(randomBytes(64), 'application/octet-stream');
      await assert.rejects(repo.pushBlob(descriptor, content), isError(['usage', 'integrity']));
      assert.equal(await repo.statBlob(descriptor.digest), undefined);
    });

    it('lists tags in lexical pages', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-tags'));
      const { descriptor, bytes } = await pushSubject(repo, 'tagged');
      const tags = ['b2', 'a1', 'c3', 'e5', 'd4'];
      for (const tag of tags) await repo.pushManifest(bytes, { mediaType: descriptor.mediaType, tag });
      const sorted = [...tags].sort();

      const all = await repo.listTags();
      assert.deepEqual(all.tags, sorted);
      assert.equal(all.next, undefined);

      const paged: string[] = [];
      let last: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await repo.listTags({ limit: 2, last });
        assert.ok(result.tags.length <= 2);
        paged.push(...result.tags);
        if (result.next === undefined) break;
        last = result.next;
      }
      assert.deepEqual(paged, sorted);
      assert.deepEqual((await repo.listTags({ last: 'c3' })).tags, ['d4', 'e5']);
      assert.deepEqual((await repo.listTags({ last: 'c3', limit: 1 })).tags, ['d4']);
    });

    it('lists the referrers of a manifest, with and without an artifactType filter', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-referrers'));
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'app');
      const empty = await repo.referrers(subject.digest);
      assert.deepEqual(empty.manifests, []);

      const pushed = [];
      for (const [type, label] of [
        [TYPE_SBOM, 'sbom-1'],
        [TYPE_SIG, 'sig-1'],
        [TYPE_SBOM, 'sbom-2'],
      ] as const) {
        const state = (await repo.referrers(subject.digest)).state;
        const bytes = referrerManifest(subject, type, label);
        pushed.push({
          type,
          label,
          descriptor: await repo.pushManifest(bytes, { mediaType: OCI_MANIFEST, referrersState: state }),
        });
      }

      const all = await repo.referrers(subject.digest);
      assert.equal(all.filtered, false);
      assert.deepEqual(
        all.manifests.map((d) => d.digest).sort(),
        pushed.map((p) => p.descriptor.digest).sort(),
      );
      for (const p of pushed) {
        const listed = all.manifests.find((d) => d.digest === p.descriptor.digest);
        assert.ok(listed);
        assert.equal(listed.artifactType, p.type);
        assert.equal(listed.mediaType, OCI_MANIFEST);
        assert.equal(listed.size, p.descriptor.size);
        assert.equal(listed.annotations?.['test.label'], p.label);
      }

      const sboms = await repo.referrers(subject.digest, { artifactType: TYPE_SBOM });
      assert.equal(sboms.filtered, true);
      assert.deepEqual(sboms.manifests.map((d) => d.annotations?.['test.label']).sort(), [
        'sbom-1',
        'sbom-2',
      ]);
      const none = await repo.referrers(subject.digest, { artifactType: 'application/vnd.example.none' });
      assert.equal(none.filtered, true);
      assert.deepEqual(none.manifests, []);

      // Referrers of another subject are not mixed in.
      const { descriptor: other } = await pushSubject(repo, 'other');
      assert.deepEqual((await repo.referrers(other.digest)).manifests, []);
    });

    it('deletes manifests, and deleted referrers leave the listing', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-delete'));
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'app');
      const first = await repo.pushManifest(referrerManifest(subject, TYPE_SBOM, 'first'), {
        mediaType: OCI_MANIFEST,
      });
      const second = await repo.pushManifest(referrerManifest(subject, TYPE_SIG, 'second'), {
        mediaType: OCI_MANIFEST,
      });
      assert.equal((await repo.referrers(subject.digest)).manifests.length, 2);

      await repo.deleteManifest(first.digest, { subject });
      await assert.rejects(repo.fetchManifest(first.digest), isError('not-found'));
      assert.deepEqual(
        (await repo.referrers(subject.digest)).manifests.map((d) => d.digest),
        [second.digest],
      );

      // Without telling the subject: the backend finds it.
      await repo.deleteManifest(second.digest);
      assert.deepEqual((await repo.referrers(subject.digest)).manifests, []);

      // A manifest without subject.
      const { descriptor: plain } = await pushSubject(repo, 'plain');
      await repo.deleteManifest(plain.digest);
      await assert.rejects(repo.resolve(plain.digest), isError('not-found'));
      // The subject itself is untouched.
      assert.equal((await repo.resolve('app')).digest, subject.digest);
    });

    it('deletes many referrers of one subject at once (deleteManifests)', async () => {
      const repo = await makeRepository(uniqueRepository('behaviour-delete-many'));
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'app');
      const pushed = [];
      for (let i = 0; i < 6; i++) {
        pushed.push(
          await repo.pushManifest(referrerManifest(subject, TYPE_SBOM, `many-${i}`), {
            mediaType: OCI_MANIFEST,
          }),
        );
      }
      const listing = await repo.referrers(subject.digest);
      assert.equal(listing.manifests.length, 6);
      const victims = pushed.slice(1).map((d) => d.digest);
      await repo.deleteManifests(victims, { subject, referrersState: listing.state });
      for (const digest of victims) await assert.rejects(repo.fetchManifest(digest), isError('not-found'));
      assert.deepEqual(
        (await repo.referrers(subject.digest)).manifests.map((d) => d.digest),
        [pushed[0]!.digest],
      );
      // Gone and unlisted: not found, like deleteManifest; the remaining one is still deleted.
      await assert.rejects(
        repo.deleteManifests([victims[0]!, pushed[0]!.digest], { subject }),
        isError('not-found'),
      );
      assert.deepEqual((await repo.referrers(subject.digest)).manifests, []);
      await repo.deleteManifests([], { subject });
      assert.equal((await repo.resolve('app')).digest, subject.digest);
    });

    if (hooks.corrupt !== undefined) {
      const corrupt = hooks.corrupt;
      it('detects corrupted blobs and manifests (integrity errors, never data)', async () => {
        const repoName = uniqueRepository('behaviour-integrity');
        const repo = await makeRepository(repoName);
        const content = randomBytes(4096);
        const blob = descriptorOf(content, 'application/octet-stream');
        await repo.pushBlob(blob, content);
        const { descriptor: manifest } = await pushSubject(repo, 'integrity', 'v1');

        const badBlobs = await corrupt(repoName, repo, blob.digest);
        await assert.rejects(badBlobs.fetchBlobBytes(blob, 1 << 20), isError('integrity'));
        await assert.rejects(async () => {
          for await (const _ of badBlobs.fetchBlob(blob)) {
            // drain
          }
        }, isError('integrity'));

        const badManifests = await corrupt(repoName, repo, manifest.digest);
        await assert.rejects(badManifests.fetchManifest(manifest.digest), isError('integrity'));
      });
    }
  });
}
