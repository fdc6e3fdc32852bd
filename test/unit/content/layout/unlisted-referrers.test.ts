// The layout backend's unlisted referrers mode (what the CLI uses) and its image rules: referrers
// are blobs only, found by the blob scan; images are the entries that are not referrers; `oci:DIR`
// without a tag is `latest` or the only image.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openLayout } from '../../../../src/content/layout/oci-layout-repository.ts';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../../../src/oci/media-types.ts';
import { namesTagOrDigest } from '../../../../src/oci/reference.ts';
import { encoder, pushImage, tempDir } from './layout-fixtures.ts';

async function entries(root: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(root, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  return index.manifests.map((m) => m.digest);
}

describe('OCI layout: unlisted referrers', () => {
  it('stores an untagged referrer as a blob only; referrers() finds it by the blob scan, delete removes it', async (t) => {
    const root = join(await tempDir(t), 'L');
    const repo = await openLayout(root, { create: true, referrers: 'unlisted' });
    const image = await pushImage(repo, {}, 'v1');
    const sig = await pushImage(repo, { artifactType: 'application/x-sig', subject: image });
    // A tagged push of a manifest with a subject is still an entry (the caller asked for a tag).
    const tagged = await pushImage(repo, { artifactType: 'application/x-tagged', subject: image }, 't');
    assert.deepEqual(await entries(root), [image.digest, tagged.digest]);

    // A new instance (no cache) finds both.
    const fresh = await openLayout(root);
    const found = (await fresh.referrers(image.digest)).manifests.map((d) => d.digest).sort();
    assert.deepEqual(found, [sig.digest, tagged.digest].sort());
    const filtered = await fresh.referrers(image.digest, { artifactType: 'application/x-sig' });
    assert.deepEqual(
      filtered.manifests.map((d) => [d.digest, d.artifactType]),
      [[sig.digest, 'application/x-sig']],
    );
    assert.equal((await fresh.fetchManifest(sig.digest)).descriptor.digest, sig.digest);

    await fresh.deleteManifest(sig.digest);
    assert.deepEqual(
      (await (await openLayout(root)).referrers(image.digest)).manifests.map((d) => d.digest),
      [tagged.digest],
    );
  });

  it('the first write removes older manifesto entries (versions and their signatures), keeps others', async (t) => {
    const root = join(await tempDir(t), 'L');
    const listed = await openLayout(root, { create: true });
    const image = await pushImage(listed, {}, 'v1');
    const version = await pushImage(listed, { subject: image, annotations: { 'dev.manifesto.type': 'x' } });
    const signature = await pushImage(listed, { artifactType: 'application/x-sig', subject: version });
    const foreign = await pushImage(listed, { artifactType: 'application/x-oras', subject: image });
    assert.equal((await entries(root)).length, 4);

    const repo = await openLayout(root, { referrers: 'unlisted' });
    const next = await pushImage(repo, { subject: image, annotations: { 'dev.manifesto.type': 'y' } });
    assert.deepEqual(await entries(root), [image.digest, foreign.digest]);
    const all = (await (await openLayout(root)).referrers(image.digest)).manifests.map((d) => d.digest);
    assert.deepEqual(all.sort(), [version.digest, foreign.digest, next.digest].sort());
    const sigs = (await (await openLayout(root)).referrers(version.digest)).manifests.map((d) => d.digest);
    assert.deepEqual(sigs, [signature.digest]);
  });

  it('images: entries that are not referrers nor sha256-<hex> indexes, with all their names', async (t) => {
    const root = join(await tempDir(t), 'L');
    const repo = await openLayout(root, { create: true });
    const image = await pushImage(repo, {}, 'v1');
    await pushImage(repo, { annotations: { seed: '1' } }, 'v1-again');
    await pushImage(repo, { annotations: { seed: '2' } }, 'latest-not');
    const referrer = await pushImage(repo, { artifactType: 'application/x-sig', subject: image });
    const schemaIndex = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [referrer] }),
    );
    await repo.pushManifest(schemaIndex, {
      mediaType: OCI_INDEX,
      tag: `sha256-${image.digest.slice('sha256:'.length)}`,
    });
    // The same image under a second name.
    await repo.pushManifest(await (await repo.fetchManifest('v1')).bytes, {
      mediaType: OCI_MANIFEST,
      tag: 'v1.0',
    });

    const images = await repo.listImages();
    assert.deepEqual(
      images.map((i) => i.names),
      [['v1', 'v1.0'], ['v1-again'], ['latest-not']],
    );
    const byDigest = images.find((i) => i.digest === image.digest);
    assert.deepEqual(byDigest?.names, ['v1', 'v1.0']);
    assert.ok(!images.some((i) => i.digest === referrer.digest), 'a referrer is not an image');
    assert.equal(images.length, 3, 'v1 (twice named), v1-again and latest-not');

    // Several images, no latest: ambiguous, naming them.
    await assert.rejects(repo.defaultTarget(), (error: unknown) => {
      assert.ok(isManifestoError(error));
      assert.equal(error.code, 'LAYOUT_IMAGE_AMBIGUOUS');
      assert.equal(error.exitCode, 8);
      assert.match(error.message, /holds 3 images: v1, v1\.0 \(sha256:[0-9a-f]{12}\)/);
      return true;
    });
    // A latest tag wins, as before.
    await pushImage(repo, {}, 'latest');
    assert.equal(await repo.defaultTarget(), 'latest');
  });

  it('defaultTarget: the only image (untagged), or LAYOUT_NO_IMAGE (exit 3) on an empty layout', async (t) => {
    const root = join(await tempDir(t), 'L');
    const repo = await openLayout(root, { create: true, referrers: 'unlisted' });
    await assert.rejects(repo.defaultTarget(), (error: unknown) => {
      assert.ok(isManifestoError(error));
      assert.equal(error.code, 'LAYOUT_NO_IMAGE');
      assert.equal(error.exitCode, 3);
      return true;
    });
    const image = await pushImage(repo, {});
    await pushImage(repo, { subject: image, annotations: { 'dev.manifesto.type': 'x' } });
    assert.equal(await repo.defaultTarget(), image.digest);
  });

  it('JSON blobs that are not manifests (configs, content) are skipped by the scan', async (t) => {
    const root = join(await tempDir(t), 'L');
    const repo = await openLayout(root, { create: true, referrers: 'unlisted' });
    const image = await pushImage(repo, {}, 'v1');
    const content = encoder.encode('{"subject":{"digest":"not a manifest"}}');
    const { digestOf } = await import('../../../../src/oci/digest.ts');
    await repo.pushBlob(
      { mediaType: 'application/json', digest: digestOf(content), size: content.byteLength },
      content,
    );
    await writeFile(join(root, 'blobs', 'sha256', 'not-a-digest'), '{}');
    assert.deepEqual((await repo.referrers(image.digest)).manifests, []);
  });
});

describe('namesTagOrDigest', () => {
  it('tells whether a reference names a tag or digest itself', () => {
    assert.equal(namesTagOrDigest('oci:dir'), false);
    assert.equal(namesTagOrDigest('oci:./a/b'), false);
    assert.equal(namesTagOrDigest('oci:dir:v1'), true);
    assert.equal(namesTagOrDigest('oci:dir:latest'), true);
    assert.equal(namesTagOrDigest(`oci:dir@sha256:${'a'.repeat(64)}`), true);
    assert.equal(namesTagOrDigest('nginx'), false);
    assert.equal(namesTagOrDigest('nginx:1'), true);
  });
});
