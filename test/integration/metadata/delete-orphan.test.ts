// `delete REPO@DIGEST --orphan`: a metadata version whose image was deleted first could not be
// removed by manifesto (every command needs the image: exit 3). Now it can, by digest, with its
// listing entry (on the tag schema the index of the gone image, which goes when it becomes empty);
// a referrer whose subject still exists is refused.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { type BackendKind, metadataBackend } from './support/backends.ts';
import { okJson, type PutJson } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

for (const kind of ['distribution', 'refreg', 'layout'] as BackendKind[]) {
  const backend = metadataBackend(kind);
  const files = scratchDir('manifesto-orphan-');
  describe(`delete --orphan (${backend.label})`, () => {
    after(() => {
      files.remove();
      backend.cleanup();
    });

    it('deletes a version whose image is gone, and refuses one whose image exists', async () => {
      const cli = backendCli(backend);
      const image = await backend.newImage('orphan');
      const path = files.file('scan.json', '{"findings":[]}');
      const version = okJson<PutJson>(
        await cli.run(['put', image.ref, 'scan', path, '--json']),
        'put',
      ).version;

      const refused = await cli.run(['delete', image.at(version), '--orphan']);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /not an orphan/);

      await image.repository.deleteManifest(image.subject.digest);
      const deleted = await cli.run(['delete', image.at(version), '--orphan', '--json']);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.deepEqual(JSON.parse(deleted.stdout.toString()), {
        deleted: version,
        subject: image.subject.digest,
      });
      await assert.rejects(
        image.repository.fetchManifest(version),
        (e: unknown) => isManifestoError(e) && e.category === 'not-found',
      );
      assert.deepEqual((await image.repository.referrers(image.subject.digest)).manifests, []);
      if (backend.tagSchema) assert.equal(await backend.referrersTagStatus(image), 404);
    });
  });
}
