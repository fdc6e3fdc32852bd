// OciLayoutRepository.deleteManifests: many referrers removed with ONE index.json rewrite under the
// lock, blobs removed after it, and the same not-found rule as deleteManifest.
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type OciLayoutRepository,
  openLayout,
} from '../../../../src/content/layout/oci-layout-repository.ts';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import type { Descriptor } from '../../../../src/oci/descriptor.ts';
import { digestOf } from '../../../../src/oci/digest.ts';
import { OCI_INDEX } from '../../../../src/oci/media-types.ts';
import { encoder, pushImage, tempDir } from './layout-fixtures.ts';

async function newLayout(t: Parameters<typeof tempDir>[0]): Promise<OciLayoutRepository> {
  return openLayout(join(await tempDir(t), 'layout'), { create: true });
}

/** Counts index.json rewrites while `action` runs: each one writes its own temporary file. */
async function indexWrites(repo: OciLayoutRepository, action: () => Promise<unknown>): Promise<number> {
  const temps = new Set<string>();
  const watcher = watch(repo.root, (_event, name) => {
    if (name !== null && /^index\.json\.\d+\.[0-9a-f]+\.tmp$/.test(name)) temps.add(name);
  });
  try {
    await action();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    watcher.close();
  }
  return temps.size;
}

async function referrersOf(repo: OciLayoutRepository, subject: Descriptor): Promise<string[]> {
  return (await repo.referrers(subject.digest)).manifests.map((d) => d.digest).sort();
}

describe('OciLayoutRepository.deleteManifests', () => {
  it('removes 8 referrers and their blobs with one index.json rewrite', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const refs: Descriptor[] = [];
    for (let i = 0; i < 10; i++) {
      refs.push(
        await pushImage(repo, {
          artifactType: 'application/x-meta',
          subject: image,
          annotations: { i: `${i}` },
        }),
      );
    }
    const victims = refs.slice(2);
    const writes = await indexWrites(repo, () =>
      repo.deleteManifests(
        victims.map((d) => d.digest),
        { subject: image },
      ),
    );
    assert.equal(writes, 1, 'one index.json rewrite');
    assert.deepEqual(
      await referrersOf(repo, image),
      refs
        .slice(0, 2)
        .map((d) => d.digest)
        .sort(),
    );
    for (const d of victims) assert.equal(await repo.statBlob(d.digest), undefined, 'blob removed');
    assert.deepEqual(await repo.resolve('v1'), image);
  });

  it('keeps the blob of a deleted manifest another (kept) index references', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const child = await pushImage(repo, { artifactType: 'application/x-meta', subject: image });
    const other = await pushImage(repo, {
      artifactType: 'application/x-meta',
      subject: image,
      annotations: { n: '2' },
    });
    const index = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }),
    );
    await repo.pushManifest(index, { mediaType: OCI_INDEX, tag: 'multi' });
    await repo.deleteManifests([child.digest, other.digest], { subject: image });
    assert.ok(await repo.statBlob(child.digest), 'still referenced by the index tagged multi');
    assert.equal(await repo.statBlob(other.digest), undefined);
    assert.equal((await repo.resolve('multi')).digest, digestOf(index));
  });

  it('a digest the layout does not hold is not-found, after the others are deleted', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const ref = await pushImage(repo, { artifactType: 'application/x-meta', subject: image });
    const absent = digestOf(encoder.encode('absent'));
    await assert.rejects(
      repo.deleteManifests([absent, ref.digest], { subject: image }),
      (e) => isManifestoError(e) && e.code === 'MANIFEST_UNKNOWN' && e.category === 'not-found',
    );
    assert.deepEqual(await referrersOf(repo, image), []);
    assert.equal(await repo.statBlob(ref.digest), undefined);
  });
});
