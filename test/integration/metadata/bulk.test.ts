// `put --from` and `list --from`: many items in one process, per-item JSON lines, exit 11 on partial
// failure, and nothing written when a line is malformed.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { type TestRegistry, testRegistry, uniqueRepository } from '../../support/registries.ts';

interface Captured {
  code: number;
  /** Method and URL of every request. */
  requests: string[];
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

async function run(argv: string[]): Promise<Captured> {
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
  const requests: string[] = [];
  const code = await main(
    argv,
    { stdout, stderr, stdin: new PassThrough(), env: process.env, interactive: false },
    {
      client: {
        manifestCacheDir: '',
        tagSchemaSettleMs: 0,
        onRequest: (event) => {
          requests.push(`${event.method} ${event.url}`);
        },
      },
    },
  );
  const lines = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, requests, lines, stderr: err };
}

const IMAGES = 25;

function bulkSuite(kind: 'distribution' | 'refreg', registry: TestRegistry): void {
  describe(`bulk put/list --from (${kind})`, () => {
    let work = '';
    const images: string[] = [];
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'manifesto-bulk-'));
      const open = createImageOpener({ manifestCacheDir: '' });
      const repo = uniqueRepository('bulk');
      await Promise.all(
        Array.from({ length: IMAGES }, async (_, i) => {
          const image = `${registry.host}/${repo}:img-${i}`;
          await pushTestImage((await open(image)).repository, { tag: `img-${i}`, seed: `${repo}-${i}` });
          images[i] = image;
        }),
      );
      await writeFile(join(work, 'scan.json'), '{"findings":[]}\n');
      await writeFile(join(work, 'notes.txt'), 'hello\n');
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('malformed JSONL: exit 2 naming the line, nothing written', async () => {
      const ops = [
        JSON.stringify({ image: images[0], type: 'bulk-bad', file: join(work, 'scan.json') }),
        '{"image": "broken"',
      ].join('\n');
      await writeFile(join(work, 'bad.jsonl'), ops);
      const result = await run(['put', '--from', join(work, 'bad.jsonl')]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /line 2/);
      assert.equal(result.lines.length, 0);
      await writeFile(join(work, 'first.txt'), `${images[0]}\n`);
      const listed = await run(['list', '--from', join(work, 'first.txt')]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(listed.lines[0]!.types, []);
    });

    it('50 puts with one missing image: exit 11, the other 50 stored, then list --from', async () => {
      const ops: string[] = [];
      for (const image of images) {
        ops.push(JSON.stringify({ image, type: 'bulk-scan', file: join(work, 'scan.json') }));
        ops.push(
          JSON.stringify({
            image,
            type: 'bulk-notes',
            file: join(work, 'notes.txt'),
            mediaType: 'text/plain',
            annotations: { 'org.example.k': 'v' },
            author: 'bulk@test',
          }),
        );
      }
      const missing = images[0]!.replace(/:img-0$/, ':no-such-tag');
      ops.splice(7, 0, JSON.stringify({ image: missing, type: 'bulk-scan', file: join(work, 'scan.json') }));
      await writeFile(join(work, 'ops.jsonl'), `${ops.join('\n')}\n`);
      const result = await run(['put', '--from', join(work, 'ops.jsonl'), '--concurrency', '6']);
      assert.equal(result.code, 11, result.stderr);
      assert.equal(result.lines.length, ops.length);
      const failed = result.lines.filter((l) => l.ok !== true);
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.line, 8);
      assert.equal(failed[0]!.image, missing);
      assert.equal((failed[0]!.error as { category: string }).category, 'not-found');
      const stored = result.lines.filter((l) => l.ok === true);
      assert.equal(stored.length, IMAGES * 2);
      for (const l of stored) assert.match(String(l.version), /^sha256:[0-9a-f]{64}$/);
      // Two distinct contents in one repository: each uploaded once (with the empty config at most
      // once alongside), not once per put.
      const uploads = result.requests.filter((r) => /^POST .*\/blobs\/uploads\//.test(r));
      assert.ok(uploads.length >= 2 && uploads.length <= 4, uploads.join('\n'));

      await writeFile(join(work, 'refs.txt'), `# images\n${images.join('\n')}\n\n${missing}\n`);
      const listed = await run(['list', '--from', join(work, 'refs.txt')]);
      assert.equal(listed.code, 11, listed.stderr);
      assert.equal(listed.lines.length, IMAGES + 1);
      const ok = listed.lines.filter((l) => l.ok === true);
      assert.equal(ok.length, IMAGES);
      for (const l of ok) {
        const types = (l.types as Array<{ type: string; count: number }>).map((t) => `${t.type}:${t.count}`);
        assert.deepEqual(types.sort(), ['bulk-notes:1', 'bulk-scan:1']);
      }
      const bad = listed.lines.find((l) => l.ok === false);
      assert.equal(bad?.line, IMAGES + 3);
    });

    it('several types on one image run alongside; the versions of one type chain in file order', async () => {
      const image = images[IMAGES - 1]!;
      const types = ['chain-a', 'chain-b', 'chain-c', 'chain-d'];
      const ops = [1, 2, 3].flatMap(() =>
        types.map((type) => JSON.stringify({ image, type, file: join(work, 'scan.json') })),
      );
      await writeFile(join(work, 'chain.jsonl'), `${ops.join('\n')}\n`);
      const result = await run(['put', '--from', join(work, 'chain.jsonl')]);
      assert.equal(result.code, 0, result.stderr);
      for (const type of types) {
        const mine = result.lines
          .filter((l) => l.type === type)
          .sort((a, b) => Number(a.line) - Number(b.line));
        assert.equal(mine.length, 3);
        assert.equal(mine[0]!.supersedes, null);
        assert.equal(mine[1]!.supersedes, mine[0]!.version);
        assert.equal(mine[2]!.supersedes, mine[1]!.version);
      }
      await writeFile(join(work, 'one.txt'), `${image}\n`);
      const listed = await run(['list', '--from', join(work, 'one.txt')]);
      const counts = (listed.lines[0]!.types as Array<{ type: string; count: number }>)
        .filter((t) => types.includes(t.type))
        .map((t) => `${t.type}:${t.count}`);
      assert.deepEqual(
        counts.sort(),
        types.map((t) => `${t}:3`),
      );
    });

    it('one image under two names, one work slot: the shared index update does not deadlock', async () => {
      const image = images[IMAGES - 2]!;
      const open = createImageOpener({ manifestCacheDir: '' });
      const opened = await open(image);
      const digest = (await opened.repository.resolve(opened.target)).digest;
      const byDigest = `${image.replace(/:img-\d+$/, '')}@${digest}`;
      const ops = ['two-names-a', 'two-names-b', 'two-names-c'].flatMap((type) => [
        JSON.stringify({ image, type, file: join(work, 'scan.json') }),
        JSON.stringify({ image: byDigest, type: `${type}-d`, file: join(work, 'scan.json') }),
      ]);
      await writeFile(join(work, 'two-names.jsonl'), `${ops.join('\n')}\n`);
      const result = await run(['put', '--from', join(work, 'two-names.jsonl'), '--concurrency', '1']);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.lines.filter((l) => l.ok === true).length, 6);
    });

    it('list --from with every image present: exit 0', async () => {
      await writeFile(join(work, 'some.txt'), images.slice(0, 3).join('\n'));
      const listed = await run(['list', '--from', join(work, 'some.txt')]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(listed.lines.map((l) => l.line).sort(), [1, 2, 3]);
    });
  });
}

for (const kind of ['distribution', 'refreg'] as const) {
  const registry = testRegistry(kind);
  if (registry !== undefined) bulkSuite(kind, registry);
}
