/** Argument parsing on node:util's parseArgs, with usage errors manifesto can report. */
import { parseArgs } from 'node:util';
import { usageError } from '../errors/errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Options every command that talks to a registry accepts. */
export const REGISTRY_OPTIONS: OptionSpecs = {
  'plain-http': { type: 'boolean' },
  insecure: { type: 'boolean' },
  'ca-file': { type: 'string' },
  timeout: { type: 'string' },
  username: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
};

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpecs = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/** manifesto's own words for what Node's argument parser refused (its text quotes unevenly). */
function parseProblem(error: unknown): string {
  const message = (error as Error).message.split('\n')[0] ?? String(error);
  const option = /Option '(-[^' ]+)/.exec(message)?.[1] ?? /option '(-[^' ]+)'/i.exec(message)?.[1];
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return message.includes('argument missing') ? `${option} needs a value` : `${option} takes no value`;
  }
  return message;
}

export function parseCommandArgs(command: string, argv: string[], specs: OptionSpecs): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...specs },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw usageError(
      'ARGS_INVALID',
      `${command}: ${parseProblem(error)}`,
      `Run "manifesto ${command} --help" for usage.`,
      error,
    );
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function booleanOption(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function stringList(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? [v] : [];
}

/** Exactly `names.length` positionals, named for the error message. */
export function positionals(command: string, args: ParsedArgs, names: string[], optional = 0): string[] {
  const n = args.positionals.length;
  if (n < names.length - optional || n > names.length) {
    throw usageError(
      'ARGS_INVALID',
      `${command}: expected ${names.map((x) => x.toUpperCase()).join(' ')}, got ${n} argument${n === 1 ? '' : 's'}`,
      `Run "manifesto ${command} --help" for usage.`,
    );
  }
  return args.positionals;
}

/** `--annotation k=v` values into a record. */
export function parseAnnotations(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of values) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw usageError('ANNOTATION_INVALID', `invalid annotation "${entry}"`, 'Use --annotation key=value.');
    }
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** Sizes like 1048576, 512k, 100M, 2G (binary multiples). */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!m)
    throw usageError(
      'SIZE_INVALID',
      `${flag}: invalid size "${text}"`,
      'Use bytes or a suffix: 512k, 100M, 2G.',
    );
  const power = ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  return Number(m[1]) * 1024 ** power;
}

export function parseWholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw usageError('NUMBER_INVALID', `${flag}: "${text}" is not a whole number`);
  return Number(text);
}
