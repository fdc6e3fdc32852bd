/**
 * Docker's client configuration (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) and
 * podman's `auth.json` (same `auths` format): locating, reading, and matching a registry host to
 * the keys Docker uses (`https://index.docker.io/v1/` for Docker Hub; `host`, `https://host`,
 * `http://host`, `https://host/v1/`... for others).
 */

import { homedir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../../errors/errors.ts';
import { isMissingPath } from '../../util/errno.ts';
import { readFile } from '../../util/fs-async.ts';
import type { Credentials } from './types.ts';

export interface DockerAuthEntry {
  /** base64 of `username:password`. */
  auth?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  identitytoken?: string | undefined;
  [other: string]: unknown;
}

export interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry> | undefined;
  credHelpers?: Record<string, string> | undefined;
  credsStore?: string | undefined;
  [other: string]: unknown;
}

/** Environment of credential lookups (process.env and the home directory unless injected). */
export interface CredentialEnvironment {
  env?: Readonly<Record<string, string | undefined>> | undefined;
  homeDir?: string | undefined;
}

/** The key Docker files Docker Hub credentials under. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_NAMES: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
]);

export function isDockerHubHost(registry: string): boolean {
  return DOCKER_HUB_NAMES.has(registry.toLowerCase());
}

/** `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(environment: CredentialEnvironment = {}): string {
  const env = environment.env ?? process.env;
  const dir = env.DOCKER_CONFIG;
  if (dir !== undefined && dir !== '') return dir;
  return join(environment.homeDir ?? homedir(), '.docker');
}

/** podman's auth files: `$REGISTRY_AUTH_FILE`, then `$XDG_RUNTIME_DIR/containers/auth.json`. */
export function podmanAuthFiles(environment: CredentialEnvironment = {}): string[] {
  const env = environment.env ?? process.env;
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  return files;
}

/** Reads a Docker-format config file; undefined when it does not exist. */
export async function readDockerConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isMissingPath(error)) {
      return undefined;
    }
    throw usageError('DOCKER_CONFIG_UNREADABLE', `cannot read ${path}`, 'Check the file permissions.', error);
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw usageError('DOCKER_CONFIG_INVALID', `${path} is not valid JSON`, 'Fix or remove the file.', cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usageError('DOCKER_CONFIG_INVALID', `${path} is not a JSON object`, 'Fix or remove the file.');
  }
  return parsed as DockerConfigFile;
}

/** The host a config key names: scheme and path stripped (`https://host:5000/v1/` -> `host:5000`). */
export function keyHost(key: string): string {
  return key
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/', 1)[0]!
    .toLowerCase();
}

/** The key Docker writes and passes to helpers for a registry (`https://index.docker.io/v1/` or the host). */
export function serverKey(registry: string): string {
  return isDockerHubHost(registry) ? DOCKER_HUB_KEY : registry.toLowerCase();
}

/** Keys tried, in order, for a registry (exact forms first; any key naming the same host matches too). */
export function candidateKeys(registry: string): string[] {
  const host = registry.toLowerCase();
  if (isDockerHubHost(host)) {
    return [
      DOCKER_HUB_KEY,
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
      'https://index.docker.io',
    ];
  }
  return [host, `https://${host}`, `http://${host}`, `https://${host}/v2/`, `https://${host}/v1/`];
}

function hostMatches(key: string, registry: string): boolean {
  const host = keyHost(key);
  if (isDockerHubHost(registry)) return isDockerHubHost(host);
  return host === registry.toLowerCase();
}

/** The `auths` entry for a registry: an exact candidate key, else any key naming the same host. */
export function findAuthEntry(
  auths: Record<string, DockerAuthEntry> | undefined,
  registry: string,
): [string, DockerAuthEntry] | undefined {
  if (auths === undefined || typeof auths !== 'object') return undefined;
  for (const key of candidateKeys(registry)) {
    const entry = auths[key];
    if (entry !== undefined) return [key, entry];
  }
  for (const [key, entry] of Object.entries(auths)) {
    if (hostMatches(key, registry)) return [key, entry];
  }
  return undefined;
}

/** All `auths` keys that name the registry's host (for logout). */
export function matchingAuthKeys(
  auths: Record<string, DockerAuthEntry> | undefined,
  registry: string,
): string[] {
  if (auths === undefined || typeof auths !== 'object') return [];
  return Object.keys(auths).filter((key) => hostMatches(key, registry));
}

/** The credential helper configured for a registry: `credHelpers[...]`, else `credsStore`. */
export function helperFor(config: DockerConfigFile, registry: string): string | undefined {
  const helpers = config.credHelpers;
  if (helpers !== undefined && typeof helpers === 'object') {
    for (const key of candidateKeys(registry)) {
      const name = helpers[key];
      if (typeof name === 'string' && name !== '') return name;
    }
    for (const [key, name] of Object.entries(helpers)) {
      if (typeof name === 'string' && name !== '' && hostMatches(key, registry)) return name;
    }
  }
  return typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined;
}

/** Credentials of an `auths` entry: identity token, `auth` (base64 user:password) or username/password. */
export function entryCredentials(entry: DockerAuthEntry, source: string): Credentials | undefined {
  let username = typeof entry.username === 'string' ? entry.username : undefined;
  let password = typeof entry.password === 'string' ? entry.password : undefined;
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      throw usageError(
        'DOCKER_CONFIG_INVALID',
        `the "auth" entry in ${source} is not base64 of "username:password"`,
        'Log in again to rewrite it.',
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
    return { identityToken: entry.identitytoken, username };
  }
  if (username !== undefined && username !== '' && password !== undefined) return { username, password };
  return undefined;
}
