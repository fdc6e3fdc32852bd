import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latestVersion, orderNewestFirst } from '../../../src/metadata/ordering.ts';
import { type MetadataVersion, versionFromDescriptor } from '../../../src/metadata/version.ts';

function digestOfName(name: string): string {
  return `sha256:${name.padEnd(64, '0')}`;
}

function version(name: string, created: string | undefined, supersedes?: string): MetadataVersion {
  const annotations: Record<string, string> = { 'dev.manifesto.type': 'vuln' };
  if (created !== undefined) annotations['org.opencontainers.image.created'] = created;
  if (supersedes !== undefined) annotations['dev.manifesto.supersedes'] = digestOfName(supersedes);
  return versionFromDescriptor({
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digestOfName(name),
    size: 500,
    artifactType: 'application/vnd.manifesto.vuln.v1',
    annotations,
  });
}

const names = (versions: MetadataVersion[]) => versions.map((v) => v.digest.slice(7, 9));

describe('latest and history order', () => {
  it('orders by creation time when nothing supersedes anything', () => {
    const vs = [
      version('a1', '2026-01-01T00:00:00.000Z'),
      version('b2', '2026-01-03T00:00:00.000Z'),
      version('c3', '2026-01-02T00:00:00.000Z'),
    ];
    assert.deepEqual(names(orderNewestFirst(vs)), ['b2', 'c3', 'a1']);
  });

  it('a superseding version is newer even when its writer clock is behind', () => {
    const vs = [version('a1', '2026-01-05T00:00:00.000Z'), version('b2', '2026-01-01T00:00:00.000Z', 'a1')];
    assert.equal(latestVersion(vs)?.digest, digestOfName('b2'));
    assert.deepEqual(names(orderNewestFirst(vs)), ['b2', 'a1']);
  });

  it('follows a chain of supersedes whatever the timestamps', () => {
    const vs = [
      version('c3', '2026-01-01T00:00:00.000Z', 'b2'),
      version('a1', '2026-01-03T00:00:00.000Z'),
      version('b2', '2026-01-02T00:00:00.000Z', 'a1'),
    ];
    assert.deepEqual(names(orderNewestFirst(vs)), ['c3', 'b2', 'a1']);
  });

  it('breaks equal creation times by the greater digest', () => {
    const t = '2026-01-01T00:00:00.000Z';
    assert.deepEqual(names(orderNewestFirst([version('a1', t), version('f9', t), version('c3', t)])), [
      'f9',
      'c3',
      'a1',
    ]);
  });

  it('counts missing creation times as oldest', () => {
    assert.deepEqual(
      names(orderNewestFirst([version('f9', undefined), version('a1', '2020-01-01T00:00:00.000Z')])),
      ['a1', 'f9'],
    );
  });

  it('two concurrent writers superseding the same version: newest head wins, both before the old one', () => {
    const vs = [
      version('a1', '2026-01-01T00:00:00.000Z'),
      version('b2', '2026-01-02T00:00:00.000Z', 'a1'),
      version('c3', '2026-01-02T00:00:00.500Z', 'a1'),
    ];
    assert.deepEqual(names(orderNewestFirst(vs)), ['c3', 'b2', 'a1']);
  });

  it('deleting the latest makes the one it superseded latest again', () => {
    const vs = [version('a1', '2026-01-01T00:00:00.000Z'), version('c3', '2026-01-01T00:00:00.000Z', 'b2')];
    // b2 was deleted; c3 names a missing version, so both are heads: c3 is newer by digest.
    assert.equal(latestVersion(vs)?.digest, digestOfName('c3'));
    assert.equal(latestVersion([version('a1', '2026-01-01T00:00:00.000Z')])?.digest, digestOfName('a1'));
  });

  it('survives a hand-made cycle', () => {
    const vs = [
      version('a1', '2026-01-01T00:00:00.000Z', 'b2'),
      version('b2', '2026-01-02T00:00:00.000Z', 'a1'),
    ];
    assert.deepEqual(names(orderNewestFirst(vs)), ['b2', 'a1']);
  });

  it('returns undefined for no versions', () => {
    assert.equal(latestVersion([]), undefined);
  });
});
