/**
 * A command declared once: its usage, its options (each with its help text, value parser and the
 * MANIFESTO_* variable it falls back to) and how it runs. From one declaration come the `node:util`
 * parseArgs configuration, the `--help` text and the values the command runs with, so that an option
 * cannot be accepted without being documented (before, `put --help` left out `--no-validate`, which
 * main.ts accepted) nor documented without being accepted (test/unit/cli/declarations.test.ts).
 *
 * Command-line mistakes get manifesto's own one-line errors, one code each: ARGS_UNKNOWN_OPTION
 * (with the nearest option as a hint), ARGS_VALUE_MISSING, ARGS_VALUE_UNEXPECTED, ARGS_POSITIONALS,
 * ARGS_OPTION_REQUIRED, ARGS_CONFLICT; a value its parser refuses keeps the parser's code
 * (SIZE_INVALID, NUMBER_INVALID, TIMEOUT_INVALID...).
 */
import { parseArgs } from 'node:util';
import { usageError } from '../errors/errors.ts';
import { editDistance } from '../util/edit-distance.ts';
import { type Environment, type SettingName, setting, type ValueParser } from '../util/settings.ts';
import type { CommandContext } from './context.ts';

export interface OptionDeclaration {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's name in the help (`SIZE` in `--max-size SIZE`); string options only. */
  value?: string;
  /** What it does; `\n` starts a continuation line. */
  help: string;
  /** Turns the text into the value the command gets (the same parser reads `env`). */
  parse?: ValueParser<unknown>;
  /** The variable read when the option is not given (its parser: src/util/settings.ts). */
  env?: SettingName;
  /** The value (as text) when neither the option nor the variable is given. */
  default?: string;
}

export type OptionDeclarations = Readonly<Record<string, OptionDeclaration>>;

/** The values one run of a command gets: options given, else their variable, else their default. */
export interface CommandArgs {
  readonly command: string;
  /** Exactly `names.length` positionals (the last `optional` ones may be absent), else ARGS_POSITIONALS. */
  positionals(names: readonly string[], optional?: number): string[];
  readonly positionalCount: number;
  /** Every positional, unchecked (commands with actions and lists: `index sync TARGET...`). */
  readonly positionalValues: readonly string[];
  /** A string option's text (not parsed). */
  text(name: string): string | undefined;
  /** A switch: given, or its variable on. */
  on(name: string): boolean;
  /** A repeatable option's values. */
  list(name: string): string[];
  /** An option's value through its parser (a switch: true, its variable's value, or undefined). */
  value<T>(name: string): T | undefined;
  /** A string option that must be given: ARGS_OPTION_REQUIRED naming `example` otherwise. */
  required(name: string, example: string): string;
}

export interface CommandDeclaration {
  name: string;
  /** Usage lines, each after `manifesto `. */
  usage: readonly string[];
  /** What the command does, before the options. */
  intro: string;
  options: OptionDeclarations;
  /** After the options. */
  outro?: string;
  /** Whether it takes the registry options (and, unless `opensImages` is false, gets an image opener). */
  registry: boolean;
  /** false: accepts the registry options only so that scripts can pass them everywhere (logout). */
  opensImages?: boolean;
  run(args: CommandArgs, context: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionDeclarations = {
  json: { type: 'boolean', help: 'stable JSON on standard output' },
  debug: { type: 'boolean', help: 'the stack of an error, and each request' },
  help: { type: 'boolean', short: 'h', help: 'this text' },
};

/** Every option `command` accepts, in help order: its own, then the registry ones, then the common ones. */
export function acceptedOptions(
  command: CommandDeclaration,
  registryOptions: OptionDeclarations,
): OptionDeclarations {
  return { ...(command.registry ? registryOptions : {}), ...COMMON_OPTIONS, ...command.options };
}

/** The `parseArgs` option configuration of a declaration set. */
export function parseArgsOptions(options: OptionDeclarations) {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(options)) {
    config[name] = {
      type: o.type,
      ...(o.short === undefined ? {} : { short: o.short }),
      ...(o.multiple === true ? { multiple: true } : {}),
    };
  }
  return config;
}

/** The accepted option nearest to an unknown `--name` (a typo, or a prefix), if one is near. */
export function nearestOption(name: string, options: OptionDeclarations): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of Object.keys(options)) {
    const distance = candidate.startsWith(name) && name.length >= 3 ? 1 : editDistance(name, candidate);
    if (
      distance <= Math.max(1, Math.floor(candidate.length / 4)) + 1 &&
      (best === undefined || distance < best.distance)
    )
      best = { name: candidate, distance };
  }
  return best?.name;
}

function helpHint(command: string): string {
  return `Run "manifesto ${command} --help" for usage.`;
}

/** Parses `argv` (after the command name) against `options`; `env` supplies the variables. */
export function parseCommandLine(
  command: string,
  argv: readonly string[],
  options: OptionDeclarations,
  env: Environment,
): CommandArgs {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: parseArgsOptions(options),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const declared = options[token.name];
    if (declared === undefined) {
      const near = token.rawName.startsWith('--') ? nearestOption(token.name, options) : undefined;
      throw usageError(
        'ARGS_UNKNOWN_OPTION',
        `${command}: unknown option ${token.rawName}`,
        near === undefined ? helpHint(command) : `Did you mean --${near}? ${helpHint(command)}`,
      );
    }
    if (
      declared.type === 'string' &&
      (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))
    ) {
      throw usageError(
        'ARGS_VALUE_MISSING',
        `${command}: ${token.rawName} needs a value`,
        token.value === undefined
          ? helpHint(command)
          : `Write ${token.rawName}=${token.value} if "${token.value}" is the value. ${helpHint(command)}`,
      );
    }
    if (declared.type === 'boolean' && token.value !== undefined) {
      throw usageError(
        'ARGS_VALUE_UNEXPECTED',
        `${command}: ${token.rawName} takes no value`,
        helpHint(command),
      );
    }
  }
  const given = (name: string): unknown => values[name];
  const parsedText = (name: string, text: string, source: string): unknown => {
    const parse = options[name]?.parse;
    return parse === undefined ? text : parse(text, source);
  };
  // A value given on the command line is checked now, whatever the command goes on to use: a bad
  // --max-size is reported as such, not after (or instead of) a missing argument.
  for (const [name, declared] of Object.entries(options)) {
    const v = given(name);
    if (declared.parse !== undefined && typeof v === 'string') parsedText(name, v, `--${name}`);
  }
  const args: CommandArgs = {
    command,
    positionalCount: positionals.length,
    positionalValues: positionals,
    positionals(names, optional = 0) {
      const n = positionals.length;
      if (n < names.length - optional || n > names.length) {
        throw usageError(
          'ARGS_POSITIONALS',
          `${command}: expected ${names.map((x) => x.toUpperCase()).join(' ')}, got ${n} argument${n === 1 ? '' : 's'}`,
          helpHint(command),
        );
      }
      return positionals;
    },
    text(name) {
      const v = given(name);
      if (typeof v === 'string') return v;
      const declared = options[name];
      if (declared?.env !== undefined) {
        const fromEnv = env[declared.env];
        if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
      }
      return declared?.default;
    },
    on(name) {
      return args.value<boolean>(name) === true;
    },
    list(name) {
      const v = given(name);
      if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
      return typeof v === 'string' ? [v] : [];
    },
    value<T>(name: string): T | undefined {
      const declared = options[name];
      const v = given(name);
      if (declared?.type === 'boolean') {
        if (v === true) return true as T;
        return declared.env === undefined ? undefined : (setting(env, declared.env) as T | undefined);
      }
      if (typeof v === 'string') return parsedText(name, v, `--${name}`) as T;
      if (declared?.env !== undefined) {
        const fromEnv = env[declared.env];
        if (fromEnv !== undefined && fromEnv !== '') return parsedText(name, fromEnv, declared.env) as T;
      }
      return declared?.default === undefined
        ? undefined
        : (parsedText(name, declared.default, `--${name}`) as T);
    },
    required(name, example) {
      const v = args.text(name);
      if (v === undefined) {
        const value = options[name]?.value ?? 'VALUE';
        throw usageError(
          'ARGS_OPTION_REQUIRED',
          `${command}: --${name} ${value} is required`,
          `e.g. ${example}`,
        );
      }
      return v;
    },
  };
  return args;
}

/** `--max-size SIZE`, `-o, --output FILE`. */
function optionLabel(name: string, o: OptionDeclaration): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short === undefined ? long : `-${o.short}, ${long}`;
}

const HELP_COLUMN = 25;

/** One option's rows: the label, then the help from column 25 (on the next line if the label is long). */
export function optionRows(name: string, o: OptionDeclaration): string[] {
  const label = `  ${optionLabel(name, o)}`;
  const lines = o.help.split('\n');
  const indent = ' '.repeat(HELP_COLUMN);
  if (label.length >= HELP_COLUMN - 1) return [label, ...lines.map((l) => indent + l)];
  return [label.padEnd(HELP_COLUMN) + lines[0], ...lines.slice(1).map((l) => indent + l)];
}

/** A short list of options for the footer: `--ca-file FILE, -u/--username USER`. */
function optionList(options: OptionDeclarations): string {
  return Object.entries(options)
    .map(([name, o]) => {
      const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
      return o.short === undefined ? long : `-${o.short}/${long}`;
    })
    .join(', ');
}

/** `text` in lines of at most 100 columns, the later ones indented by two spaces. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > 100) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** The `manifesto COMMAND --help` text. */
export function commandHelp(command: CommandDeclaration, registryOptions: OptionDeclarations): string {
  const [first, ...more] = command.usage;
  const lines = [`Usage: manifesto ${first}`, ...more.map((u) => `       manifesto ${u}`), '', command.intro];
  for (const [name, o] of Object.entries(command.options)) lines.push(...optionRows(name, o));
  const shared = (options: OptionDeclarations) =>
    Object.fromEntries(Object.entries(options).filter(([name]) => command.options[name] === undefined));
  if (command.registry) {
    lines.push(...wrap(`Registry options (see "manifesto --help"): ${optionList(shared(registryOptions))}.`));
  }
  const common = shared(COMMON_OPTIONS);
  if (Object.keys(common).length > 0) lines.push(...wrap(`Also: ${optionList(common)}.`));
  if (command.outro !== undefined) lines.push('', command.outro);
  return lines.join('\n');
}
