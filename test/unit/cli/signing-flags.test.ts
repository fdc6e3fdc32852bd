// Signing flags as people use them, on an OCI layout: an encrypted key without its password names
// the way to give it (MANIFESTO_KEY_PASSWORD, not the registry-login flag), and an Ed25519 key signs
// without --sign-format (the only format that supports it: sigstore).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { failsWith, ok, okJson, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-signing-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env: Record<string, string | undefined> = {
  ...process.env,
  MANIFESTO_CACHE: 'off',
  MANIFESTO_STATE_DIR: join(dir, 'state'),
};
delete env.MANIFESTO_KEY_PASSWORD;
delete env.MANIFESTO_KEY_PASSPHRASE;

describe('put --sign', () => {
  let image = '';
  const notes = join(dir, 'notes.json');
  before(async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    image = `oci:${layout}:v1`;
    writeFileSync(notes, '{"n":1}');
  });

  it('an encrypted key without its password: the hint names MANIFESTO_KEY_PASSWORD', async () => {
    const key = join(dir, 'enc');
    ok(
      await runCli(['key', 'generate', '--out', key, '--password-stdin'], { env, stdin: 's3cret\n' }),
      'key',
    );
    const result = await runCli(['put', image, 'notes', notes, '--sign', `${key}.key`], { env });
    failsWith(result, 2, 'no password', /encrypted/);
    assert.match(result.stderr, /hint: .*MANIFESTO_KEY_PASSWORD/);
    assert.doesNotMatch(result.stderr, /password-stdin|standard input/);
    const wrong = await runCli(['put', image, 'notes', notes, '--sign', `${key}.key`], {
      env: { ...env, MANIFESTO_KEY_PASSWORD: 'wrong' },
    });
    failsWith(wrong, 2, 'wrong password', /wrong passphrase|password/);
    assert.match(wrong.stderr, /hint: .*MANIFESTO_KEY_PASSWORD/);
  });

  it('an Ed25519 key without --sign-format signs in the sigstore format', async () => {
    const key = join(dir, 'ed');
    ok(await runCli(['key', 'generate', '--out', key, '--algorithm', 'ed25519'], { env }), 'key');
    const put = okJson<{ signature?: { format: string } }>(
      await runCli(['put', image, 'notes', notes, '--sign', `${key}.key`, '--json'], { env }),
      'put --sign ed25519',
    );
    assert.equal(put.signature?.format, 'sigstore');
    failsWith(
      await runCli(['put', image, 'notes', notes, '--sign', `${key}.key`, '--sign-format', 'notary'], {
        env,
      }),
      2,
      'ed25519 asked for notary',
    );
  });
});
