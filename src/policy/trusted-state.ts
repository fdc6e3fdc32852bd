/**
 * Local trusted state for rollback protection (docs/format.md, "Rollback protection"): per
 * repository location (registry/repository, or the absolute OCI layout path), subject digest and
 * type, the newest version this machine has verified, with its signed creation time.
 *
 * One small JSON file, `trusted-versions.json`, in `$MANIFESTO_STATE_DIR`, else
 * `$XDG_STATE_HOME/manifesto`, else `~/.local/state/manifesto`. Every change re-reads the file,
 * applies itself and replaces the file atomically (temporary file + rename), synchronously, so that
 * concurrent checks in one process do not lose each other's updates. Writing is best effort: a
 * failure is reported as a warning, never as an error, and never hides a detected rollback.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const STATE_FILE = 'trusted-versions.json';

/** The newest verified version of one (location, subject, type). */
export interface TrustedVersion {
  digest: string;
  /** The signed creation time (RFC 3339), when known. */
  created: string | undefined;
  /** When this machine recorded it. */
  recorded: string;
}

export interface TrustedStateKey {
  location: string;
  subject: string;
  type: string;
}

interface StateFile {
  version: 1;
  entries: Record<string, TrustedVersion>;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** The state directory: $MANIFESTO_STATE_DIR, else $XDG_STATE_HOME/manifesto, else ~/.local/state/manifesto. */
export function stateDirectory(env: Env): string {
  const explicit = env.MANIFESTO_STATE_DIR;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && xdg !== '') return join(resolve(xdg), 'manifesto');
  return join(
    env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(),
    '.local',
    'state',
    'manifesto',
  );
}

/** OCI layouts are keyed by their absolute path, registries by HOST/REPOSITORY. */
export function stateLocation(location: string): string {
  return location.startsWith('oci:') ? `oci:${resolve(location.slice(4))}` : location;
}

function entryKey(key: TrustedStateKey): string {
  return `${stateLocation(key.location)} ${key.subject} ${key.type}`;
}

function isTrustedVersion(value: unknown): value is TrustedVersion {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.digest === 'string' && (v.created === undefined || typeof v.created === 'string');
}

function readState(path: string): StateFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { version: 1, entries: {} };
  }
  try {
    const parsed = JSON.parse(text) as { entries?: unknown };
    const entries: Record<string, TrustedVersion> = {};
    if (typeof parsed.entries === 'object' && parsed.entries !== null) {
      for (const [k, v] of Object.entries(parsed.entries)) if (isTrustedVersion(v)) entries[k] = v;
    }
    return { version: 1, entries };
  } catch {
    // A corrupt file protects nothing; it is replaced on the next write.
    return { version: 1, entries: {} };
  }
}

export class TrustedState {
  readonly directory: string;
  readonly path: string;
  readonly #warn: (message: string) => void;

  constructor(env: Env, warn: (message: string) => void = () => {}) {
    this.directory = stateDirectory(env);
    this.path = join(this.directory, STATE_FILE);
    this.#warn = warn;
  }

  get(key: TrustedStateKey): TrustedVersion | undefined {
    return readState(this.path).entries[entryKey(key)];
  }

  /** Records (or with undefined, forgets) the newest verified version. Best effort. */
  set(key: TrustedStateKey, value: TrustedVersion | undefined): void {
    const temp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    try {
      const state = readState(this.path);
      const k = entryKey(key);
      if (value === undefined) {
        if (state.entries[k] === undefined) return;
        delete state.entries[k];
      } else state.entries[k] = value;
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.path);
    } catch (error) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The directory itself could not be made: there is no temporary file to remove.
      }
      this.#warn(
        `could not record the verified version in ${this.path}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
