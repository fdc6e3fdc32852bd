// Each command is declared once (src/cli/declarations/): its help lists every option its parser
// accepts, and nothing it does not (before, `put --help` left out --no-validate). Checked through
// `main` for every command, so the help users see and the parser main uses are the ones tested.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { COMMANDS } from '../../../src/cli/commands.ts';
import { acceptedOptions, parseArgsOptions } from '../../../src/cli/declare.ts';
import { REGISTRY_OPTIONS } from '../../../src/cli/shared-options.ts';
import { failsWith, ok, runCli } from '../../integration/metadata/support/cli.ts';

/** The `--flags` and `-x` short flags a help text offers: option rows, usage lines, footers. */
function offeredFlags(help: string, command: string): Set<string> {
  const offered = new Set<string>();
  for (const line of help.split('\n')) {
    const offers =
      /^ {2}-/.test(line) ||
      line.startsWith(`Usage: manifesto ${command}`) ||
      line.startsWith(`       manifesto ${command}`) ||
      /^(Registry options|Also:| {2}\S)/.test(line);
    if (!offers) continue;
    // An option row's label ends where the help column starts; footers and usage lines are all flags.
    const text = /^ {2}-/.test(line) ? line.slice(0, 25) : line;
    for (const m of text.matchAll(/(?:^|[\s[/(|,])(--?[a-zA-Z][\w-]*)/g)) offered.add(m[1]!);
  }
  return offered;
}

describe('every command is declared once', () => {
  for (const [name, { load }] of Object.entries(COMMANDS)) {
    it(`${name} --help lists every option ${name} accepts, and only those`, async () => {
      const help = ok(await runCli([name, '--help']), `${name} --help`);
      assert.equal(ok(await runCli(['help', name]), `help ${name}`), help);
      const accepted = acceptedOptions(await load(), REGISTRY_OPTIONS);
      const offered = offeredFlags(help, name);
      for (const [option, declared] of Object.entries(accepted)) {
        assert.ok(offered.has(`--${option}`), `${name} --help lists --${option}:\n${help}`);
        if (declared.short !== undefined)
          assert.ok(offered.has(`-${declared.short}`), `${name} --help lists -${declared.short}`);
      }
      for (const flag of offered) {
        // The parser accepts it: with a value if it takes one.
        const option = flag.startsWith('--')
          ? accepted[flag.slice(2)]
          : Object.values(accepted).find((o) => `-${o.short}` === flag);
        assert.ok(option !== undefined, `${name} --help offers ${flag}, which ${name} does not accept`);
        const argv = option.type === 'string' ? [flag, 'x'] : [flag];
        assert.doesNotThrow(() =>
          parseArgs({
            args: argv,
            options: parseArgsOptions(accepted),
            strict: true,
            allowPositionals: true,
          }),
        );
      }
    });

    it(`${name}: every option with a variable names it in its help`, async () => {
      const declaration = await load();
      for (const [option, declared] of Object.entries(declaration.options)) {
        if (declared.env !== undefined)
          assert.match(declared.help, new RegExp(`\\$${declared.env}\\b`), `${name} --${option}`);
      }
    });
  }

  it('manifesto --help lists every command', async () => {
    const help = ok(await runCli(['--help']), '--help');
    const lines = help.split('\n');
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const line = lines.find((l) => l.startsWith(`  ${name} `));
      assert.ok(line?.includes(entry.summary), `manifesto --help lists ${name}:\n${help}`);
    }
  });

  it('put --help lists --no-validate (missing before)', async () => {
    assert.match(ok(await runCli(['put', '--help']), 'put --help'), /^ {2}--no-validate {2,}\S/m);
  });
});

describe('command-line mistakes have their own codes', () => {
  const error = (stderr: string) =>
    (JSON.parse(stderr.trim().split('\n')[0]!) as { error: { code: string; message: string } }).error;
  const code = (stderr: string) => error(stderr).code;

  it('an unknown option: ARGS_UNKNOWN_OPTION, with the nearest option as a hint', async () => {
    const result = await runCli(['list', 'oci:/nowhere:v1', '--tre']);
    failsWith(result, 2, 'typo', /^manifesto: error: list: unknown option --tre$/);
    assert.match(result.stderr, /hint: Did you mean --tree\? Run "manifesto list --help" for usage\./);
    const far = await runCli(['put', 'oci:/nowhere:v1', 'notes', 'f', '--zzzzzz']);
    assert.doesNotMatch(far.stderr, /Did you mean/);
    assert.equal(code((await runCli(['list', 'x', '--bogus', '--json'])).stderr), 'ARGS_UNKNOWN_OPTION');
  });

  it('missing and unexpected values, positionals, required options, conflicts', async () => {
    const cases: [string[], string, RegExp][] = [
      [['list', 'x', '--platform', '--json'], 'ARGS_VALUE_MISSING', /--platform needs a value/],
      [['list', 'x', '--tree=1', '--json'], 'ARGS_VALUE_UNEXPECTED', /--tree takes no value/],
      [['get', 'x', '--json'], 'ARGS_POSITIONALS', /get: expected IMAGE TYPE, got 1 argument/],
      [['prune', 'x', '--json'], 'ARGS_OPTION_REQUIRED', /prune: --keep N is required/],
      [['check', 'x', '--json'], 'ARGS_OPTION_REQUIRED', /check: --policy FILE is required/],
      [['put', 'x', '--from', 'ops.jsonl', '--json'], 'ARGS_CONFLICT', /put --from FILE takes no IMAGE/],
      [['key', 'rotate', '--json'], 'ARGS_UNKNOWN_ACTION', /unknown key action "rotate"/],
      [
        ['prune', 'x', '--keep', 'three', '--json'],
        'NUMBER_INVALID',
        /--keep: "three" is not a whole number/,
      ],
    ];
    for (const [argv, expected, message] of cases) {
      const result = await runCli(argv);
      assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
      assert.equal(code(result.stderr), expected, argv.join(' '));
      assert.match(error(result.stderr).message, message);
    }
  });
});

describe('option values are checked as they are parsed', () => {
  it('a bad value is reported before the arguments are counted', async () => {
    failsWith(
      await runCli(['put', 'oci:/nowhere:v1', 'notes', '--max-size', '1X']),
      2,
      'bad size',
      /^manifesto: error: --max-size: invalid size "1X"$/,
    );
    failsWith(
      await runCli(['list', '--from', 'refs.txt', '--platform', 'not a platform']),
      2,
      'bad platform, even where list --from does not use it',
      /^manifesto: error: .*not a platform/,
    );
  });
});
