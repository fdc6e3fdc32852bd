// `delete IMAGE --all-types`: every manifesto version of every type of an image and their signatures,
// in one batch, so that deleting the image afterwards leaves no metadata orphaned (before, each type
// had to be deleted on its own, and deleting a version left its signature behind). Real backends, a
// real signed version (key generate, put --sign).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { type BackendKind, metadataBackend } from './support/backends.ts';
import { type ListJson, ok, okJson, type PutJson, runCli } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

for (const kind of ['distribution', 'refreg', 'layout'] as BackendKind[]) {
  const backend = metadataBackend(kind);
  const files = scratchDir('manifesto-all-types-');
  describe(`delete --all-types (${backend.label})`, () => {
    after(() => {
      files.remove();
      backend.cleanup();
    });

    it('deletes every version of every type and their signatures; other images keep theirs', async () => {
      const cli = backendCli(backend);
      const image = await backend.newImage('all-types');
      const other = await backend.newImage('all-types-other');
      ok(
        await runCli(['key', 'generate', '--out', join(files.dir, 'ci')], { env: backend.env }),
        'key generate',
      );
      const put = async (target: string, type: string, n: number, extra: string[] = []) =>
        okJson<PutJson & { signature?: { digest: string } }>(
          await cli.run([
            'put',
            target,
            type,
            files.file(`${type}-${n}.json`, `{"n":${n}}`),
            '--json',
            ...extra,
          ]),
          `put ${type}`,
        );
      const versions = [
        (await put(image.ref, 'alpha', 1)).version,
        (await put(image.ref, 'alpha', 2)).version,
        (await put(image.ref, 'beta', 1)).version,
      ];
      const signed = await put(image.ref, 'beta', 2, ['--sign', join(files.dir, 'ci.key')]);
      versions.push(signed.version);
      assert.ok(signed.signature?.digest, 'the put signed its version');
      const kept = (await put(other.ref, 'alpha', 9)).version;

      const removed = okJson<{ deleted: Array<{ version: string }>; signatures: string[] }>(
        await cli.run(['delete', image.ref, '--all-types', '--json']),
        'delete --all-types',
      );
      assert.deepEqual(removed.deleted.map((v) => v.version).sort(), [...versions].sort());
      assert.deepEqual(removed.signatures, [signed.signature!.digest]);
      assert.deepEqual(okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list').types, []);
      await assert.rejects(
        image.repository.fetchManifest(signed.signature!.digest),
        (e: unknown) => isManifestoError(e) && e.category === 'not-found',
      );
      assert.deepEqual(
        (await cli.history(other, 'alpha')).map((v) => v.version),
        [kept],
      );
    });

    it('refuses --all-types with a TYPE, --version or --all (exit 2)', async () => {
      const cli = backendCli(backend);
      const image = await backend.newImage('all-types-flags');
      assert.equal((await cli.run(['delete', image.ref, 'alpha', '--all-types'])).code, 2);
      assert.equal((await cli.run(['delete', image.ref, '--all-types', '--all'])).code, 2);
    });
  });
}
