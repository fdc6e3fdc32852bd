// `--debug` prints, at the end of a command, what each registry turned out to do (registry-quirks.ts):
// the blob upload forms it takes and this process's tag-schema index updates through it. Before, that
// knowledge lived in module-level WeakMaps nobody could see.
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

function capturingIO() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    io: { stdout, stderr, stdin: new PassThrough(), env: process.env, interactive: false },
    stderr: () => err,
  };
}

const expected = {
  // distribution 2.8 answers a monolithic POST with an upload session (202); the tag schema is used.
  distribution: { monolithic: 'no', indexUpdates: 1 },
  // go-containerregistry's registry takes the monolithic POST and has the referrers API.
  refreg: { monolithic: 'yes', indexUpdates: 0 },
} as const;

for (const kind of ['distribution', 'refreg'] as const) {
  const registry = testRegistry(kind);
  if (registry === undefined) continue;
  describe(`--debug prints the registry record (${kind})`, () => {
    let work = '';
    let image = '';
    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'manifesto-debug-record-'));
      image = `${registry.host}/${uniqueRepository('debug-record')}:v1`;
      const opened = await createImageOpener({ manifestCacheDir: '' })(image);
      await pushTestImage(opened.repository, { tag: 'v1' });
      await writeFile(join(work, 'notes.json'), '{"a":1}');
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('after a put: upload form learned, index updates counted; nothing without --debug', async () => {
      const plain = capturingIO();
      const file = join(work, 'notes.json');
      const client = { manifestCacheDir: '', tagSchemaSettleMs: 50 };
      assert.equal(await main(['put', image, 'notes', file], plain.io, { client }), 0);
      assert.doesNotMatch(plain.stderr(), /debug:/);

      const debug = capturingIO();
      assert.equal(await main(['put', image, 'notes', file, '--debug'], debug.io, { client }), 0);
      const lines = debug
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('debug: registry '));
      assert.equal(lines.length, 1, debug.stderr());
      const line = lines[0]!;
      assert.ok(line.startsWith(`debug: registry ${registry.host}: `), line);
      assert.match(line, new RegExp(`blob upload monolithic POST ${expected[kind].monolithic},`));
      assert.match(line, /manifest DELETE not refused;/);
      assert.match(
        line,
        new RegExp(`tag-schema index updates ${expected[kind].indexUpdates} \\(0 running\\)$`),
      );
    });
  });
}
