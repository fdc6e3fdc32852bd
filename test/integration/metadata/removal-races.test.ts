// delete / prune racing another delete / prune of the same versions: the loser reaches the state it
// asked for (the versions are gone), so it succeeds and says they were already gone (it exited 3,
// MANIFEST_UNKNOWN, before). And a removal that fails part-way says exactly which versions it deleted.
// The race is made deterministic: the repository the loser uses lets the winner's complete removal
// run just before the loser's own (real backends; only the interleaving is arranged).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { DeleteManifestsOptions, Repository } from '../../../src/content/repository.ts';
import { isManifestoError, unsupportedError } from '../../../src/errors/errors.ts';
import { deleteMetadata, IncompleteRemovalError, pruneMetadata } from '../../../src/metadata/remove.ts';
import { type BackendKind, metadataBackend, type TestImage } from './support/backends.ts';
import { okJson, type PutJson } from './support/cli.ts';
import { type BackendCli, backendCli, scratchDir } from './support/suite.ts';

/** The repository, except that each deleteManifests lets another caller's identical one finish first. */
function losingTo(repository: Repository): Repository {
  return new Proxy(repository, {
    get(target, property, receiver) {
      if (property === 'deleteManifests') {
        return async (digests: readonly string[], options: DeleteManifestsOptions) => {
          await target.deleteManifests(digests, { subject: options.subject });
          return target.deleteManifests(digests, options);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const files = scratchDir('manifesto-removal-races-');
after(() => files.remove());

/** Stores `count` versions of a type through the CLI; returns their digests, oldest first. */
async function putVersions(
  cli: BackendCli,
  image: TestImage,
  type: string,
  count: number,
): Promise<string[]> {
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = files.file(`${type}-${i}-${Date.now()}.json`, `{"n":${i}}`);
    versions.push(okJson<PutJson>(await cli.run(['put', image.ref, type, path, '--json']), 'put').version);
  }
  return versions;
}

for (const kind of ['distribution', 'refreg', 'layout'] as BackendKind[]) {
  const backend = metadataBackend(kind);
  describe(`removal races (${backend.label})`, () => {
    after(() => backend.cleanup());
    const cli = backendCli(backend);

    it('delete --version losing the race: succeeds, the version is reported already gone', async () => {
      const image = await backend.newImage('race-delete');
      const [v1, v2] = await putVersions(cli, image, 'raced', 2);
      const result = await deleteMetadata({
        repository: losingTo(image.repository),
        reference: image.tag,
        type: 'raced',
        version: v1,
      });
      assert.deepEqual(result.deleted, []);
      assert.deepEqual(
        result.alreadyGone.map((v) => v.digest),
        [v1],
      );
      assert.deepEqual(
        (await cli.history(image, 'raced')).map((v) => v.version),
        [v2],
      );
    });

    it('prune losing the race: succeeds, every version it meant to delete is already gone', async () => {
      const image = await backend.newImage('race-prune');
      const versions = await putVersions(cli, image, 'pruned', 4);
      const result = await pruneMetadata({
        repository: losingTo(image.repository),
        reference: image.tag,
        keep: 1,
      });
      assert.deepEqual(result.deleted, []);
      assert.deepEqual(result.alreadyGone.map((v) => v.digest).sort(), versions.slice(0, 3).sort());
      assert.deepEqual(
        (await cli.history(image, 'pruned')).map((v) => v.version),
        [versions[3]],
      );
    });

    it('the CLI: a prune racing prunes of the same image exits 0 and names what it deleted or found gone', async () => {
      const image = await backend.newImage('race-cli');
      const versions = await putVersions(cli, image, 'cli-raced', 4);
      const results = await Promise.all(
        [1, 2, 3].map(() => cli.spawn(['prune', image.ref, '--keep', '1', '--json'])),
      );
      const reported = new Set<string>();
      for (const result of results) {
        assert.equal(result.code, 0, result.stderr);
        const json = JSON.parse(result.stdout.toString()) as {
          deleted: Array<{ version: string }>;
          alreadyGone: Array<{ version: string }>;
        };
        for (const v of [...json.deleted, ...json.alreadyGone]) reported.add(v.version);
      }
      assert.deepEqual([...reported].sort(), versions.slice(0, 3).sort());
      assert.deepEqual(
        (await cli.history(image, 'cli-raced')).map((v) => v.version),
        [versions[3]],
      );
    });
  });
}

describe('a removal that fails part-way reports exactly what it deleted', () => {
  it('keeps the cause code, category and hint, and lists the deleted versions in JSON', async () => {
    const backend = metadataBackend('refreg');
    const image = await backend.newImage('partial-json');
    const versions = await putVersions(backendCli(backend), image, 'partial-json', 3);
    let deletedOnce = false;
    const failing = new Proxy(image.repository, {
      get(target, property, receiver) {
        if (property === 'deleteManifests') {
          return async (digests: readonly string[], options: DeleteManifestsOptions) => {
            for (const digest of digests) {
              if (deletedOnce) {
                throw unsupportedError(
                  'DELETE_UNSUPPORTED',
                  `the registry refuses to delete ${digest}`,
                  'hint',
                );
              }
              await target.deleteManifests([digest], { subject: options.subject });
              options.onDeleted?.(digest);
              deletedOnce = true;
            }
            return { absent: [] };
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const error = await pruneMetadata({ repository: failing, reference: image.tag, keep: 1 }).then(
      () => assert.fail('prune should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof IncompleteRemovalError, String(error));
    assert.ok(isManifestoError(error));
    assert.equal(error.code, 'DELETE_UNSUPPORTED');
    assert.equal(error.category, 'unsupported');
    assert.equal(error.deleted.length, 1);
    assert.ok(versions.slice(0, 2).includes(error.deleted[0]!.digest));
    assert.deepEqual(error.toJSON().deleted, [error.deleted[0]!.digest]);
    assert.match(error.message, /deleted 1 of 2 version\(s\) before the failure/);
    backend.cleanup();
  });
});
