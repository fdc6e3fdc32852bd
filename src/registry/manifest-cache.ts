/**
 * A content-addressed cache of manifests on disk, shared by manifesto processes on one machine.
 * Manifests are immutable by digest, so a cached copy is as good as the registry's: every read is
 * verified against its digest (a corrupt or tampered file is dropped, never used). It saves the
 * manifest fetches a registry's listing forces on us when it omits what the OCI referrers API must
 * include (annotations, artifactType — go-containerregistry's registry), and the manifests this
 * machine wrote itself are seeded on push. Best effort: any I/O failure is a miss.
 *
 * Location: $MANIFESTO_CACHE_DIR, else $XDG_CACHE_HOME/manifesto, else ~/.cache/manifesto;
 * MANIFESTO_CACHE=off disables it. Files are 0600 and the folders manifesto makes 0700: the cache
 * shows what this user read from private registries.
 */

import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { digestOf, tryParseDigest } from '../oci/digest.ts';
import { MAX_MANIFEST_BYTES } from '../oci/media-types.ts';
import { chmod, mkdir, readFile, rename, rm, writeFile } from '../util/fs-async.ts';
import { setting } from '../util/settings.ts';

export interface ManifestCache {
  read(digest: string): Promise<Uint8Array | undefined>;
  write(digest: string, bytes: Uint8Array): Promise<void>;
}

export function defaultManifestCacheDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (setting(env, 'MANIFESTO_CACHE') === false) return undefined;
  const dir = setting(env, 'MANIFESTO_CACHE_DIR');
  if (dir !== undefined) return dir;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'manifesto');
}

export function diskManifestCache(dir: string): ManifestCache {
  const pathOf = (digest: string): string | undefined => {
    const parsed = tryParseDigest(digest);
    return parsed === undefined ? undefined : join(dir, 'manifests', parsed.algorithm, parsed.hex);
  };
  /** Directories this process made or found: one mkdir per directory, not per write. */
  const made = new Set<string>();
  return {
    async read(digest) {
      const path = pathOf(digest);
      if (path === undefined) return undefined;
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch {
        return undefined;
      }
      const algorithm = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
      if (bytes.byteLength > MAX_MANIFEST_BYTES || digestOf(bytes, algorithm) !== digest) {
        await rm(path, { force: true }).catch(() => undefined);
        return undefined;
      }
      return bytes;
    },
    async write(digest, bytes) {
      const path = pathOf(digest);
      if (path === undefined || bytes.byteLength > MAX_MANIFEST_BYTES) return;
      const algorithm = digest.startsWith('sha512:') ? 'sha512' : 'sha256';
      if (digestOf(bytes, algorithm) !== digest) return;
      const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      try {
        const directory = dirname(path);
        if (!made.has(directory)) {
          await mkdir(directory, { recursive: true, mode: 0o700 });
          // A folder an older version made 0755: manifesto's own subfolder is made private again.
          await chmod(join(dir, 'manifests'), 0o700).catch(() => undefined);
          made.add(directory);
        }
        await writeFile(temp, bytes, { mode: 0o600, flag: 'wx' });
        await rename(temp, path);
      } catch {
        // The directory may have been removed meanwhile: the next write makes it again.
        made.delete(dirname(path));
        await rm(temp, { force: true }).catch(() => undefined);
      }
    },
  };
}
