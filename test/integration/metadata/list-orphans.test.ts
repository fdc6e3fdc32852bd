// `list REPO --orphans`: metadata whose image was deleted first is found through the repository's
// sha256-<hex> index tags (tag schema) and named with its gone subject, so `delete --orphan` can
// remove it; where referrers are not enumerable (referrers API, layout) the command says so.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pushTestImage } from '../../support/images.ts';
import { type BackendKind, metadataBackend } from './support/backends.ts';
import { okJson, type PutJson } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

interface OrphansJson {
  repository: string;
  enumerable: boolean;
  orphans: Array<{ subject: string; referrers: Array<{ digest: string; type?: string }> }>;
}

for (const kind of ['distribution', 'refreg', 'layout'] as BackendKind[]) {
  const backend = metadataBackend(kind);
  const files = scratchDir('manifesto-list-orphans-');
  describe(`list --orphans (${backend.label})`, () => {
    after(() => {
      files.remove();
      backend.cleanup();
    });

    it('finds the metadata of a deleted image (tag schema) or says it cannot, and delete --orphan removes it', async () => {
      const cli = backendCli(backend);
      const gone = await backend.newImage('orphans');
      // A second image of the same repository keeps its metadata: not an orphan.
      await pushTestImage(gone.repository, { tag: 'kept', seed: `${gone.name}-kept` });
      const kept = gone.ref.replace(/:v1$/, ':kept');
      const scan = files.file('scan.json', '{"findings":[]}');
      okJson<PutJson>(await cli.run(['put', kept, 'scan', scan, '--json']), 'put kept');
      const version = okJson<PutJson>(
        await cli.run(['put', gone.ref, 'scan', scan, '--json']),
        'put gone',
      ).version;
      await gone.repository.deleteManifest(gone.subject.digest);

      const repo = gone.ref.replace(/:v1$/, '');
      const result = await cli.run(['list', repo, '--orphans', '--json']);
      assert.equal(result.code, 0, result.stderr);
      const listed = JSON.parse(result.stdout.toString()) as OrphansJson;
      if (backend.tagSchema) {
        assert.equal(listed.enumerable, true);
        assert.deepEqual(
          listed.orphans.map((g) => [g.subject, g.referrers.map((r) => [r.digest, r.type])]),
          [[gone.subject.digest, [[version, 'scan']]]],
        );
        const table = await cli.run(['list', repo, '--orphans']);
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout.toString(), new RegExp(`${gone.subject.digest} +${version} +scan`));
        const deleted = await cli.run(['delete', gone.at(version), '--orphan']);
        assert.equal(deleted.code, 0, deleted.stderr);
        const after = JSON.parse(
          (await cli.run(['list', repo, '--orphans', '--json'])).stdout.toString(),
        ) as OrphansJson;
        assert.deepEqual(after.orphans, []);
      } else {
        assert.equal(listed.enumerable, false);
        assert.match(result.stderr, /only orphans in sha256-<hex> index tags can be found/);
      }
    });
  });
}
