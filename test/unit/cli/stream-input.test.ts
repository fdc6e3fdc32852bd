// Content from a FIFO or a pipe (`put IMG notes <(echo '{}')`, a named pipe) is read as a stream,
// not judged by its size on disk (0, which made it "empty").
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { ok, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-stream-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };

describe('put from a FIFO', () => {
  let image = '';
  before(async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    image = `oci:${layout}:v1`;
  });

  it('a named pipe is read as a stream', async () => {
    const fifo = join(dir, 'notes.fifo');
    execFileSync('mkfifo', [fifo]);
    const content = '{"from":"a fifo"}';
    // The writer blocks until a reader opens the FIFO: give up after 20 s if none does.
    const writer = spawn('timeout', ['20', 'sh', '-c', `printf '%s' '${content}' > "$1"`, 'sh', fifo], {
      stdio: 'ignore',
    });
    const closed = new Promise((resolve) => writer.on('close', resolve));
    const put = await runCli(['put', image, 'notes', fifo], { env });
    await closed;
    ok(put, 'put FIFO');
    assert.equal(ok(await runCli(['get', image, 'notes'], { env }), 'get'), content);
  });

  it('process substitution (/dev/fd/N of a pipe) is read as a stream', async () => {
    const script = `node "$1" put "$2" notes <(printf '{"from":"a pipe"}')`;
    const bin = join(import.meta.dirname, '..', '..', '..', 'src', 'cli', 'bin.ts');
    execFileSync('bash', ['-c', script, 'bash', bin, image], { env, stdio: 'pipe' });
    assert.equal(ok(await runCli(['get', image, 'notes'], { env }), 'get'), '{"from":"a pipe"}');
  });
});
