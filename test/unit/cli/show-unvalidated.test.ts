// `show` of a well-known type whose content was stored with --no-validate: the stored content is
// shown as it is (exit 0), with a note on stderr saying why it is not summarised; --json says so.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { ok, okJson, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-show-unvalidated-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };

describe('show of content stored with --no-validate', () => {
  it('shows the content as stored, with a note, exit 0', async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    const image = `oci:${layout}:v1`;
    const file = join(dir, 'not-a-report.json');
    writeFileSync(file, '{"not":"a vuln report"}');
    ok(await runCli(['put', image, 'vuln', file, '--no-validate'], { env }), 'put --no-validate');
    const shown = await runCli(['show', image, 'vuln'], { env });
    const text = ok(shown, 'show');
    assert.match(text, /"not":"a vuln report"/);
    assert.match(shown.stderr, /note: vuln .* --no-validate/);
    assert.doesNotMatch(shown.stderr, /hint|error/);
    const json = okJson<{ kind: string | null; problem?: string; preview: string[] | null }>(
      await runCli(['show', image, 'vuln', '--json'], { env }),
      'show --json',
    );
    assert.equal(json.kind, null);
    assert.match(json.problem ?? '', /vuln/);
    assert.deepEqual(json.preview, ['{"not":"a vuln report"}']);
  });
});
