/**
 * Docker credential helpers (`docker-credential-<name>` on PATH): `get` (server URL on stdin, prints
 * `{"ServerURL","Username","Secret"}`), `store` (that JSON on stdin) and `erase` (server URL on stdin).
 * A username of `<token>` means the secret is an identity token.
 */
import { ManifestoError } from '../../errors/errors.ts';
import type { Credentials } from './types.ts';

export interface HelperOptions {
  /** Environment of the helper process (PATH decides which helper runs). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Kill the helper after this long (default 30 s: helpers may prompt to unlock a keychain). */
  timeoutMs?: number | undefined;
}

export interface HelperCredentials {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** Username helpers use to mark the secret as an identity token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';
const DEFAULT_HELPER_TIMEOUT_MS = 30_000;

interface HelperRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function helperProgram(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new ManifestoError('CREDENTIAL_HELPER_INVALID', `invalid credential helper name "${name}"`, {
      category: 'usage',
      hint: 'credsStore/credHelpers in the Docker config name a helper: docker-credential-<name>.',
    });
  }
  return `docker-credential-${name}`;
}

async function runHelper(
  name: string,
  action: string,
  input: string,
  options: HelperOptions,
): Promise<HelperRun> {
  const program = helperProgram(name);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env ?? process.env))
    if (value !== undefined) env[key] = value;
  // Taken here, not imported: node:child_process (with net, dgram) costs every command ~3 M
  // instructions to load, and only registries with a credential helper need it.
  const { spawn } = process.getBuiltinModule('node:child_process');
  return new Promise<HelperRun>((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new ManifestoError('CREDENTIAL_HELPER_FAILED', `${program} ${action} did not finish in time`, {
          category: 'auth',
          hint: 'The credential helper hangs (a locked keychain?); unlock it or log in again.',
        }),
      );
    }, options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new ManifestoError(
          'CREDENTIAL_HELPER_FAILED',
          error.code === 'ENOENT'
            ? `credential helper ${program} not found on PATH`
            : `cannot run ${program}`,
          {
            category: 'auth',
            cause: error,
            hint: `Install ${program}, or remove it from credsStore/credHelpers in the Docker config.`,
          },
        ),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined); // a helper that exits without reading stdin
    child.stdin.end(input);
  });
}

function helperFailure(program: string, action: string, run: HelperRun): ManifestoError {
  const output = (run.stderr.trim() || run.stdout.trim()).split('\n')[0] ?? '';
  return new ManifestoError(
    'CREDENTIAL_HELPER_FAILED',
    `${program} ${action} failed: ${output || `exit ${run.code}`}`,
    {
      category: 'auth',
      hint: 'Check the credential helper configured in the Docker config (credsStore/credHelpers).',
    },
  );
}

function isNotFound(run: HelperRun): boolean {
  return /credentials not found|not found in (native )?keychain|no credentials/i.test(
    run.stdout + run.stderr,
  );
}

/** Credentials the helper holds for `serverUrl`, or undefined when it has none. */
export async function helperGet(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<Credentials | undefined> {
  const run = await runHelper(name, 'get', serverUrl, options);
  if (run.code !== 0) {
    if (isNotFound(run)) return undefined;
    throw helperFailure(helperProgram(name), 'get', run);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(run.stdout);
  } catch (cause) {
    throw new ManifestoError('CREDENTIAL_HELPER_FAILED', `${helperProgram(name)} get printed invalid JSON`, {
      category: 'auth',
      cause,
      hint: 'The credential helper is broken; reinstall it or log in again.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const username = typeof record.Username === 'string' ? record.Username : '';
  const secret = typeof record.Secret === 'string' ? record.Secret : '';
  if (secret === '') return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: secret };
  return { username, password: secret };
}

export async function helperStore(
  name: string,
  credentials: HelperCredentials,
  options: HelperOptions = {},
): Promise<void> {
  const run = await runHelper(name, 'store', JSON.stringify(credentials), options);
  if (run.code !== 0) throw helperFailure(helperProgram(name), 'store', run);
}

/** Erases the helper's credentials for `serverUrl`; true if it had some. */
export async function helperErase(
  name: string,
  serverUrl: string,
  options: HelperOptions = {},
): Promise<boolean> {
  const run = await runHelper(name, 'erase', serverUrl, options);
  if (run.code === 0) return true;
  if (isNotFound(run)) return false;
  throw helperFailure(helperProgram(name), 'erase', run);
}
