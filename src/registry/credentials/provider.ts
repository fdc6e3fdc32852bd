/**
 * Credential providers: explicit credentials (flags), Docker's config (credHelpers, credsStore,
 * auths), podman's auth.json, and a chain that asks each in turn.
 */
import { join } from 'node:path';
import {
  type CredentialEnvironment,
  dockerConfigDir,
  entryCredentials,
  findAuthEntry,
  helperFor,
  podmanAuthFiles,
  readDockerConfig,
  serverKey,
} from './docker-config.ts';
import { helperGet } from './helper.ts';
import type { CredentialProvider, Credentials } from './types.ts';

/** The given credentials, for `registry` only when one is named (else for any registry). */
export function explicitCredentials(credentials: Credentials, registry?: string): CredentialProvider {
  const only = registry?.toLowerCase();
  return async (host) => (only === undefined || host.toLowerCase() === only ? credentials : undefined);
}

export interface DockerCredentialOptions extends CredentialEnvironment {
  /** Directory of config.json (default `$DOCKER_CONFIG`, else `~/.docker`). */
  configDir?: string | undefined;
  helperTimeoutMs?: number | undefined;
}

/** Looks a registry up in one Docker-format file: its credential helper first, then `auths`. */
export async function credentialsFromFile(
  path: string,
  registry: string,
  options: DockerCredentialOptions = {},
): Promise<Credentials | undefined> {
  const config = await readDockerConfig(path);
  if (config === undefined) return undefined;
  const helper = helperFor(config, registry);
  if (helper !== undefined) {
    const fromHelper = await helperGet(helper, serverKey(registry), {
      env: options.env,
      timeoutMs: options.helperTimeoutMs,
    });
    if (fromHelper !== undefined) return fromHelper;
  }
  const found = findAuthEntry(config.auths, registry);
  return found === undefined ? undefined : entryCredentials(found[1], path);
}

/** Docker's `config.json` (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`). */
export function dockerConfigCredentials(options: DockerCredentialOptions = {}): CredentialProvider {
  return async (registry) =>
    credentialsFromFile(
      join(options.configDir ?? dockerConfigDir(options), 'config.json'),
      registry,
      options,
    );
}

/** podman's auth files (`$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`). */
export function podmanCredentials(options: DockerCredentialOptions = {}): CredentialProvider {
  return async (registry) => {
    for (const file of podmanAuthFiles(options)) {
      const found = await credentialsFromFile(file, registry, options);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/** Asks each provider in turn; the first credentials found win. */
export function chainCredentials(
  ...providers: readonly (CredentialProvider | undefined)[]
): CredentialProvider {
  return async (registry) => {
    for (const provider of providers) {
      if (provider === undefined) continue;
      const found = await provider(registry);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

/**
 * Reads (and so validates) the credential files a registry request may consult: Docker's config.json
 * and podman's auth files. A malformed file throws DOCKER_CONFIG_INVALID naming it, before the first
 * request: otherwise a registry that never asks for credentials would be used anonymously without a
 * word. One small file read, no credential helper run.
 */
export async function checkCredentialFiles(options: DockerCredentialOptions = {}): Promise<void> {
  const files = [
    join(options.configDir ?? dockerConfigDir(options), 'config.json'),
    ...podmanAuthFiles(options),
  ];
  for (const file of files) await readDockerConfig(file);
}

/** Explicit credentials when given, else Docker's config, else podman's auth file. */
export function defaultCredentialProvider(
  options: DockerCredentialOptions & { explicit?: CredentialProvider | undefined } = {},
): CredentialProvider {
  return chainCredentials(options.explicit, dockerConfigCredentials(options), podmanCredentials(options));
}
