/** `manifesto login REGISTRY` and `manifesto logout REGISTRY`: Docker-format stored credentials. */
import { ManifestoError, usageError } from '../../errors/errors.ts';
import { createTransportPool } from '../../open/open-image.ts';
import { removeCredentials, saveCredentials } from '../../registry/credentials/store.ts';
import { errorFromResponse } from '../../registry/http/response-errors.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';

export interface LoginCommandOptions {
  registry: string;
}

function normaliseRegistry(input: string): string {
  const host = input
    .replace(/^https?:\/\//, '')
    .replace(/\/+$/, '')
    .replace(/\/v[12]\/?$/, '');
  if (host === '' || host.includes('/')) {
    throw usageError(
      'REGISTRY_INVALID',
      `invalid registry "${input}"`,
      'Give a registry host, e.g. registry.example.com or localhost:5000.',
    );
  }
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host.toLowerCase();
}

/** Checks the credentials with an authenticated request to the registry, then stores them. */
export async function loginCommand(options: LoginCommandOptions, context: CommandContext): Promise<void> {
  const { client } = context;
  if (client.username === undefined || client.password === undefined) {
    throw usageError(
      'CREDENTIALS_MISSING',
      'login needs --username and --password-stdin',
      'e.g. echo "$TOKEN" | manifesto login REGISTRY -u USER --password-stdin',
    );
  }
  const registry = normaliseRegistry(options.registry);
  const transport = createTransportPool({ ...client, dockerConfigDir: client.dockerConfigDir })(registry);
  const response = await transport.request({
    method: 'GET',
    path: '/v2/',
    requestClass: 'ping',
    idempotent: true,
  });
  if (response.status !== 200) {
    const error = await errorFromResponse(response, { operation: `log in to ${registry}` });
    throw new ManifestoError('LOGIN_FAILED', `login to ${registry} failed: ${error.message}`, {
      category: error.category,
      hint: 'Check the user name and password (or token).',
      status: error.status,
      cause: error,
    });
  }
  await response.body?.cancel();
  const saved = await saveCredentials(registry, client.username, client.password, {
    configDir: client.dockerConfigDir,
    env: client.env,
  });
  const where =
    saved.store === 'file' ? saved.path : `credential helper docker-credential-${saved.store.helper}`;
  if (context.json) writeJson(context.io.stdout, { registry, stored: where });
  else writeLine(context.io.stdout, `Login succeeded: credentials for ${registry} stored in ${where}`);
}

export async function logoutCommand(options: LoginCommandOptions, context: CommandContext): Promise<void> {
  const registry = normaliseRegistry(options.registry);
  const removed = await removeCredentials(registry, {
    configDir: context.client.dockerConfigDir,
    env: context.io.env,
  });
  if (context.json) writeJson(context.io.stdout, { registry, removed });
  else
    writeLine(
      context.io.stdout,
      removed ? `Removed credentials for ${registry}` : `No credentials stored for ${registry}`,
    );
}
