// The OCI image layout backend against real peer CLIs on the same directories: layouts written by
// oras and crane are read by manifesto, and layouts manifesto writes are read by oras and crane.
// Needs only the peer binaries (no shared registry: crane gets its own `crane registry serve`).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { type OciLayoutRepository, openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import {
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  OCI_EMPTY,
  OCI_MANIFEST,
} from '../../../src/oci/media-types.ts';
import { peerBin, runPeer } from '../../support/peers.ts';

const encoder = new TextEncoder();
const EMPTY: Descriptor = { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'manifesto-interop-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function peer(name: 'oras' | 'crane', args: string[], cwd?: string): Promise<string> {
  const result = await runPeer(name, args, cwd === undefined ? {} : { cwd });
  assert.equal(result.code, 0, `${name} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

interface Written {
  image: Descriptor;
  sig: Descriptor;
  sbom: Descriptor;
  layer: Uint8Array;
}

/** Writes with manifesto: an artifact tagged v1 with one file layer, and two referrers of it. */
async function writeWithManifesto(repo: OciLayoutRepository): Promise<Written> {
  await repo.pushBlob(EMPTY, EMPTY_JSON_BYTES);
  const layer = encoder.encode('hello from manifesto\n');
  const layerDesc: Descriptor = {
    mediaType: 'text/plain',
    digest: digestOf(layer),
    size: layer.byteLength,
    annotations: { 'org.opencontainers.image.title': 'hello.txt' },
  };
  await repo.pushBlob(layerDesc, layer);
  const manifest = (parts: Record<string, unknown>) =>
    encoder.encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: EMPTY, ...parts }));
  const image = await repo.pushManifest(
    manifest({ artifactType: 'application/x-app', layers: [layerDesc] }),
    {
      mediaType: OCI_MANIFEST,
      tag: 'v1',
    },
  );
  const sig = await repo.pushManifest(
    manifest({
      artifactType: 'application/x-sig',
      layers: [EMPTY],
      subject: image,
      annotations: { k: 'sig' },
    }),
    { mediaType: OCI_MANIFEST },
  );
  const sbom = await repo.pushManifest(
    manifest({
      artifactType: 'application/spdx+json',
      layers: [EMPTY],
      subject: image,
      annotations: { k: 'sbom' },
    }),
    { mediaType: OCI_MANIFEST },
  );
  return { image, sig, sbom, layer };
}

describe('oras and manifesto on one OCI image layout', () => {
  it('manifesto reads tags, manifests, blobs and referrers that oras push/attach wrote', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'a.txt'), 'artifact content\n');
    await writeFile(join(dir, 's.txt'), 'signature\n');
    await peer(
      'oras',
      ['push', '--oci-layout', 'L:v1', '--artifact-type', 'application/x-app', 'a.txt'],
      dir,
    );
    const attach = (type: string, value: string) =>
      peer(
        'oras',
        ['attach', '--oci-layout', 'L:v1', '--artifact-type', type, '--annotation', `k=${value}`, 's.txt'],
        dir,
      );
    await attach('application/x-sig', 'one');
    await attach('application/spdx+json', 'two');
    const orasDigest = (await peer('oras', ['resolve', '--oci-layout', 'L:v1'], dir)).trim();

    const repo = await openLayout(join(dir, 'L'));
    assert.deepEqual((await repo.listTags()).tags, ['v1']);
    const image = await repo.resolve('v1');
    assert.equal(image.digest, orasDigest);
    const manifest = JSON.parse(new TextDecoder().decode((await repo.fetchManifest('v1')).bytes));
    assert.equal(manifest.artifactType, 'application/x-app');
    const layer = manifest.layers[0] as Descriptor;
    assert.equal(new TextDecoder().decode(await repo.fetchBlobBytes(layer, 1000)), 'artifact content\n');

    const referrers = await repo.referrers(image.digest);
    assert.deepEqual(referrers.manifests.map((d) => d.artifactType).sort(), [
      'application/spdx+json',
      'application/x-sig',
    ]);
    for (const d of referrers.manifests) {
      assert.equal(d.mediaType, OCI_MANIFEST);
      assert.ok(d.annotations?.['org.opencontainers.image.created'], 'oras adds a created annotation');
      assert.equal((await repo.fetchManifest(d.digest)).descriptor.size, d.size);
    }
    const sigs = await repo.referrers(image.digest, { artifactType: 'application/x-sig' });
    assert.deepEqual(
      sigs.manifests.map((d) => d.annotations?.k),
      ['one'],
    );

    // oras discover agrees with manifesto.
    const discovered = JSON.parse(
      await peer('oras', ['discover', '--oci-layout', 'L:v1', '--format', 'json'], dir),
    );
    assert.deepEqual(
      (discovered.referrers as Descriptor[]).map((d) => d.digest).sort(),
      referrers.manifests.map((d) => d.digest).sort(),
    );
  });

  it('oras discover, pull, manifest fetch and repo tags read what manifesto wrote', async (t) => {
    const dir = await tempDir(t);
    const repo = await openLayout(join(dir, 'M'), { create: true });
    const { image, sig, sbom } = await writeWithManifesto(repo);

    const discovered = JSON.parse(
      await peer('oras', ['discover', '--oci-layout', 'M:v1', '--format', 'json'], dir),
    );
    assert.equal(discovered.digest, image.digest);
    const byDigest = new Map((discovered.referrers as Descriptor[]).map((d) => [d.digest, d]));
    assert.equal(byDigest.size, 2);
    assert.equal(byDigest.get(sig.digest)?.artifactType, 'application/x-sig');
    assert.deepEqual(byDigest.get(sig.digest)?.annotations, { k: 'sig' });
    assert.equal(byDigest.get(sbom.digest)?.artifactType, 'application/spdx+json');

    await peer('oras', ['pull', '--oci-layout', 'M:v1', '-o', 'out'], dir);
    assert.equal(await readFile(join(dir, 'out', 'hello.txt'), 'utf8'), 'hello from manifesto\n');

    const fetched = await peer('oras', ['manifest', 'fetch', '--oci-layout', `M@${sig.digest}`], dir);
    assert.equal(digestOf(encoder.encode(fetched)), sig.digest);
    assert.deepEqual((await peer('oras', ['repo', 'tags', '--oci-layout', 'M'], dir)).trim().split('\n'), [
      'v1',
    ]);
  });

  it("manifesto and oras write the same layout in turn without losing each other's entries", async (t) => {
    const dir = await tempDir(t);
    const repo = await openLayout(join(dir, 'X'), { create: true });
    const { image, sig, sbom } = await writeWithManifesto(repo);
    await writeFile(join(dir, 'n.txt'), 'oras note\n');
    await peer(
      'oras',
      ['attach', '--oci-layout', 'X:v1', '--artifact-type', 'application/x-note', 'n.txt'],
      dir,
    );
    await peer('oras', ['tag', '--oci-layout', 'X:v1', 'v1-oras'], dir);

    // oras rewrote index.json from its own state: manifesto's untagged referrer entries survived.
    const listed = await repo.referrers(image.digest);
    assert.equal(listed.manifests.length, 3);
    assert.ok(listed.manifests.some((d) => d.digest === sig.digest));
    assert.ok(listed.manifests.some((d) => d.digest === sbom.digest));
    assert.ok(listed.manifests.some((d) => d.artifactType === 'application/x-note'));
    assert.deepEqual((await repo.listTags()).tags, ['v1', 'v1-oras']);

    // And a manifesto write after oras's keeps oras's entries.
    await repo.deleteManifest(sig.digest);
    const discovered = JSON.parse(
      await peer('oras', ['discover', '--oci-layout', 'X:v1', '--format', 'json'], dir),
    );
    assert.deepEqual((discovered.referrers as Descriptor[]).map((d) => d.artifactType).sort(), [
      'application/spdx+json',
      'application/x-note',
    ]);
  });
});

describe('crane and manifesto on OCI image layouts', () => {
  let server: ChildProcess | undefined;
  let host = '';

  before(async () => {
    const child = spawn(peerBin('crane'), ['registry', 'serve', '--address', '127.0.0.1:0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    server = child;
    host = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`crane registry serve did not start: ${seen}`)),
        15_000,
      );
      child.stderr?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /serving on port (\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(`127.0.0.1:${match[1]}`);
        }
      });
      child.on('exit', (code) => reject(new Error(`crane registry serve exited with ${code}: ${seen}`)));
    });
  });

  after(() => {
    server?.kill();
  });

  it('crane push --index reads a layout manifesto wrote; crane pull --format=oci writes one manifesto reads', async (t) => {
    const dir = await tempDir(t);
    const repo = await openLayout(join(dir, 'M'), { create: true });
    const { image, sig, sbom } = await writeWithManifesto(repo);

    // Every manifest has an index.json entry, so crane needs --index (it pushes index.json as an index).
    const target = `${host}/manifesto/interop:v1`;
    await peer('crane', ['--insecure', 'push', '--index', join(dir, 'M'), target]);
    const pushedIndex = JSON.parse(await peer('crane', ['--insecure', 'manifest', target]));
    assert.deepEqual(
      (pushedIndex.manifests as Descriptor[]).map((d) => d.digest).sort(),
      [image.digest, sig.digest, sbom.digest].sort(),
    );
    const imageBytes = await peer('crane', [
      '--insecure',
      'manifest',
      `${host}/manifesto/interop@${image.digest}`,
    ]);
    assert.equal(digestOf(encoder.encode(imageBytes)), image.digest);

    // crane writes full references as ref.name: `<host>/manifesto/interop:v1`.
    const pulled = join(dir, 'P');
    await peer('crane', ['--insecure', 'pull', '--format=oci', '--annotate-ref', target, pulled]);
    const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], target);

    const back = await openLayout(pulled);
    assert.deepEqual((await back.listTags()).tags, [target]);
    const resolved = await back.resolve('v1');
    assert.equal(resolved.digest, (await peer('crane', ['--insecure', 'digest', target])).trim());
    assert.deepEqual(await back.resolve(target), resolved);
    // The referrers are children of the pulled index: found by walking it.
    assert.deepEqual(
      (await back.referrers(image.digest)).manifests.map((d) => d.digest).sort(),
      [sig.digest, sbom.digest].sort(),
    );
    assert.equal(digestOf((await back.fetchManifest(image.digest)).bytes), image.digest);

    // A second pull (by digest) into the same layout adds an `@digest` ref.name, which is not a tag.
    await peer('crane', [
      '--insecure',
      'pull',
      '--format=oci',
      '--annotate-ref',
      `${host}/manifesto/interop@${image.digest}`,
      pulled,
    ]);
    assert.deepEqual((await back.resolve('v1')).digest, resolved.digest);
    assert.equal((await back.resolve(image.digest)).digest, image.digest);
  });
});
