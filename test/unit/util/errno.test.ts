import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errnoCode, isMissingPath } from '../../../src/util/errno.ts';

/** The error a real file system call rejects with. */
async function failure(path: string): Promise<unknown> {
  try {
    await readFile(path);
  } catch (error) {
    return error;
  }
  throw new Error(`${path} was read`);
}

describe('errno', () => {
  it('reads the code of a real system error, and none of values without one', async () => {
    assert.equal(errnoCode(await failure('/nonexistent-manifesto-path')), 'ENOENT');
    for (const value of [new Error('x'), undefined, null, 'ENOENT', 3])
      assert.equal(errnoCode(value), undefined);
  });

  it('counts a missing path and a path through a file as missing, not other failures', async () => {
    assert.equal(isMissingPath(await failure('/nonexistent-manifesto-path')), true);
    assert.equal(isMissingPath(await failure(join(import.meta.filename, 'below-a-file'))), true);
    assert.equal(isMissingPath(await failure('/')), false); // EISDIR
    assert.equal(isMissingPath(new Error('ENOENT')), false);
  });
});
