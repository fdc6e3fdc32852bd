/**
 * Every `MANIFESTO_*` environment variable, read in one place and with the same value parsers as the
 * command-line flags that override them (src/cli/commands/*.ts declares each flag with the variable
 * it reads): `--max-size 1G` and `MANIFESTO_MAX_SIZE=1G` both mean 1 GiB. Before, eight files read
 * `process.env` each its own way, and `MANIFESTO_MAX_SIZE=1G` was `Number("1G")` = NaN, which
 * silently disabled the size limit (`size > NaN` is false).
 *
 * Layers below the front ends take an `env` object (process.env by default) and ask `setting(env, NAME)`;
 * tests pass their own object. An empty value counts as unset; a value the parser refuses is a usage
 * error naming the variable (exit 2), never a silent default.
 */
import { usageError } from '../errors/errors.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A value parser: `text` from a flag or a variable, `source` (`--max-size`, `MANIFESTO_MAX_SIZE`) for errors. */
export type ValueParser<T> = (text: string, source: string) => T;

const SIZE_UNITS = ['', 'k', 'm', 'g', 't'];

/** Sizes in bytes or with a binary unit: 1048576, 512k, 512K, 1KiB, 100M, 100MB, 2G, 2GiB. */
export const parseSize: ValueParser<number> = (text, source) => {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (m === null) {
    throw usageError(
      'SIZE_INVALID',
      `${source}: invalid size "${text}"`,
      'Use bytes or a unit: 512k, 100M, 2G (1K = 1KiB = 1024 bytes).',
    );
  }
  return Number(m[1]) * 1024 ** SIZE_UNITS.indexOf((m[2] ?? '').toLowerCase());
};

export const parseWholeNumber: ValueParser<number> = (text, source) => {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw usageError('NUMBER_INVALID', `${source}: "${text}" is not a whole number`);
  }
  return Number(text);
};

/** On/off switches: 1/true/yes/on, 0/false/no/off (any case). */
export const parseSwitch: ValueParser<boolean> = (text, source) => {
  if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
  if (/^(0|false|no|off)$/i.test(text.trim())) return false;
  throw usageError(
    'SWITCH_INVALID',
    `${source}: "${text}" is neither on nor off`,
    'Use 1 or 0 (true/false, yes/no).',
  );
};

/** A number of seconds (decimals allowed, at most an hour), to milliseconds: --timeout, MANIFESTO_TIMEOUT. */
export const parseSeconds: ValueParser<number> = (text, source) => {
  const seconds = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(seconds > 0) || seconds > 3600) {
    throw usageError(
      'TIMEOUT_INVALID',
      `${source}: "${text}" is not a number of seconds`,
      'Give the seconds the registry may stay silent, e.g. --timeout 30 (or MANIFESTO_TIMEOUT=30); at most 3600.',
    );
  }
  return Math.round(seconds * 1000);
};

/** Milliseconds, 0 to 10 minutes (MANIFESTO_SETTLE_MS). */
const parseSettleMs: ValueParser<number> = (text, source) => {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms > 600_000) {
    throw usageError(
      'SETTLE_INVALID',
      `${source} must be a whole number of milliseconds (0-600000), not "${text}"`,
    );
  }
  return ms;
};

const parseText: ValueParser<string> = (text) => text;

const parseLayoutReferrers: ValueParser<'listed' | 'unlisted'> = (text, source) => {
  if (text === 'listed' || text === 'unlisted') return text;
  throw usageError('SETTING_INVALID', `${source}: "${text}" is neither listed nor unlisted`);
};

interface Setting<T> {
  parse: ValueParser<T>;
  /** One line for documentation. */
  description: string;
}

const define = <T>(parse: ValueParser<T>, description: string): Setting<T> => ({ parse, description });

/** The variables manifesto reads, by name. */
export const SETTINGS = {
  MANIFESTO_AUTHOR: define(parseText, 'who stores versions (put, check --record); default user@host'),
  MANIFESTO_MAX_SIZE: define(parseSize, 'largest content put stores (default 1G)'),
  MANIFESTO_STRICT_TYPES: define(parseSwitch, 'put refuses a TYPE that looks like a typo'),
  MANIFESTO_STRICT_CONTENT: define(parseSwitch, 'put refuses content about another image'),
  MANIFESTO_TIMEOUT: define(parseSeconds, 'longest silence of a registry, in seconds (default 15)'),
  MANIFESTO_PLAIN_HTTP: define(parseSwitch, 'plain HTTP (1) or https (0) for every registry'),
  MANIFESTO_INSECURE: define(parseSwitch, 'skip TLS certificate verification'),
  MANIFESTO_CA_FILE: define(parseText, 'a PEM file of extra CA certificates'),
  MANIFESTO_SETTLE_MS: define(parseSettleMs, 'tag-schema settle time in ms (docs/format.md)'),
  MANIFESTO_KEY_PASSWORD: define(parseText, 'password of an encrypted signing key'),
  MANIFESTO_KEY_PASSPHRASE: define(parseText, 'older name of MANIFESTO_KEY_PASSWORD'),
  MANIFESTO_TRUST_POLICY: define(parseText, 'the trust policy file'),
  MANIFESTO_TRUSTED_STATE: define(parseText, 'a shared trusted state (file or directory)'),
  MANIFESTO_STATE_DIR: define(parseText, "this machine's state directory"),
  MANIFESTO_CACHE: define(parseSwitch, 'the on-disk manifest cache (off disables it)'),
  MANIFESTO_CACHE_DIR: define(parseText, 'directory of the manifest cache'),
  MANIFESTO_LAYOUT_REFERRERS: define(
    parseLayoutReferrers,
    'OCI layouts list referrers in index.json (listed)',
  ),
  MANIFESTO_INDEX: define(parseText, 'the fleet index file (default $MANIFESTO_STATE_DIR/index.db)'),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends Setting<infer T> ? T : never;

/** The parsed value of variable `name` in `env`, or undefined when it is unset or empty. */
export function setting<N extends SettingName>(env: Environment, name: N): SettingValue<N> | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  return (SETTINGS[name] as Setting<SettingValue<N>>).parse(text, name);
}
