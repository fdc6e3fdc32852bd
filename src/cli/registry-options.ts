/** Registry connection options from the command line and the environment. */
import { usageError } from '../errors/errors.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { booleanOption, type ParsedArgs, stringOption } from './args.ts';
import type { CommandIO } from './io.ts';

/** Reads a password (or token) from standard input, without its trailing newline. */
export async function readPasswordFromStdin(io: CommandIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') {
    throw usageError(
      'PASSWORD_EMPTY',
      '--password-stdin: standard input was empty',
      'Pipe the password in: echo "$TOKEN" | manifesto ...',
    );
  }
  return password;
}

export function registryOptionsFromArgs(
  args: ParsedArgs,
  io: CommandIO,
  password: string | undefined,
): ClientOptions {
  const username = stringOption(args, 'username') ?? undefined;
  if ((username === undefined) !== (password === undefined)) {
    throw usageError(
      'CREDENTIALS_INCOMPLETE',
      username === undefined ? '--password-stdin needs --username' : '--username needs --password-stdin',
      'Give both, or neither to use the credentials stored by "manifesto login" or "docker login".',
    );
  }
  const env = io.env;
  const flagOrEnv = (flag: string, variable: string) =>
    booleanOption(args, flag) || env[variable] === '1' || env[variable] === 'true';
  const timeout = stringOption(args, 'timeout') ?? env.MANIFESTO_TIMEOUT;
  return {
    plainHttp: plainHttpChoice(booleanOption(args, 'plain-http'), env.MANIFESTO_PLAIN_HTTP),
    insecure: flagOrEnv('insecure', 'MANIFESTO_INSECURE'),
    caFile: stringOption(args, 'ca-file') ?? env.MANIFESTO_CA_FILE,
    timeoutMs: timeout === undefined || timeout === '' ? undefined : parseTimeout(timeout),
    tagSchemaSettleMs: settleMs(env.MANIFESTO_SETTLE_MS),
    username,
    password,
    env,
  };
}

/**
 * MANIFESTO_SETTLE_MS: the tag-schema settle time (docs/format.md), e.g. higher for a remote registry
 * with long round trips; every writer of a registry should use the same value.
 */
function settleMs(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 600_000) {
    throw usageError(
      'SETTLE_INVALID',
      `MANIFESTO_SETTLE_MS must be a whole number of milliseconds (0-600000), not "${value}"`,
    );
  }
  return ms;
}

/**
 * --plain-http or MANIFESTO_PLAIN_HTTP=1: plain HTTP everywhere; MANIFESTO_PLAIN_HTTP=0: https
 * everywhere, loopback too; neither: https, loopback registries by what they speak.
 */
function plainHttpChoice(flag: boolean, variable: string | undefined): boolean | undefined {
  if (flag || variable === '1' || variable === 'true') return true;
  if (variable === '0' || variable === 'false') return false;
  return undefined;
}

/** --timeout / MANIFESTO_TIMEOUT: seconds (decimals allowed), to milliseconds. */
function parseTimeout(text: string): number {
  const seconds = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(seconds > 0) || seconds > 3600) {
    throw usageError(
      'TIMEOUT_INVALID',
      `--timeout: "${text}" is not a number of seconds`,
      'Give the seconds the registry may stay silent, e.g. --timeout 30 (or MANIFESTO_TIMEOUT=30); at most 3600.',
    );
  }
  return Math.round(seconds * 1000);
}
