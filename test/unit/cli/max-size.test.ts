// The size limit of put: MANIFESTO_MAX_SIZE and --max-size take units (1K = 1024 bytes, 1G), as the
// help says. Before, MANIFESTO_MAX_SIZE=1K was Number("1K") = NaN, which disabled the limit: the
// 2 KiB file below was stored (exit 0) instead of refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { failsWith, ok, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-max-size-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };
const file = join(dir, 'two-kib.txt');

describe('put size limit with units', () => {
  let image = '';
  before(async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    image = `oci:${layout}:v1`;
    writeFileSync(file, 'x'.repeat(2048));
  });

  it('MANIFESTO_MAX_SIZE=1K refuses a 2 KiB file: exit 2, nothing stored', async () => {
    const result = await runCli(['put', image, 'notes', file], { env: { ...env, MANIFESTO_MAX_SIZE: '1K' } });
    failsWith(result, 2, 'over the limit', /is larger than the limit of 1024 bytes/);
    const listed = await runCli(['list', image, '--json'], { env });
    assert.doesNotMatch(ok(listed, 'list'), /"notes"/);
  });

  it('--max-size 1KiB refuses it too, and the flag wins over the variable', async () => {
    failsWith(
      await runCli(['put', image, 'notes', file, '--max-size', '1KiB'], { env }),
      2,
      'flag',
      /1024 bytes/,
    );
    const env1G = { ...env, MANIFESTO_MAX_SIZE: '1K' };
    ok(await runCli(['put', image, 'notes', file, '--max-size', '3K'], { env: env1G }), 'flag over variable');
  });

  it('MANIFESTO_MAX_SIZE=1G stores it; a bad value is a usage error naming the variable', async () => {
    ok(await runCli(['put', image, 'notes', file], { env: { ...env, MANIFESTO_MAX_SIZE: '1G' } }), '1G');
    const bad = await runCli(['put', image, 'notes', file], { env: { ...env, MANIFESTO_MAX_SIZE: '1 gig' } });
    failsWith(bad, 2, 'bad value', /^manifesto: error: MANIFESTO_MAX_SIZE: invalid size "1 gig"$/);
  });

  it('put --from: MANIFESTO_MAX_SIZE=1K refuses the 2 KiB item', async () => {
    const ops = join(dir, 'ops.jsonl');
    writeFileSync(ops, `${JSON.stringify({ image, type: 'notes', file })}\n`);
    const result = await runCli(['put', '--from', ops], { env: { ...env, MANIFESTO_MAX_SIZE: '1K' } });
    assert.notEqual(result.code, 0, result.stderr);
    assert.match(`${result.stdout.toString()}${result.stderr}`, /larger than the limit of 1024 bytes/);
  });
});
