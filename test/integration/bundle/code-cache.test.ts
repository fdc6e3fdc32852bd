// The built CLI's V8 code cache (src/cli/code-cache.ts): written once per command after a run without
// one, private to the user, used by the next run, rewritten when V8 rejects it, and a damaged or
// unwritable cache never changes what a command does.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { pushTestImage } from '../../support/images.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'dist', 'manifesto.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

describe('the code cache of the bundled CLI', () => {
  let work = '';
  let image = '';
  let cacheHome = '';
  const cacheDir = () => join(cacheHome, 'manifesto', 'v8-code');
  const run = (args: string[]) => {
    const result = spawnSync(bin, args, {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, MANIFESTO_CACHE: 'off', XDG_CACHE_HOME: cacheHome },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  before(async () => {
    if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource(join(root, 'src'))) {
      execFileSync(process.execPath, [join(root, 'scripts', 'build.ts')], { cwd: root, stdio: 'ignore' });
    }
    work = mkdtempSync(join(tmpdir(), 'manifesto-code-cache-'));
    cacheHome = join(work, 'cache');
    const layout = await openLayout(join(work, 'layout'), { create: true });
    await pushTestImage(layout, { tag: 'v1', seed: 'code-cache' });
    image = `oci:${join(work, 'layout')}:v1`;
    writeFileSync(join(work, 'notes.txt'), 'cached\n');
    assert.equal(run(['put', image, 'notes', 'notes.txt']).code, 0);
    rmSync(cacheHome, { recursive: true, force: true });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('is written after the first run of a command, 0600 in a 0700 folder, and used by the next', () => {
    const first = run(['get', image, 'notes']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'cached\n');
    const files = readdirSync(cacheDir());
    assert.equal(files.length, 1, files.join(' '));
    assert.match(files[0]!, new RegExp(`^manifesto-\\w+-${process.version}-${process.arch}-get\\.bin$`));
    const file = join(cacheDir(), files[0]!);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir()).mode & 0o777, 0o700);
    const written = statSync(file).mtimeMs;
    const second = run(['get', image, 'notes']);
    assert.equal(second.stdout, first.stdout);
    assert.equal(statSync(file).mtimeMs, written, 'an accepted cache is not written again');
    // Another command gets its own file.
    assert.match(run(['list', image]).stdout, /notes/);
    assert.deepEqual(
      readdirSync(cacheDir())
        .map((name) => name.replace(/^.*-/, ''))
        .sort(),
      ['get.bin', 'list.bin'],
    );
  });

  it('a damaged cache is rejected by V8 and written again; the command is unaffected', () => {
    const file = readdirSync(cacheDir()).find((name) => name.endsWith('-get.bin'))!;
    writeFileSync(join(cacheDir(), file), 'not a code cache');
    const result = run(['get', image, 'notes']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'cached\n');
    assert.ok(readFileSync(join(cacheDir(), file)).byteLength > 10_000, 'a real cache again');
  });

  it("another bundle's files are removed when a cache is written", () => {
    const stale = join(cacheDir(), `manifesto-OLDBUILD-${process.version}-${process.arch}-get.bin`);
    writeFileSync(stale, 'old');
    rmSync(join(cacheDir(), readdirSync(cacheDir()).find((name) => name.endsWith('-list.bin'))!));
    assert.equal(run(['list', image]).code, 0);
    assert.equal(existsSync(stale), false);
  });

  it('a cache folder that cannot be made only costs the speed-up', () => {
    rmSync(cacheHome, { recursive: true, force: true });
    mkdirSync(cacheHome);
    // A file where the folder should be: no folder can be made there, not even by root.
    writeFileSync(join(cacheHome, 'manifesto'), 'in the way');
    const result = run(['get', image, 'notes']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'cached\n');
    assert.equal(result.stderr, '');
    assert.equal(readFileSync(join(cacheHome, 'manifesto'), 'utf8'), 'in the way');
  });
});
