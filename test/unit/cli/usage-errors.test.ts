// Mistakes on the command line get manifesto's own one-line errors, not Node's parser text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failsWith, runCli } from '../../integration/metadata/support/cli.ts';

describe('command-line mistakes', () => {
  it('an unknown flag: one line naming it, balanced quotes, a hint', async () => {
    const result = await runCli(['list', 'oci:/nowhere:v1', '--bogus']);
    const line = failsWith(result, 2, 'unknown flag', /^manifesto: error: list: unknown option --bogus$/);
    assert.equal((line.match(/'/g) ?? []).length % 2, 0, line);
    assert.match(result.stderr, /hint: .*manifesto list --help/);
    failsWith(await runCli(['get', 'x', 'y', '-Z']), 2, 'unknown short flag', /unknown option -Z$/);
  });

  it('a flag without its value, and a value given to a switch', async () => {
    failsWith(
      await runCli(['list', 'oci:/nowhere:v1', '--platform']),
      2,
      'missing value',
      /^manifesto: error: list: --platform needs a value$/,
    );
    failsWith(
      await runCli(['list', 'oci:/nowhere:v1', '--tree=yes']),
      2,
      'value to a switch',
      /^manifesto: error: list: --tree takes no value$/,
    );
  });
});
