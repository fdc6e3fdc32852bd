import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openLayout } from '../../../../src/content/layout/oci-layout-repository.ts';
import { pushImage, tempDir } from './layout-fixtures.ts';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./push-worker.ts', import.meta.url));

async function worker(
  layout: string,
  subject: string,
  id: number,
  count: number,
  tag: boolean,
): Promise<string[]> {
  const args = [WORKER, layout, subject, String(id), String(count), ...(tag ? ['tag'] : [])];
  const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

describe('concurrent writers (separate processes)', () => {
  it('10 processes pushing referrers of one subject: all 10 are listed', async (t) => {
    const dir = join(await tempDir(t), 'layout');
    const repo = await openLayout(dir, { create: true });
    const image = await pushImage(repo, {}, 'v1');
    const pushed = await Promise.all(
      Array.from({ length: 10 }, (_, i) => worker(dir, JSON.stringify(image), i, 1, false)),
    );
    const listed = (await repo.referrers(image.digest)).manifests.map((d) => d.digest).sort();
    assert.deepEqual(listed, pushed.flat().sort());
    assert.equal(listed.length, 10);
  });

  it('20 processes each pushing 5 tagged manifests into a new layout: no entry is lost', async (t) => {
    const dir = join(await tempDir(t), 'fresh');
    const pushed = await Promise.all(Array.from({ length: 20 }, (_, i) => worker(dir, '-', i, 5, true)));
    const repo = await openLayout(dir);
    const tags = (await repo.listTags()).tags;
    assert.equal(tags.length, 100);
    for (let i = 0; i < 20; i++) {
      for (let n = 0; n < 5; n++) {
        assert.equal((await repo.resolve(`w${i}-${n}`)).digest, pushed[i]![n]);
      }
    }
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, 100);
    // No lock or temporary files are left behind.
    assert.deepEqual((await readdir(dir)).sort(), ['blobs', 'index.json', 'oci-layout']);
  });
});
