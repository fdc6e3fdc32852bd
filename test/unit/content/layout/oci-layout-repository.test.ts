import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type OciLayoutRepository,
  openLayout,
} from '../../../../src/content/layout/oci-layout-repository.ts';
import type { ReferrersResult } from '../../../../src/content/repository.ts';
import { type ErrorCategory, isManifestoError } from '../../../../src/errors/errors.ts';
import { ANNOTATION_REF_NAME } from '../../../../src/oci/descriptor.ts';
import { digestOf } from '../../../../src/oci/digest.ts';
import {
  EMPTY_JSON_BYTES,
  MAX_MANIFEST_BYTES,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../../../src/oci/media-types.ts';
import {
  decoder,
  descriptorOf,
  EMPTY_DESCRIPTOR,
  encoder,
  imageManifest,
  pushImage,
  tempDir,
} from './layout-fixtures.ts';

function rejectsWith(code: string, category: ErrorCategory) {
  return (error: unknown): boolean => {
    assert.ok(isManifestoError(error), `expected a ManifestoError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.category, category);
    return true;
  };
}

async function newLayout(t: Parameters<typeof tempDir>[0]): Promise<OciLayoutRepository> {
  return openLayout(join(await tempDir(t), 'layout'), { create: true });
}

async function readIndexJson(repo: OciLayoutRepository): Promise<{ manifests: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(join(repo.root, 'index.json'), 'utf8'));
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function digests(result: ReferrersResult): string[] {
  return result.manifests.map((d) => d.digest).sort();
}

describe('openLayout', () => {
  it('creates the directory, oci-layout, blobs/ and an empty index.json', async (t) => {
    const dir = join(await tempDir(t), 'a', 'b');
    const repo = await openLayout(dir, { create: true });
    assert.equal(repo.location, `oci:${dir}`);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), {
      imageLayoutVersion: '1.0.0',
    });
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')), {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [],
    });
    assert.ok((await stat(join(dir, 'blobs'))).isDirectory());
    // Opening again (with or without create) keeps what is there.
    await pushImage(repo, {}, 'v1');
    await openLayout(dir, { create: true });
    assert.deepEqual((await (await openLayout(dir)).listTags()).tags, ['v1']);
  });

  it('refuses a missing directory or a directory that is not a layout, with a hint', async (t) => {
    const dir = await tempDir(t);
    for (const path of [join(dir, 'missing'), dir]) {
      await assert.rejects(openLayout(path), (error: unknown) => {
        rejectsWith('LAYOUT_NOT_FOUND', 'not-found')(error);
        assert.match((error as Error & { hint: string }).hint, /oci-layout/);
        return true;
      });
    }
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(
      openLayout(join(dir, 'file'), { create: true }),
      rejectsWith('LAYOUT_NOT_FOUND', 'not-found'),
    );
  });

  it('refuses unsupported or malformed oci-layout files', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await assert.rejects(openLayout(dir), rejectsWith('LAYOUT_VERSION_UNSUPPORTED', 'unsupported'));
    await writeFile(join(dir, 'oci-layout'), 'nope');
    await assert.rejects(openLayout(dir), rejectsWith('LAYOUT_INVALID', 'integrity'));
  });

  it('reads a layout without index.json as empty and creates index.json on the first write', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    const repo = await openLayout(dir);
    assert.deepEqual(await repo.listTags(), { tags: [] });
    await pushImage(repo, {}, 'v1');
    assert.equal((await readIndexJson(repo)).manifests.length, 1);
  });
});

describe('manifests', () => {
  it('round-trips a tagged manifest: push, resolve by tag and digest, fetch exact bytes', async (t) => {
    const repo = await newLayout(t);
    const bytes = imageManifest({ annotations: { a: 'b' } });
    await repo.pushBlob(EMPTY_DESCRIPTOR, EMPTY_JSON_BYTES);
    const pushed = await repo.pushManifest(bytes, { mediaType: OCI_MANIFEST, tag: 'v1' });
    assert.deepEqual(pushed, descriptorOf(bytes));
    assert.deepEqual(await repo.resolve('v1'), pushed);
    assert.deepEqual(await repo.resolve(pushed.digest), pushed);
    for (const reference of ['v1', pushed.digest]) {
      const fetched = await repo.fetchManifest(reference);
      assert.deepEqual(fetched.descriptor, pushed);
      assert.deepEqual(fetched.bytes, bytes);
    }
    const blobFile = join(repo.root, 'blobs', 'sha256', pushed.digest.slice(7));
    assert.deepEqual(new Uint8Array(await readFile(blobFile)), bytes);
    assert.deepEqual((await readIndexJson(repo)).manifests, [
      { ...pushed, annotations: { [ANNOTATION_REF_NAME]: 'v1' } },
    ]);
  });

  it('a fresh instance reads what another instance wrote', async (t) => {
    const repo = await newLayout(t);
    const pushed = await pushImage(repo, {}, 'v1');
    const other = await openLayout(repo.root);
    assert.deepEqual(await other.resolve('v1'), pushed);
    assert.deepEqual((await other.fetchManifest(pushed.digest)).descriptor, pushed);
  });

  it('gives every pushed manifest an index.json entry, tagged or not, with its artifactType', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const sbom = await pushImage(repo, { artifactType: 'application/spdx+json', subject: image });
    const { manifests } = await readIndexJson(repo);
    assert.deepEqual(manifests, [
      { ...image, annotations: { [ANNOTATION_REF_NAME]: 'v1' } },
      { ...sbom, artifactType: 'application/spdx+json' },
    ]);
    // Pushing the same manifest again changes nothing.
    const before = await readFile(join(repo.root, 'index.json'), 'utf8');
    await pushImage(repo, { artifactType: 'application/spdx+json', subject: image });
    assert.equal(await readFile(join(repo.root, 'index.json'), 'utf8'), before);
  });

  it('moving a tag keeps the previous manifest as an untagged entry', async (t) => {
    const repo = await newLayout(t);
    const first = await pushImage(repo, { annotations: { n: '1' } }, 'v1');
    const second = await pushImage(repo, { annotations: { n: '2' } }, 'v1');
    assert.deepEqual(await repo.resolve('v1'), second);
    assert.deepEqual(
      (await readIndexJson(repo)).manifests.map((m) => [m.digest, m.annotations]),
      [
        [first.digest, undefined],
        [second.digest, { [ANNOTATION_REF_NAME]: 'v1' }],
      ],
    );
    assert.deepEqual((await repo.fetchManifest(first.digest)).descriptor, first);
  });

  it('resolves a full-reference ref.name by its tag (crane, skopeo) and lists ref.names as written', async (t) => {
    const repo = await newLayout(t);
    const pushed = await pushImage(repo);
    const index = await readIndexJson(repo);
    index.manifests[0]!.annotations = { [ANNOTATION_REF_NAME]: 'docker.io/library/app:1.0' };
    await writeFile(join(repo.root, 'index.json'), JSON.stringify(index));
    assert.deepEqual(await repo.resolve('1.0'), pushed);
    assert.deepEqual(await repo.resolve('docker.io/library/app:1.0'), pushed);
    assert.deepEqual((await repo.listTags()).tags, ['docker.io/library/app:1.0']);
  });

  it('ambiguous full-reference tags are an "ambiguous" error', async (t) => {
    const repo = await newLayout(t);
    const a = await pushImage(repo, { annotations: { n: 'a' } });
    const b = await pushImage(repo, { annotations: { n: 'b' } });
    await writeFile(
      join(repo.root, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { ...a, annotations: { [ANNOTATION_REF_NAME]: 'x.example/a:v1' } },
          { ...b, annotations: { [ANNOTATION_REF_NAME]: 'y.example/b:v1' } },
        ],
      }),
    );
    await assert.rejects(repo.resolve('v1'), rejectsWith('TAG_AMBIGUOUS', 'ambiguous'));
  });

  it('unknown tags and digests are "not-found"; invalid input is "usage"', async (t) => {
    const repo = await newLayout(t);
    await assert.rejects(repo.resolve('nope'), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(repo.fetchManifest('nope'), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(
      repo.resolve(digestOf(encoder.encode('x'))),
      rejectsWith('MANIFEST_UNKNOWN', 'not-found'),
    );
    await assert.rejects(repo.resolve(''), rejectsWith('REFERENCE_INVALID', 'usage'));
    await assert.rejects(pushImage(repo, {}, 'bad tag'), rejectsWith('TAG_INVALID', 'usage'));
    await assert.rejects(repo.deleteManifest('v1'), rejectsWith('DIGEST_INVALID', 'usage'));
  });

  it('a blob that is not a manifest does not resolve as one', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('plain layer');
    const desc = descriptorOf(content, 'application/octet-stream');
    await repo.pushBlob(desc, content);
    await assert.rejects(repo.resolve(desc.digest), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(repo.fetchManifest(desc.digest), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(repo.deleteManifest(desc.digest), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    assert.ok(await repo.statBlob(desc.digest), 'deleteManifest leaves non-manifest blobs alone');
  });

  it('takes the media type from the manifest, inferring it when the field is absent', async (t) => {
    const repo = await newLayout(t);
    const noField = encoder.encode(
      JSON.stringify({ schemaVersion: 2, config: EMPTY_DESCRIPTOR, layers: [] }),
    );
    const pushed = await repo.pushManifest(noField, { mediaType: OCI_MANIFEST });
    assert.equal((await openLayout(repo.root).then((r) => r.resolve(pushed.digest))).mediaType, OCI_MANIFEST);
    const index = encoder.encode(JSON.stringify({ schemaVersion: 2, manifests: [pushed] }));
    const pushedIndex = await repo.pushManifest(index, { mediaType: OCI_INDEX, tag: 'multi' });
    assert.equal(
      (await openLayout(repo.root).then((r) => r.resolve(pushedIndex.digest))).mediaType,
      OCI_INDEX,
    );
    assert.equal((await repo.fetchManifest('multi')).descriptor.mediaType, OCI_INDEX);
  });

  it('refuses invalid manifests and a mediaType field that disagrees with the given media type', async (t) => {
    const repo = await newLayout(t);
    await assert.rejects(
      repo.pushManifest(encoder.encode('not json'), { mediaType: OCI_MANIFEST }),
      rejectsWith('MANIFEST_INVALID', 'usage'),
    );
    await assert.rejects(
      repo.pushManifest(imageManifest(), { mediaType: OCI_INDEX }),
      rejectsWith('MANIFEST_INVALID', 'usage'),
    );
    await assert.rejects(
      repo.pushManifest(encoder.encode('{}'), { mediaType: 'application/octet-stream' }),
      rejectsWith('MANIFEST_MEDIA_TYPE_UNSUPPORTED', 'unsupported'),
    );
    assert.deepEqual((await readIndexJson(repo)).manifests, []);
  });

  it('refuses manifests over MAX_MANIFEST_BYTES both ways', async (t) => {
    const repo = await newLayout(t);
    const big = imageManifest({ annotations: { pad: 'x'.repeat(MAX_MANIFEST_BYTES) } });
    await assert.rejects(
      repo.pushManifest(big, { mediaType: OCI_MANIFEST }),
      rejectsWith('MANIFEST_TOO_LARGE', 'usage'),
    );
    // Stored by another tool: refused on read.
    const desc = descriptorOf(big);
    await repo.pushBlob(desc, big);
    await writeFile(
      join(repo.root, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ ...desc, annotations: { [ANNOTATION_REF_NAME]: 'big' } }],
      }),
    );
    await assert.rejects(repo.fetchManifest('big'), rejectsWith('MANIFEST_TOO_LARGE', 'integrity'));
    await assert.rejects(repo.resolve(desc.digest), rejectsWith('MANIFEST_TOO_LARGE', 'integrity'));
    await assert.rejects(repo.referrers(desc.digest), rejectsWith('MANIFEST_TOO_LARGE', 'integrity'));
  });

  it('verifies manifests on read: a corrupted blob file is an integrity error', async (t) => {
    const repo = await newLayout(t);
    const pushed = await pushImage(repo, { annotations: { x: 'y' } }, 'v1');
    const subject = await pushImage(repo, { annotations: { subject: 'yes' } });
    const file = join(repo.root, 'blobs', 'sha256', pushed.digest.slice(7));
    const tampered = (await readFile(file, 'utf8')).replace('"y"', '"z"');
    await chmod(file, 0o644);
    await writeFile(file, tampered);
    const fresh = await openLayout(repo.root);
    await assert.rejects(fresh.fetchManifest('v1'), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    await assert.rejects(fresh.fetchManifest(pushed.digest), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    await assert.rejects(fresh.resolve(pushed.digest), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    await assert.rejects(fresh.referrers(subject.digest), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    // A truncated file (size differs from index.json): also integrity.
    await writeFile(file, tampered.slice(0, 10));
    await assert.rejects(
      (await openLayout(repo.root)).fetchManifest('v1'),
      rejectsWith('SIZE_MISMATCH', 'integrity'),
    );
  });
});

describe('deleteManifest', () => {
  it('removes the entries (tags too) and the blob', async (t) => {
    const repo = await newLayout(t);
    const keep = await pushImage(repo, { annotations: { n: 'keep' } }, 'keep');
    const gone = await pushImage(repo, { annotations: { n: 'gone' } }, 'v1');
    await repo.pushManifest(imageManifest({ annotations: { n: 'gone' } }), {
      mediaType: OCI_MANIFEST,
      tag: 'v2',
    });
    await repo.deleteManifest(gone.digest);
    assert.deepEqual((await repo.listTags()).tags, ['keep']);
    assert.equal(await repo.statBlob(gone.digest), undefined);
    await assert.rejects(repo.resolve('v1'), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(repo.fetchManifest(gone.digest), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    await assert.rejects(repo.deleteManifest(gone.digest), rejectsWith('MANIFEST_UNKNOWN', 'not-found'));
    assert.deepEqual(await repo.resolve('keep'), keep);
    assert.ok(await repo.statBlob(EMPTY_DESCRIPTOR.digest), 'config and layer blobs stay');
  });

  it('removes a referrer from the referrers listing', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const sig = await pushImage(repo, { artifactType: 'application/x-sig', subject: image });
    assert.deepEqual(digests(await repo.referrers(image.digest)), [sig.digest]);
    await repo.deleteManifest(sig.digest);
    assert.deepEqual((await repo.referrers(image.digest)).manifests, []);
  });

  it('keeps the blob of a manifest another index in the layout references', async (t) => {
    const repo = await newLayout(t);
    const child = await pushImage(repo, { annotations: { n: 'child' } });
    const index = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [child] }),
    );
    await repo.pushManifest(index, { mediaType: OCI_INDEX, tag: 'multi' });
    await repo.deleteManifest(child.digest);
    assert.deepEqual(
      (await readIndexJson(repo)).manifests.map((m) => m.digest),
      [digestOf(index)],
    );
    assert.deepEqual((await repo.fetchManifest(child.digest)).descriptor, child);
  });
});

describe('blobs', () => {
  it('pushes, stats, streams and reads blobs (bytes and streams, sha256 and sha512)', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('hello layout');
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const desc = {
        mediaType: 'text/plain',
        digest: digestOf(content, algorithm),
        size: content.byteLength,
      };
      assert.equal(await repo.statBlob(desc.digest), undefined);
      await repo.pushBlob(desc, content);
      assert.deepEqual(await repo.statBlob(desc.digest), {
        mediaType: 'application/octet-stream',
        digest: desc.digest,
        size: content.byteLength,
      });
      assert.deepEqual(await collect(repo.fetchBlob(desc)), Buffer.from(content));
      assert.deepEqual(await repo.fetchBlobBytes(desc, 100), new Uint8Array(content));
      assert.ok((await stat(join(repo.root, 'blobs', algorithm, desc.digest.split(':')[1]!))).isFile());
    }
    // Streamed, multi-chunk, big enough for several read chunks.
    const big = new Uint8Array(1024 * 1024 + 17).map((_, i) => i % 251);
    const bigDesc = descriptorOf(big, 'application/octet-stream');
    let opened = 0;
    await repo.pushBlob(bigDesc, {
      async *open() {
        opened++;
        for (let i = 0; i < big.byteLength; i += 100_000) yield big.subarray(i, i + 100_000);
      },
    });
    assert.equal(opened, 1);
    assert.deepEqual(new Uint8Array(await collect(repo.fetchBlob(bigDesc))), big);
  });

  it('pushing an existing blob is a no-op that does not read the source', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('again');
    const desc = descriptorOf(content, 'text/plain');
    await repo.pushBlob(desc, content);
    await repo.pushBlob(desc, {
      open() {
        throw new Error('must not be opened');
      },
    });
    assert.deepEqual(await repo.fetchBlobBytes(desc, 10), new Uint8Array(content));
  });

  it('a digest or size mismatch on push leaves nothing behind', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('the real content');
    const wrongDigest = {
      mediaType: 'text/plain',
      digest: digestOf(encoder.encode('other')),
      size: content.byteLength,
    };
    await assert.rejects(repo.pushBlob(wrongDigest, content), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    const stream = {
      async *open() {
        yield content;
      },
    };
    await assert.rejects(repo.pushBlob(wrongDigest, stream), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    const wrongSize = { ...descriptorOf(content), size: content.byteLength - 1 };
    await assert.rejects(repo.pushBlob(wrongSize, stream), rejectsWith('SIZE_MISMATCH', 'integrity'));
    const failing = {
      async *open(): AsyncGenerator<Uint8Array> {
        yield content.subarray(0, 3);
        throw new Error('source broke');
      },
    };
    await assert.rejects(repo.pushBlob(descriptorOf(content), failing), /source broke/);
    assert.deepEqual(await readdir(join(repo.root, 'blobs', 'sha256')), []);
  });

  it('verifies blobs on read: corruption is an integrity error at the end of the stream', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('precious bytes');
    const desc = descriptorOf(content, 'text/plain');
    await repo.pushBlob(desc, content);
    const file = join(repo.root, 'blobs', 'sha256', desc.digest.slice(7));
    await chmod(file, 0o644);
    await writeFile(file, 'precious bytez');
    await assert.rejects(collect(repo.fetchBlob(desc)), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    await assert.rejects(repo.fetchBlobBytes(desc, 100), rejectsWith('DIGEST_MISMATCH', 'integrity'));
    await writeFile(file, 'precious bytes and more');
    await assert.rejects(collect(repo.fetchBlob(desc)), rejectsWith('SIZE_MISMATCH', 'integrity'));
  });

  it('missing blobs are "not-found"; fetchBlobBytes refuses more than maxBytes', async (t) => {
    const repo = await newLayout(t);
    const content = encoder.encode('0123456789');
    const desc = descriptorOf(content, 'text/plain');
    await assert.rejects(collect(repo.fetchBlob(desc)), rejectsWith('BLOB_UNKNOWN', 'not-found'));
    await assert.rejects(repo.fetchBlobBytes(desc, 100), rejectsWith('BLOB_UNKNOWN', 'not-found'));
    await repo.pushBlob(desc, content);
    await assert.rejects(repo.fetchBlobBytes(desc, 9), rejectsWith('BLOB_TOO_LARGE', 'usage'));
    // The descriptor understates the size: refused from the file's size, before reading it.
    await assert.rejects(
      repo.fetchBlobBytes({ ...desc, size: 5 }, 9),
      rejectsWith('SIZE_MISMATCH', 'integrity'),
    );
    await assert.rejects(repo.statBlob('sha256:short'), rejectsWith('DIGEST_INVALID', 'usage'));
  });
});

describe('listTags', () => {
  it('lists ref.names sorted, paged with last and limit', async (t) => {
    const repo = await newLayout(t);
    for (const tag of ['v2', 'latest', 'v10', 'a', 'v1'])
      await pushImage(repo, { annotations: { tag } }, tag);
    await pushImage(repo, { annotations: { tag: 'none' } });
    assert.deepEqual(await repo.listTags(), { tags: ['a', 'latest', 'v1', 'v10', 'v2'] });
    assert.deepEqual(await repo.listTags({ limit: 2 }), { tags: ['a', 'latest'], next: 'latest' });
    assert.deepEqual(await repo.listTags({ last: 'latest', limit: 2 }), { tags: ['v1', 'v10'], next: 'v10' });
    assert.deepEqual(await repo.listTags({ last: 'v10', limit: 2 }), { tags: ['v2'] });
    assert.deepEqual(await repo.listTags({ last: 'v2' }), { tags: [] });
    await assert.rejects(repo.listTags({ limit: 0 }), rejectsWith('LIMIT_INVALID', 'usage'));
  });
});

describe('referrers', () => {
  it('lists manifests whose subject is the digest, as the referrers API describes them', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const other = await pushImage(repo, { annotations: { n: 'other' } }, 'v2');
    const sbom = await pushImage(repo, {
      artifactType: 'application/spdx+json',
      subject: image,
      annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
    });
    // An image manifest without artifactType: the config media type stands in.
    await repo.pushBlob(
      { mediaType: 'application/x-sig-config', digest: EMPTY_DESCRIPTOR.digest, size: 2 },
      EMPTY_JSON_BYTES,
    );
    const sig = await pushImage(repo, {
      config: { mediaType: 'application/x-sig-config', digest: EMPTY_DESCRIPTOR.digest, size: 2 },
      subject: image,
    });
    await pushImage(repo, { artifactType: 'application/spdx+json', subject: other });

    const result = await repo.referrers(image.digest);
    assert.equal(result.source, 'layout');
    assert.equal(result.filtered, false);
    assert.deepEqual(result.state, { source: 'layout' });
    assert.deepEqual(
      result.manifests.sort((a, b) => a.digest.localeCompare(b.digest)),
      [
        {
          ...sbom,
          artifactType: 'application/spdx+json',
          annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
        },
        { ...sig, artifactType: 'application/x-sig-config' },
      ].sort((a, b) => a.digest.localeCompare(b.digest)),
    );

    const filtered = await repo.referrers(image.digest, { artifactType: 'application/spdx+json' });
    assert.equal(filtered.filtered, true);
    assert.deepEqual(digests(filtered), [sbom.digest]);
    assert.deepEqual(
      (await repo.referrers(image.digest, { artifactType: 'application/none' })).manifests,
      [],
    );
    assert.deepEqual((await repo.referrers(digestOf(encoder.encode('absent')))).manifests, []);
  });

  it('finds referrers written by another instance (reads index.json afresh)', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    assert.deepEqual((await repo.referrers(image.digest)).manifests, []);
    const writer = await openLayout(repo.root);
    const sig = await pushImage(writer, { artifactType: 'application/x-sig', subject: image });
    assert.deepEqual(digests(await repo.referrers(image.digest)), [sig.digest]);
  });

  it('finds referrers among the children of indexes, and in a referrers tag-schema index (regclient)', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    // Referrer manifests stored as blobs only, listed by indexes rather than by index.json.
    const nested = imageManifest({ artifactType: 'application/x-nested', subject: image });
    const viaTagSchema = imageManifest({ artifactType: 'application/x-regclient', subject: image });
    const nestedDesc = descriptorOf(nested);
    const schemaDesc = { ...descriptorOf(viaTagSchema), artifactType: 'application/x-regclient' };
    await repo.pushBlob(nestedDesc, nested);
    await repo.pushBlob(schemaDesc, viaTagSchema);
    const inner = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [nestedDesc] }),
    );
    const outer = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [descriptorOf(inner, OCI_INDEX)] }),
    );
    await repo.pushBlob(descriptorOf(inner, OCI_INDEX), inner);
    await repo.pushManifest(outer, { mediaType: OCI_INDEX, tag: 'bundle' });
    const tagSchema = encoder.encode(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [schemaDesc] }),
    );
    await repo.pushManifest(tagSchema, { mediaType: OCI_INDEX, tag: `sha256-${image.digest.slice(7)}` });

    assert.deepEqual(
      digests(await repo.referrers(image.digest)),
      [nestedDesc.digest, schemaDesc.digest].sort(),
    );
    // Deleting the referrer listed by the tag-schema index removes its blob (the tag-schema index does
    // not keep it alive), so it disappears from the listing.
    await repo.deleteManifest(schemaDesc.digest);
    assert.equal(await repo.statBlob(schemaDesc.digest), undefined);
    assert.deepEqual(digests(await repo.referrers(image.digest)), [nestedDesc.digest]);
  });

  it('skips index.json entries whose blobs are missing (a partial layout)', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const sig = await pushImage(repo, { subject: image, artifactType: 'application/x-sig' });
    const index = await readIndexJson(repo);
    index.manifests.push({ mediaType: OCI_MANIFEST, digest: digestOf(encoder.encode('gone')), size: 4 });
    index.manifests.push({ mediaType: OCI_CONFIG, digest: EMPTY_DESCRIPTOR.digest, size: 2 });
    await writeFile(join(repo.root, 'index.json'), JSON.stringify(index));
    assert.deepEqual(digests(await repo.referrers(image.digest)), [sig.digest]);
  });

  it('lists 1,000 referrers quickly, in one pass', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    const entries: object[] = [{ ...image, annotations: { [ANNOTATION_REF_NAME]: 'v1' } }];
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const bytes = imageManifest({
        artifactType: i % 2 === 0 ? 'application/x-even' : 'application/x-odd',
        subject: image,
        annotations: { i: String(i) },
      });
      const desc = descriptorOf(bytes);
      await mkdir(join(repo.root, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(repo.root, 'blobs', 'sha256', desc.digest.slice(7)), bytes);
      entries.push(desc);
      expected.push(desc.digest);
    }
    await writeFile(join(repo.root, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: entries }));

    const fresh = await openLayout(repo.root);
    let started = performance.now();
    const all = await fresh.referrers(image.digest);
    const cold = performance.now() - started;
    assert.deepEqual(digests(all), expected.sort());
    started = performance.now();
    const even = await fresh.referrers(image.digest, { artifactType: 'application/x-even' });
    const warm = performance.now() - started;
    assert.equal(even.manifests.length, 500);
    assert.ok(cold < 3000, `cold listing took ${cold.toFixed(0)} ms`);
    assert.ok(warm < 500, `cached listing took ${warm.toFixed(0)} ms`);
  });

  it('returns a decoded referrer manifest that fetchManifest serves', async (t) => {
    const repo = await newLayout(t);
    const image = await pushImage(repo, {}, 'v1');
    await pushImage(repo, { artifactType: 'application/x-note', subject: image });
    const [ref] = (await repo.referrers(image.digest)).manifests;
    assert.ok(ref);
    const fetched = await repo.fetchManifest(ref.digest);
    assert.equal(JSON.parse(decoder.decode(fetched.bytes)).subject.digest, image.digest);
  });
});
