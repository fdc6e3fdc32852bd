import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';

describe('logout', () => {
  it('accepts the registry flags other commands take, and removes stored credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-logout-'));
    try {
      const auth = Buffer.from('me:secret').toString('base64');
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ auths: { 'registry.example.com': { auth } } }),
      );
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      stderr.resume();
      const code = await main(['logout', 'registry.example.com', '--plain-http', '--insecure'], {
        stdout,
        stderr,
        stdin: Readable.from([]),
        env: { ...process.env, DOCKER_CONFIG: dir },
        interactive: false,
      });
      assert.equal(code, 0);
      assert.match(out, /Removed credentials for registry.example.com/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
