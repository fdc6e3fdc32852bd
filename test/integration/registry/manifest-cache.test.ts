// The on-disk manifest cache keeps `get` within its request budget on registries whose referrers
// listing omits annotations (go-containerregistry's registry), across processes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../../src/cli/main.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';

const run = promisify(execFile);
const child = resolve(import.meta.dirname, 'support', 'count-requests-child.ts');
const refreg = testRegistry('refreg');

async function countInChild(cacheDir: string, argv: string[]): Promise<{ code: number; requests: string[] }> {
  const { stdout } = await run(process.execPath, [child, cacheDir, ...argv], { env: process.env });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { code: number; requests: string[] };
}

function quietIO() {
  const out = new PassThrough();
  out.resume();
  return { stdout: out, stderr: out, stdin: new PassThrough(), env: process.env, interactive: false };
}

if (refreg !== undefined) {
  describe('manifest cache across processes (refreg)', () => {
    let work = '';
    let image = '';
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'manifesto-mcache-'));
      const repo = uniqueRepository('mcache');
      image = `${refreg.host}/${repo}:v1`;
      const opened = await createImageOpener({ manifestCacheDir: '' })(image);
      await pushTestImage(opened.repository, { tag: 'v1' });
      await writeFile(join(work, 'a.json'), '{"a":1}');
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('a get in a new process after puts from this machine costs at most 3 requests', async () => {
      const cacheDir = join(work, 'cache');
      for (let i = 0; i < 3; i++) {
        const code = await main(['put', image, 'notes', join(work, 'a.json')], quietIO(), {
          client: { manifestCacheDir: cacheDir },
        });
        assert.equal(code, 0);
      }
      const warm = await countInChild(cacheDir, ['get', image, 'notes']);
      assert.equal(warm.code, 0);
      assert.ok(warm.requests.length <= 3, `requests: ${warm.requests.join(', ')}`);
      // Without the cache the registry's bare listing forces one manifest fetch per version.
      const cold = await countInChild('', ['get', image, 'notes']);
      assert.equal(cold.code, 0);
      assert.equal(cold.requests.length, 3 + 3, `requests: ${cold.requests.join(', ')}`);
      // The cold run filled its own cache: the next process is back within budget.
      const coldCache = join(work, 'cold-cache');
      await countInChild(coldCache, ['get', image, 'notes']);
      const again = await countInChild(coldCache, ['get', image, 'notes']);
      assert.ok(again.requests.length <= 3, `requests: ${again.requests.join(', ')}`);
    });
  });
}
