// Terminal escape injection: authors and type names come from whoever can push to the repository (a
// foreign referrer names its own), and error messages echo input. Printed for a terminal, every such
// string has its control characters escaped (window title, clear screen, hyperlinks, colours, a
// newline faking a row); --json output stays exact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { terminalSafe } from '../../../src/cli/render.ts';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { failsWith, ok, okJson, runCli } from '../../integration/metadata/support/cli.ts';
import { pushImage } from '../content/layout/layout-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-escapes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, MANIFESTO_CACHE: 'off', MANIFESTO_STATE_DIR: join(dir, 'state') };

const TITLE = '\u001b]0;pwned\u0007';
const GREEN = '\u001b[32mtrusted-ci@example.com\u001b[0m';
const LINK = '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\';
const AUTHOR = `${TITLE}${GREEN}${LINK}\u001b[2J\r\nFAKE ROW\u009b31m\u202e`;
const TYPE = `scan\u001b[2Jx`;

/** No C0 (but newline), DEL, C1 or bidi control character anywhere in `text`. */
function assertNoControls(text: string, what: string): void {
  const found = [...text].filter((c) => c !== '\n' && /[\p{Cc}\p{Bidi_Control}]/u.test(c));
  assert.deepEqual(
    found,
    [],
    `${what}: control characters ${JSON.stringify(found)} in ${JSON.stringify(text)}`,
  );
}

describe('terminal escapes in registry-supplied strings', () => {
  let image = '';
  before(async () => {
    const layout = join(dir, 'layout');
    const repo = await openLayout(layout, { create: true });
    const subject = await pushImage(repo, {}, 'v1');
    image = `oci:${layout}:v1`;
    const notes = join(dir, 'notes.json');
    writeFileSync(notes, '{}');
    ok(
      await runCli(['put', image, 'notes', notes, '--author', AUTHOR], { env }),
      'put with a hostile author',
    );
    // A foreign referrer naming its own type and author.
    await pushImage(repo, {
      subject,
      artifactType: 'application/vnd.example.scan',
      annotations: {
        'dev.manifesto.type': TYPE,
        'org.opencontainers.image.authors': AUTHOR,
        'org.opencontainers.image.created': '2026-01-01T00:00:00Z',
      },
    });
  });

  it('list and history escape authors and type names; --json keeps them exact', async () => {
    const list = ok(await runCli(['list', image], { env }), 'list');
    assertNoControls(list, 'list');
    assert.match(list, /\\u001b\[32mtrusted-ci@example\.com/, 'escaped, still readable');
    assert.equal(
      list.trimEnd().split('\n').length,
      1 + 1 + 2,
      'no fake row: header line, table header, 2 types',
    );
    const history = ok(await runCli(['history', image, 'notes'], { env }), 'history');
    assertNoControls(history, 'history');
    const json = okJson<{ types: Array<{ type: string; latest: { author: string | null } }> }>(
      await runCli(['list', image, '--json'], { env }),
      'list --json',
    );
    assert.equal(json.types.find((t) => t.type === 'notes')?.latest.author, AUTHOR);
  });

  it('error messages escape what they echo', async () => {
    const result = await runCli(['get', image, `nope${TITLE}\nmanifesto: fake line`], { env });
    assert.notEqual(result.code, 0);
    assertNoControls(result.stderr, 'stderr');
    failsWith(result, result.code, 'escaped error');
    const unknown = await runCli([`bogus${TITLE}`], { env });
    assertNoControls(unknown.stderr, 'unknown command');
  });

  it('terminalSafe escapes C0, DEL, C1 and bidi controls, and newlines unless multi-line', () => {
    assert.equal(terminalSafe('a\u001b[2Jb'), 'a\\u001b[2Jb');
    assert.equal(terminalSafe('a\nb'), 'a\\u000ab');
    assert.equal(terminalSafe('a\nb', { multiline: true }), 'a\nb');
    assert.equal(terminalSafe('\u009b\u007f\u202e\t'), '\\u009b\\u007f\\u202e\t');
    assert.equal(terminalSafe('ok: café ✓'), 'ok: café ✓');
  });
});
