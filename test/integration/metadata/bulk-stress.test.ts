// Stress: `put --from` with two types per image on distribution (tag schema) while the process starves.
// Regression test for a lost confirmed write seen once in a full test run (bulk.test.ts, the 50-put
// case): every item reported ok, yet one image listed `bulk-scan` without `bulk-notes`. Cause: the two
// puts of one image read the listing at the same moment, the first one's index update ran and was
// confirmed, then the second update merged into its caller's snapshot from BEFORE that update, trusting
// it because the read-age guard is timing-based (2x the slowest recent request, which jumps under load)
// although within one process updates of one index are serialized and need no timing at all.
// Each round is checked by reading every image's tag-schema index directly; bounded in time.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';

const IMAGES = 16;
const ROUNDS = 2;
const TIME_BUDGET_MS = 60_000;

async function runCli(
  argv: string[],
  fetch: Fetch,
): Promise<{ code: number; lines: Array<Record<string, unknown>>; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await main(
    argv,
    { stdout, stderr, stdin: new PassThrough(), env: process.env, interactive: false },
    { client: { manifestCacheDir: '', tagSchemaSettleMs: 0, fetch } },
  );
  const lines = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, lines, stderr: err };
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * The load: this process's event loop blocked once (a CPU-bound busy wait, as a starved process or a
 * long GC pause) while the first verification HEAD of a referrers index is answered, for 8x the
 * slowest request seen so far (at least 1 s, at most 8 s): every update in flight then measures a
 * registry latency far above the one its settle time was computed with.
 */
function stallingFetch(): Fetch {
  let stalled = false;
  let slowest = 0;
  return async (input, init) => {
    const started = performance.now();
    const response = await fetch(input, init);
    slowest = Math.max(slowest, performance.now() - started);
    const url = String(input instanceof Request ? input.url : input);
    if (!stalled && init?.method === 'HEAD' && /\/manifests\/sha256-[0-9a-f]{64}$/.test(url)) {
      stalled = true;
      const end = performance.now() + Math.min(8000, Math.max(1000, 8 * slowest));
      while (performance.now() < end) {
        // blocked
      }
    }
    return response;
  };
}

const registry = testRegistry('distribution');
if (registry !== undefined) {
  describe('bulk put with a stalled event loop (distribution, tag schema)', () => {
    let work = '';
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'manifesto-bulk-stress-'));
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it(`${ROUNDS} rounds of ${IMAGES * 2} puts: every confirmed put stays listed`, async () => {
      const started = Date.now();
      const open = createImageOpener({ manifestCacheDir: '' });
      const lost: string[] = [];
      let rounds = 0;
      for (let round = 0; round < ROUNDS && Date.now() - started < TIME_BUDGET_MS; round++) {
        rounds++;
        const repo = uniqueRepository('bulk-stress');
        const images = await Promise.all(
          Array.from({ length: IMAGES }, async (_, i) => {
            const image = `${registry.host}/${repo}:img-${i}`;
            const opened = await open(image);
            const pushed = await pushTestImage(opened.repository, { tag: `img-${i}`, seed: `${repo}-${i}` });
            return { image, repository: opened.repository, digest: pushed.digest };
          }),
        );
        await writeFile(join(work, 'scan.json'), `{"findings":[],"round":${round}}\n`);
        await writeFile(join(work, 'notes.txt'), `round ${round}\n`);
        const ops = images.flatMap(({ image }) => [
          JSON.stringify({ image, type: 'stress-scan', file: join(work, 'scan.json') }),
          JSON.stringify({
            image,
            type: 'stress-notes',
            file: join(work, 'notes.txt'),
            mediaType: 'text/plain',
          }),
        ]);
        await writeFile(join(work, 'ops.jsonl'), `${ops.join('\n')}\n`);
        const result = await runCli(
          ['put', '--from', join(work, 'ops.jsonl'), '--concurrency', '6'],
          stallingFetch(),
        );
        // Only confirmed puts count: an unconfirmed one must fail, never report ok.
        const confirmed = result.lines.filter((l) => l.ok === true);
        for (const line of confirmed) {
          const image = images.find((i) => i.image === line.image)!;
          const listing = await image.repository.referrers(image.digest);
          if (!listing.manifests.some((d) => d.digest === line.version)) {
            lost.push(`round ${round}: ${String(line.type)} ${String(line.version)} on ${image.image}`);
          }
        }
        assert.equal(result.code === 0 || result.code === 11, true, result.stderr);
      }
      assert.ok(rounds >= 1);
      assert.deepEqual(lost, [], `confirmed puts missing from the listing after ${rounds} round(s)`);
    });
  });
}
