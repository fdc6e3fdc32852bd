/** Registry connection options from the command line and the environment (declared in shared-options.ts). */
import { usageError } from '../errors/errors.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { setting } from '../util/settings.ts';
import type { CommandArgs } from './declare.ts';
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
  args: CommandArgs,
  io: CommandIO,
  password: string | undefined,
): ClientOptions {
  const username = args.text('username');
  if ((username === undefined) !== (password === undefined)) {
    throw usageError(
      'CREDENTIALS_INCOMPLETE',
      username === undefined ? '--password-stdin needs --username' : '--username needs --password-stdin',
      'Give both, or neither to use the credentials stored by "manifesto login" or "docker login".',
    );
  }
  return {
    // --plain-http, else MANIFESTO_PLAIN_HTTP: 1 plain HTTP everywhere, 0 https everywhere (loopback
    // too); neither: https, loopback registries by what they speak.
    plainHttp: args.value<boolean>('plain-http'),
    insecure: args.on('insecure'),
    caFile: args.text('ca-file'),
    timeoutMs: args.value<number>('timeout'),
    // The tag-schema settle time (docs/format.md), e.g. higher for a remote registry with long round
    // trips; every writer of a registry should use the same value.
    tagSchemaSettleMs: setting(io.env, 'MANIFESTO_SETTLE_MS'),
    username,
    password,
    env: io.env,
  };
}
