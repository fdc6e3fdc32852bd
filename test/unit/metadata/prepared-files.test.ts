import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPreparedFiles } from '../../../src/metadata/bulk/prepared-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-prepared-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('prepared files of a bulk run', () => {
  it('reads and hashes each path once', async () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, '{"a":1}');
    const files = createPreparedFiles();
    const first = await files.get(file);
    writeFileSync(file, '{"a":2}');
    const again = await files.get(file);
    assert.equal(again, first);
    assert.equal(new TextDecoder().decode(again.head), '{"a":1}');
    await files.dispose();
  });

  it('forgets the least recently used contents beyond its byte budget', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => {
      const path = join(dir, `${name}.txt`);
      writeFileSync(path, name.repeat(10));
      return path;
    }) as [string, string, string];
    const files = createPreparedFiles(undefined, 20);
    const first = await files.get(a);
    await files.get(b);
    assert.equal(await files.get(a), first, 'a used again: most recent');
    await files.get(c);
    assert.equal(await files.get(a), first, 'b was evicted, not a');
    writeFileSync(b, 'B'.repeat(10));
    assert.equal(new TextDecoder().decode((await files.get(b)).head), 'B'.repeat(10));
    await files.dispose();
  });

  it('a failed read is not remembered', async () => {
    const path = join(dir, 'later.json');
    const files = createPreparedFiles();
    await assert.rejects(files.get(path), (e: Error & { code?: string }) => e.code === 'FILE_NOT_FOUND');
    writeFileSync(path, '{}');
    assert.equal((await files.get(path)).size, 2);
    await files.dispose();
  });
});
