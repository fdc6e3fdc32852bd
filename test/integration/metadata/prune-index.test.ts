// prune --keep N keeps the referrers tag schema index small: after pruning, the index document itself
// (not only what list shows) lists N versions per type, so reads stay cheap however many were stored.
// Pruning (and delete --all) updates that index once for all the versions it removes: one write, one
// verification, one settle time, counted here through the transport's onRequest hook.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import type { ClientOptions } from '../../../src/open/client-options.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { referrersTag } from '../../../src/registry/referrers-tag-schema.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';

const distribution = testRegistry('distribution');

async function run(
  argv: string[],
  stdin = '',
  client: ClientOptions = { tagSchemaSettleMs: 0 },
): Promise<number> {
  const out = new PassThrough();
  out.resume();
  const input = new PassThrough();
  input.end(stdin);
  return main(
    argv,
    { stdout: out, stderr: out, stdin: input, env: process.env, interactive: false },
    { client: { manifestCacheDir: '', ...client } },
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

    it('prune of 20 versions writes the index once: 20 manifest DELETEs, 1 PUT, 1 HEAD (default settle time)', async (t) => {
      const repo = uniqueRepository('prune-batch');
      const image = `${distribution.host}/${repo}:v1`;
      const opened = await createImageOpener({ manifestCacheDir: '' })(image);
      const subject = await pushTestImage(opened.repository, { tag: 'v1' });
      const tag = referrersTag(subject.digest);
      for (let i = 0; i < 22; i++) assert.equal(await run(['put', image, 'alpha', '-'], `alpha ${i}`), 0);
      const events: RequestEvent[] = [];
      const started = performance.now();
      const code = await run(['prune', image, '--keep', '2'], '', { onRequest: (e) => events.push(e) });
      const ms = performance.now() - started;
      assert.equal(code, 0);
      const onTag = (method: string) =>
        events.filter((e) => e.method === method && new URL(e.url).pathname.endsWith(`/manifests/${tag}`));
      const manifestDeletes = events.filter(
        (e) => e.method === 'DELETE' && e.requestClass === 'manifest' && !e.url.endsWith(tag),
      );
      assert.equal(onTag('PUT').length, 1, 'one index write');
      assert.equal(onTag('HEAD').length, 1, 'one verification');
      // 20 versions + the index the write replaced.
      assert.equal(manifestDeletes.length, 21, events.map((e) => `${e.method} ${e.url}`).join('\n'));
      const history = await fetch(`${distribution.baseUrl}/v2/${repo}/manifests/${tag}`, {
        headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      });
      assert.equal(((await history.json()) as IndexDocument).manifests.length, 2);
      t.diagnostic(`prune of 20 versions: ${events.length} requests, ${ms.toFixed(0)} ms`);
    });

    it('delete --all of 6 versions deletes the emptied index once, with no index write', async () => {
      const repo = uniqueRepository('delete-all-batch');
      const image = `${distribution.host}/${repo}:v1`;
      const opened = await createImageOpener({ manifestCacheDir: '' })(image);
      const subject = await pushTestImage(opened.repository, { tag: 'v1' });
      const tag = referrersTag(subject.digest);
      for (let i = 0; i < 6; i++) assert.equal(await run(['put', image, 'beta', '-'], `beta ${i}`), 0);
      const events: RequestEvent[] = [];
      assert.equal(
        await run(['delete', image, 'beta', '--all'], '', { onRequest: (e) => events.push(e) }),
        0,
      );
      assert.equal(events.filter((e) => e.method === 'PUT').length, 0, 'no index write');
      assert.equal(events.filter((e) => e.method === 'HEAD' && e.url.endsWith(tag)).length, 1);
      // 6 versions + the index itself.
      assert.equal(events.filter((e) => e.method === 'DELETE').length, 7);
      const gone = await fetch(`${distribution.baseUrl}/v2/${repo}/manifests/${tag}`);
      assert.equal(gone.status, 404);
    });
  });
}
