// MANIFESTO_* variables that used to be compared with one spelling and otherwise ignored are now
// parsed (src/util/settings.ts): a value they cannot take is an error naming the variable (exit 2)
// instead of a silent default (MANIFESTO_LAYOUT_REFERRERS=Listed meant unlisted, MANIFESTO_CACHE=no
// kept the cache on).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { defaultManifestCacheDir } from '../../../src/registry/manifest-cache.ts';
import { failsWith, ok, runCli } from '../../integration/metadata/support/cli.ts';
import { pushTestImage } from '../../support/images.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-env-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };

describe('MANIFESTO_* values are parsed, not compared', () => {
  let image = '';
  before(async () => {
    const layout = join(dir, 'layout');
    await pushTestImage(await openLayout(layout, { create: true }), { tag: 'v1' });
    image = `oci:${layout}:v1`;
  });

  it('a value a variable cannot take: exit 2 naming it', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { MANIFESTO_LAYOUT_REFERRERS: 'sideways' },
        /^manifesto: error: MANIFESTO_LAYOUT_REFERRERS: "sideways"/,
      ],
      [{ MANIFESTO_CACHE: 'maybe' }, /^manifesto: error: MANIFESTO_CACHE: "maybe" is neither on nor off$/],
      [
        { MANIFESTO_STRICT_TYPES: 'sure' },
        /^manifesto: error: MANIFESTO_STRICT_TYPES: "sure" is neither on nor off$/,
      ],
      [
        { MANIFESTO_TIMEOUT: 'soon' },
        /^manifesto: error: MANIFESTO_TIMEOUT: "soon" is not a number of seconds$/,
      ],
    ];
    for (const [vars, message] of cases) {
      const argv = vars.MANIFESTO_STRICT_TYPES ? ['put', image, 'notes', '-'] : ['list', image];
      failsWith(
        await runCli(argv, { env: { ...env, ...vars }, stdin: 'x' }),
        2,
        Object.keys(vars)[0]!,
        message,
      );
    }
  });

  it('the accepted spellings work, and empty means unset', async () => {
    ok(await runCli(['list', image], { env: { ...env, MANIFESTO_LAYOUT_REFERRERS: 'listed' } }), 'listed');
    ok(await runCli(['list', image], { env: { ...env, MANIFESTO_LAYOUT_REFERRERS: '' } }), 'empty');
    assert.equal(defaultManifestCacheDir({ MANIFESTO_CACHE: 'no', MANIFESTO_CACHE_DIR: '/x' }), undefined);
    assert.equal(defaultManifestCacheDir({ MANIFESTO_CACHE: 'on', MANIFESTO_CACHE_DIR: '/x' }), '/x');
  });
});
