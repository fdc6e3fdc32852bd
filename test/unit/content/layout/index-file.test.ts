import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addManifest,
  emptyIndexFile,
  entryDigest,
  entryRefName,
  type IndexEntry,
  type IndexFile,
  lookupTag,
  newEntry,
  parseIndexFile,
  refNames,
  refNameTagSuffix,
  removeManifest,
  serializeIndexFile,
} from '../../../../src/content/layout/index-file.ts';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { ANNOTATION_REF_NAME } from '../../../../src/oci/descriptor.ts';
import { OCI_MANIFEST } from '../../../../src/oci/media-types.ts';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

function entry(digest: string, refName?: string, extra: Record<string, string> = {}): IndexEntry {
  const annotations = { ...extra, ...(refName === undefined ? {} : { [ANNOTATION_REF_NAME]: refName }) };
  return {
    mediaType: OCI_MANIFEST,
    digest,
    size: 10,
    ...(Object.keys(annotations).length === 0 ? {} : { annotations }),
  };
}

function index(...entries: IndexEntry[]): IndexFile {
  return { rest: { schemaVersion: 2 }, entries };
}

function summary(file: IndexFile | undefined): string[] {
  assert.ok(file);
  return file.entries.map((e) => `${entryDigest(e)?.slice(7, 8)}:${entryRefName(e) ?? ''}`);
}

describe('refNameTagSuffix', () => {
  it('takes the tag of a full reference after the last ":" beyond the last "/"', () => {
    assert.equal(refNameTagSuffix('docker.io/library/alpine:3.20'), '3.20');
    assert.equal(refNameTagSuffix('localhost:5000/team/app:v1'), 'v1');
  });
  it('finds no tag in plain names, registry ports, digests or a trailing colon', () => {
    assert.equal(refNameTagSuffix('v1'), undefined);
    assert.equal(refNameTagSuffix('example.com:test'), undefined);
    assert.equal(refNameTagSuffix('localhost:5000/app'), undefined);
    assert.equal(refNameTagSuffix(`docker.io/x@${A}`), undefined);
    assert.equal(refNameTagSuffix('docker.io/x:'), undefined);
  });
});

describe('lookupTag', () => {
  it('prefers an exact ref.name, the last one written', () => {
    const file = index(entry(A, 'registry.example/app:v1'), entry(B, 'v1'), entry(C, 'v1'));
    const found = lookupTag(file, 'v1');
    assert.equal(found.kind, 'found');
    assert.equal(found.kind === 'found' && found.digest, C);
  });
  it('falls back to full-reference ref.names ending in :tag', () => {
    const found = lookupTag(index(entry(A, 'docker.io/library/x:1.0'), entry(B, 'other')), '1.0');
    assert.equal(found.kind === 'found' && found.digest, A);
  });
  it('agreeing full references are fine; disagreeing ones are ambiguous', () => {
    const same = lookupTag(index(entry(A, 'a.example/x:v1'), entry(A, 'b.example/y:v1')), 'v1');
    assert.equal(same.kind, 'found');
    const differ = lookupTag(index(entry(A, 'a.example/x:v1'), entry(B, 'b.example/y:v1')), 'v1');
    assert.deepEqual(differ, { kind: 'ambiguous', refNames: ['a.example/x:v1', 'b.example/y:v1'] });
  });
  it('does not match a tag name that is only a part of a ref.name', () => {
    assert.equal(lookupTag(index(entry(A, 'example.com:test')), 'test').kind, 'missing');
    assert.equal(lookupTag(index(entry(A)), 'latest').kind, 'missing');
  });
  it('ignores entries without a valid digest', () => {
    const broken: IndexEntry = {
      mediaType: OCI_MANIFEST,
      digest: 'sha256:nope',
      annotations: { [ANNOTATION_REF_NAME]: 'v1' },
    };
    assert.equal(lookupTag(index(broken), 'v1').kind, 'missing');
    assert.deepEqual(refNames(index(broken, entry(A, 'v2'))), ['v2']);
  });
});

describe('addManifest', () => {
  it('adds an untagged entry once per digest', () => {
    const once = addManifest(index(), newEntry({ mediaType: OCI_MANIFEST, digest: A, size: 10 }, undefined));
    assert.deepEqual(summary(once), ['a:']);
    assert.equal(addManifest(once!, entry(A)), undefined);
    assert.equal(addManifest(index(entry(A, 'v1')), entry(A)), undefined, 'a tagged entry already keeps it');
  });
  it('tagging replaces the untagged entry of the digest', () => {
    assert.deepEqual(summary(addManifest(index(entry(A), entry(B)), entry(A, 'v1'), 'v1')), ['b:', 'a:v1']);
  });
  it('moving a tag keeps the old manifest as an untagged entry', () => {
    const moved = addManifest(index(entry(A, 'v1', { 'org.example': 'kept' })), entry(B, 'v1'), 'v1');
    assert.deepEqual(summary(moved), ['a:', 'b:v1']);
    assert.deepEqual(moved!.entries[0]!.annotations, { 'org.example': 'kept' });
  });
  it('moving a tag drops the old entry when the old manifest has another entry', () => {
    assert.deepEqual(summary(addManifest(index(entry(A, 'v1'), entry(A, 'v2')), entry(B, 'v1'), 'v1')), [
      'a:v2',
      'b:v1',
    ]);
  });
  it('re-tagging the same digest is no change; a second tag adds an entry', () => {
    assert.equal(addManifest(index(entry(A, 'v1')), entry(A, 'v1'), 'v1'), undefined);
    assert.deepEqual(summary(addManifest(index(entry(A, 'v1')), entry(A, 'v2'), 'v2')), ['a:v1', 'a:v2']);
  });
  it('leaves full-reference ref.names alone', () => {
    assert.deepEqual(summary(addManifest(index(entry(A, 'docker.io/x/y:v1')), entry(B, 'v1'), 'v1')), [
      'a:docker.io/x/y:v1',
      'b:v1',
    ]);
  });
  it('writes mediaType, digest, size, ref.name and the artifactType', () => {
    assert.deepEqual(newEntry({ mediaType: OCI_MANIFEST, digest: A, size: 3 }, 'application/x', 'v1'), {
      mediaType: OCI_MANIFEST,
      digest: A,
      size: 3,
      annotations: { [ANNOTATION_REF_NAME]: 'v1' },
      artifactType: 'application/x',
    });
  });
});

describe('removeManifest', () => {
  it('removes every entry of the digest, tags included', () => {
    assert.deepEqual(summary(removeManifest(index(entry(A, 'v1'), entry(B), entry(A)), A)), ['b:']);
    assert.equal(removeManifest(index(entry(B)), A), undefined);
  });
});

describe('parseIndexFile / serializeIndexFile', () => {
  it('keeps unknown top-level fields and entry fields through a rewrite', () => {
    const text = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      annotations: { 'org.example': 'x' },
      manifests: [{ ...entry(A, 'v1'), platform: { os: 'linux', architecture: 'amd64' }, 'x-extra': 1 }],
    });
    const parsed = parseIndexFile(text, 'index.json');
    const rewritten = JSON.parse(serializeIndexFile(addManifest(parsed, entry(B))!));
    assert.deepEqual(rewritten.annotations, { 'org.example': 'x' });
    assert.equal(rewritten.manifests[0]['x-extra'], 1);
    assert.deepEqual(rewritten.manifests[0].platform, { os: 'linux', architecture: 'amd64' });
    assert.equal(rewritten.manifests.length, 2);
  });
  it('treats a missing manifests list as empty', () => {
    assert.deepEqual(parseIndexFile('{"schemaVersion":2}', 'index.json').entries, []);
    assert.deepEqual(JSON.parse(serializeIndexFile(emptyIndexFile())), {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
  });
  for (const [name, text] of [
    ['not JSON', '{'],
    ['not an object', '[]'],
    ['manifests not an array', '{"manifests":{}}'],
    ['an entry not an object', '{"manifests":[1]}'],
  ] as const) {
    it(`rejects an index that is ${name} with an integrity error`, () => {
      assert.throws(
        () => parseIndexFile(text, 'index.json'),
        (error: unknown) =>
          isManifestoError(error) && error.code === 'LAYOUT_INDEX_INVALID' && error.category === 'integrity',
      );
    });
  }
});
