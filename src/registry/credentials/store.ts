/**
 * Saving and removing credentials the way `docker login`/`docker logout` do: through the configured
 * credential helper (credHelpers / credsStore), else as base64 `auth` in config.json, written
 * atomically with mode 0600, other settings preserved.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ManifestoError } from '../../errors/errors.ts';
import {
  type CredentialEnvironment,
  type DockerConfigFile,
  dockerConfigDir,
  helperFor,
  matchingAuthKeys,
  readDockerConfig,
  serverKey,
} from './docker-config.ts';
import { helperErase, helperStore } from './helper.ts';

export interface CredentialStoreOptions extends CredentialEnvironment {
  /** Directory of config.json (default `$DOCKER_CONFIG`, else `~/.docker`). */
  configDir?: string | undefined;
  helperTimeoutMs?: number | undefined;
}

export interface SavedCredentials {
  /** The config file updated. */
  path: string;
  /** Where the secret went: `file` (base64 in config.json) or the helper's name. */
  store: 'file' | { helper: string };
  /** The key used (`https://index.docker.io/v1/` for Docker Hub, else the host). */
  key: string;
}

function configPath(options: CredentialStoreOptions): string {
  return join(options.configDir ?? dockerConfigDir(options), 'config.json');
}

/** Writes JSON to `path` atomically (temp file in the same directory, fsync, rename), mode 0600. */
async function writeConfigAtomically(path: string, config: DockerConfigFile): Promise<void> {
  let target = path;
  try {
    target = await realpath(path); // keep a symlinked config.json a symlink
  } catch {
    // does not exist yet
  }
  const dir = dirname(target);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.config.json.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(temp, 0o600);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new ManifestoError('CREDENTIALS_NOT_SAVED', `cannot write ${target}`, {
      category: 'usage',
      cause: error,
      hint: 'Check that the Docker config directory is writable (or set DOCKER_CONFIG).',
    });
  }
}

/**
 * Saves `username`/`secret` for `registry` (what `manifesto login` calls). With a credential helper
 * configured the secret goes to the helper and config.json keeps an empty marker entry, like Docker.
 */
export async function saveCredentials(
  registry: string,
  username: string,
  secret: string,
  options: CredentialStoreOptions = {},
): Promise<SavedCredentials> {
  const path = configPath(options);
  const config = (await readDockerConfig(path)) ?? {};
  const key = serverKey(registry);
  const auths = { ...(config.auths ?? {}) };
  for (const stale of matchingAuthKeys(auths, registry)) if (stale !== key) delete auths[stale];
  const helper = helperFor(config, registry);
  let store: SavedCredentials['store'] = 'file';
  if (helper !== undefined) {
    await helperStore(
      helper,
      { ServerURL: key, Username: username, Secret: secret },
      { env: options.env, timeoutMs: options.helperTimeoutMs },
    );
    if (config.credsStore === helper) auths[key] = {};
    else delete auths[key];
    store = { helper };
  } else {
    auths[key] = { auth: Buffer.from(`${username}:${secret}`, 'utf8').toString('base64') };
  }
  await writeConfigAtomically(path, { ...config, auths });
  return { path, store, key };
}

/** Removes stored credentials for `registry` (what `manifesto logout` calls); true if any existed. */
export async function removeCredentials(
  registry: string,
  options: CredentialStoreOptions = {},
): Promise<boolean> {
  const path = configPath(options);
  const config = await readDockerConfig(path);
  if (config === undefined) return false;
  let removed = false;
  const helper = helperFor(config, registry);
  if (helper !== undefined) {
    removed = await helperErase(helper, serverKey(registry), {
      env: options.env,
      timeoutMs: options.helperTimeoutMs,
    });
  }
  const keys = matchingAuthKeys(config.auths, registry);
  if (keys.length > 0) {
    const auths = { ...(config.auths ?? {}) };
    for (const key of keys) {
      const entry = auths[key];
      if (entry !== undefined && Object.keys(entry).length > 0) removed = true;
      delete auths[key];
    }
    await writeConfigAtomically(path, { ...config, auths });
  }
  return removed;
}
