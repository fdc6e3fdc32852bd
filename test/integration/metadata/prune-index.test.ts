// prune --keep N keeps the referrers tag schema index small: after pruning, the index document itself
// (not only what list shows) lists N versions per type, so reads stay cheap however many were stored.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { createImageOpener } from '../../../src/registry/open-image.ts';
import { referrersTag } from '../../../src/registry/referrers-tag-schema.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';

const distribution = testRegistry('distribution');

async function run(argv: string[], stdin = ''): Promise<number> {
  const out = new PassThrough();
  out.resume();
  const input = new PassThrough();
  input.end(stdin);
  return main(
    argv,
    { stdout: out, stderr: out, stdin: input, env: process.env, interactive: false },
    { client: { manifestCacheDir: '', tagSchemaSettleMs: 0 } },
  );
}

interface IndexDocument {
  manifests: Array<{ annotations?: Record<string, string> }>;
}

if (distribution !== undefined) {
  describe('prune and the tag schema index (distribution)', () => {
    it('after prune --keep 3 the index lists 3 versions per type', async () => {
      const repo = uniqueRepository('prune-index');
      const image = `${distribution.host}/${repo}:v1`;
      const opened = await createImageOpener({ manifestCacheDir: '' })(image);
      const subject = await pushTestImage(opened.repository, { tag: 'v1' });
      for (const [type, count] of [
        ['alpha', 12],
        ['beta', 5],
        ['gamma', 2],
      ] as const) {
        for (let i = 0; i < count; i++) assert.equal(await run(['put', image, type, '-'], `${type} ${i}`), 0);
      }
      const readIndex = async (): Promise<{ bytes: number; perType: Record<string, number> }> => {
        const response = await fetch(
          `${distribution.baseUrl}/v2/${repo}/manifests/${referrersTag(subject.digest)}`,
          { headers: { accept: 'application/vnd.oci.image.index.v1+json' } },
        );
        assert.equal(response.status, 200);
        const text = await response.text();
        const perType: Record<string, number> = {};
        for (const m of (JSON.parse(text) as IndexDocument).manifests) {
          const type = m.annotations?.['dev.manifesto.type'] ?? '?';
          perType[type] = (perType[type] ?? 0) + 1;
        }
        return { bytes: text.length, perType };
      };
      const before = await readIndex();
      assert.deepEqual(before.perType, { alpha: 12, beta: 5, gamma: 2 });
      assert.equal(await run(['prune', image, '--keep', '3']), 0);
      const after = await readIndex();
      assert.deepEqual(after.perType, { alpha: 3, beta: 3, gamma: 2 });
      assert.ok(after.bytes < before.bytes / 2, `index ${before.bytes} -> ${after.bytes} bytes`);
    });
  });
}
