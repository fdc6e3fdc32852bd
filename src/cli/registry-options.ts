/** Registry connection options from the command line and the environment. */
import { usageError } from '../errors/errors.ts';
import type { ClientOptions } from '../registry/client-options.ts';
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
  return {
    plainHttp: flagOrEnv('plain-http', 'MANIFESTO_PLAIN_HTTP'),
    insecure: flagOrEnv('insecure', 'MANIFESTO_INSECURE'),
    caFile: stringOption(args, 'ca-file') ?? env.MANIFESTO_CA_FILE,
    username,
    password,
    env,
  };
}
