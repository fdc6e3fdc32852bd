// Large histories on the referrers tag schema: the index of an image grows by ~500 bytes per version,
// and past ~8.5k versions it would exceed the 4 MiB manifest limit (distribution 2.8 refuses larger
// manifests with "request body too large"), after which the image's metadata could be neither read,
// pruned nor written. `put` refuses the version that would not fit, before writing anything, with a
// hint to prune; prune and delete still work on the full index. The full index is built directly (a
// few versions whose entries carry a filler annotation) rather than with thousands of puts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_MANIFEST_BYTES } from '../../../src/oci/media-types.ts';
import { editReferrersIndex, readReferrersIndexEntries } from '../../support/referrers-index.ts';
import { type MetadataBackend, metadataBackend, type TestImage } from './support/backends.ts';
import { failsWith, okJson, type PutJson, type RemovalJson } from './support/cli.ts';
import { type BackendCli, backendCli, scratchDir } from './support/suite.ts';

const VERSIONS = 8;

/** Fills the entries' annotations until the index is `free` bytes short of the limit. */
async function fillIndex(backend: MetadataBackend, image: TestImage, free: number): Promise<void> {
  await editReferrersIndex(backend.registry!, image.name, image.subject.digest, (entries) => {
    const bare = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: entries,
    }).length;
    // Each filler adds `,"org.example.filler":"…"` (24 bytes + its value).
    const per = Math.floor((MAX_MANIFEST_BYTES - free - bare) / entries.length) - 24;
    for (const entry of entries)
      entry.annotations = { ...entry.annotations, 'org.example.filler': 'x'.repeat(per) };
    return entries;
  });
}

const backend = metadataBackend('distribution');
describe(`full referrers index (${backend.label})`, () => {
  const files = scratchDir('manifesto-full-index-');
  let cli: BackendCli;
  after(() => {
    files.remove();
    backend.cleanup();
  });
  before(() => {
    cli = backendCli(backend);
  });

  async function putVersions(image: TestImage, count: number): Promise<string[]> {
    const versions: string[] = [];
    for (let i = 0; i < count; i++) {
      const path = files.file(`v${i}-${Date.now()}.json`, `{"n":${i}}`);
      versions.push(
        okJson<PutJson>(await cli.run(['put', image.ref, 'history', path, '--json']), 'put').version,
      );
    }
    return versions;
  }

  it('put refuses the version that would not fit (exit 12, hint to prune), writing nothing', async () => {
    const image = await backend.newImage('full-put');
    await putVersions(image, VERSIONS);
    await fillIndex(backend, image, 300);
    const before = await readReferrersIndexEntries(backend.registry!, image.name, image.subject.digest);
    const result = await cli.run(['put', image.ref, 'history', files.file('one-more.json', '{"n":99}')]);
    failsWith(result, 12, 'put into a full index', /manifest limit/);
    assert.match(result.stderr, /hint: .*manifesto prune/);
    const afterPut = await readReferrersIndexEntries(backend.registry!, image.name, image.subject.digest);
    assert.deepEqual(
      afterPut.map((e) => e.digest),
      before.map((e) => e.digest),
    );
  });

  it('prune and delete still work on the full index, and put works again after the prune', async () => {
    const image = await backend.newImage('full-prune');
    const versions = await putVersions(image, VERSIONS);
    await fillIndex(backend, image, 100);
    const deleted = okJson<RemovalJson>(
      await cli.run(['delete', image.ref, 'history', '--version', versions[0]!, '--json']),
      'delete',
    );
    assert.deepEqual(
      deleted.deleted.map((v) => v.version),
      [versions[0]],
    );
    const pruned = okJson<RemovalJson>(await cli.run(['prune', image.ref, '--keep', '2', '--json']), 'prune');
    assert.equal(pruned.deleted.length, VERSIONS - 3);
    const path = files.file('after-prune.json', '{"n":100}');
    const put = okJson<PutJson>(
      await cli.run(['put', image.ref, 'history', path, '--json']),
      'put after prune',
    );
    assert.deepEqual(
      (await cli.history(image, 'history')).map((v) => v.version),
      [put.version, versions.at(-1), versions.at(-2)],
    );
  });
});
