// What manifesto writes on the local disk: `get -o PATH` writes only regular files (never through a
// symlink, onto a FIFO or device, or into a missing folder), and `key generate` never overwrites a
// key without --force, writes 0600 keys through a new file, and never follows symlinks. The
// targets are a FIFO and symlinks in a temporary directory, never a real device.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { failsWith, ok, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-local-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('get -o PATH', () => {
  let image = '';
  const content = '{"note":"hello"}';
  before(async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    image = `oci:${layout}:v1`;
    const notes = join(dir, 'notes.json');
    writeFileSync(notes, content);
    ok(await runCli(['put', image, 'notes', notes], { env }), 'put');
  });

  it('writes a regular file, and replaces a regular file', async () => {
    const out = join(dir, 'out.json');
    ok(await runCli(['get', image, 'notes', '-o', out], { env }), 'get -o');
    assert.equal(readFileSync(out, 'utf8'), content);
    writeFileSync(out, 'old');
    ok(await runCli(['get', image, 'notes', '-o', out], { env }), 'get -o over a file');
    assert.equal(readFileSync(out, 'utf8'), content);
  });

  it('refuses a FIFO, leaving it a FIFO', async () => {
    const fifo = join(dir, 'fifo');
    mkfifo(fifo);
    failsWith(await runCli(['get', image, 'notes', '-o', fifo], { env }), 2, 'fifo', /not a regular file/);
    assert.ok(lstatSync(fifo).isFIFO());
  });

  it('refuses to replace a symlink unless --force, and never writes through it', async () => {
    const target = join(dir, 'link-target');
    writeFileSync(target, 'precious');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    failsWith(await runCli(['get', image, 'notes', '-o', link], { env }), 2, 'symlink', /symbolic link/);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    ok(await runCli(['get', image, 'notes', '-o', link, '--force'], { env }), 'get -o link --force');
    assert.ok(lstatSync(link).isFile(), 'the link itself is replaced');
    assert.equal(readFileSync(link, 'utf8'), content);
    assert.equal(readFileSync(target, 'utf8'), 'precious', 'its target is left alone');
  });

  it('a missing folder, a folder and "" are clear usage errors (exit 2, distinct codes), creating nothing', async () => {
    const before = readdirSync(dir).sort();
    const codes = new Set<string>();
    for (const [path, pattern] of [
      [join(dir, 'missing', 'out.json'), /folder .* does not exist/],
      [dir, /is a folder/],
      ['', /empty/],
    ] as const) {
      const result = await runCli(['get', image, 'notes', '-o', path, '--json'], { env });
      assert.equal(result.code, 2, `${path}: ${result.stderr}`);
      const error = (JSON.parse(result.stderr) as { error: { code: string; message: string } }).error;
      assert.match(error.message, pattern);
      codes.add(error.code);
      failsWith(await runCli(['get', image, 'notes', '-o', path], { env }), 2, path, pattern);
    }
    assert.equal(codes.size, 3);
    assert.deepEqual(readdirSync(dir).sort(), before, 'nothing created');
  });
});

describe('key generate', () => {
  it('refuses to overwrite an existing key without --force', async () => {
    const out = join(dir, 'keep');
    writeFileSync(`${out}.key`, 'existing key');
    failsWith(await runCli(['key', 'generate', '--out', out], { env }), 2, 'overwrite', /already exists/);
    assert.equal(readFileSync(`${out}.key`, 'utf8'), 'existing key');
    assert.equal(existsSync(`${out}.pub`), false, 'nothing half-written');
    ok(await runCli(['key', 'generate', '--out', out, '--force'], { env }), 'key generate --force');
    assert.match(readFileSync(`${out}.key`, 'utf8'), /BEGIN PRIVATE KEY/);
  });

  it('writes the key 0600 over an existing 0644 file (with --force), and says it is unencrypted', async () => {
    const out = join(dir, 'modes');
    writeFileSync(`${out}.key`, 'old', { mode: 0o644 });
    const result = await runCli(['key', 'generate', '--out', out, '--force'], { env });
    ok(result, 'key generate');
    assert.equal(statSync(`${out}.key`).mode & 0o777, 0o600);
    assert.match(result.stderr, /not encrypted/);
  });

  it('never writes through a symlink', async () => {
    const out = join(dir, 'linked');
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'precious', { mode: 0o644 });
    symlinkSync(target, `${out}.key`);
    failsWith(await runCli(['key', 'generate', '--out', out], { env }), 2, 'symlink');
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    ok(await runCli(['key', 'generate', '--out', out, '--force'], { env }), 'key generate --force');
    assert.ok(lstatSync(`${out}.key`).isFile(), 'the link itself is replaced');
    assert.equal(statSync(`${out}.key`).mode & 0o777, 0o600);
    assert.equal(readFileSync(target, 'utf8'), 'precious', 'its target is left alone');
  });

  it('--out into a missing folder is a clear usage error', async () => {
    failsWith(
      await runCli(['key', 'generate', '--out', join(dir, 'nowhere', 'k')], { env }),
      2,
      'missing folder',
      /folder .* does not exist/,
    );
    mkdirSync(join(dir, 'k-dir.key'));
    failsWith(
      await runCli(['key', 'generate', '--out', join(dir, 'k-dir'), '--force'], { env }),
      2,
      'folder',
    );
  });
});
