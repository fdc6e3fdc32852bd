/**
 * Local trusted state for rollback protection (docs/format.md, "Rollback protection"): per
 * repository location (registry/repository, or the absolute OCI layout path), subject digest and
 * type, the newest version this machine has verified, with its signed creation time.
 *
 * One small JSON file, `trusted-versions.json`, in `$MANIFESTO_STATE_DIR`, else
 * `$XDG_STATE_HOME/manifesto`, else `~/.local/state/manifesto` (directory 0700, file 0600). Every
 * change takes a cross-process lock (`trusted-versions.json.lock`, src/util/file-lock.ts), re-reads
 * the file, merges itself and replaces the file atomically (temporary file + rename), synchronously,
 * so that concurrent checks in one process and in parallel processes do not lose each other's
 * updates. The merge is monotonic: a version never replaces a stored one signed as created later,
 * unless the caller accepts a rollback (`allowOlder`) or the stored entry is still the one the caller
 * decided from (`basis`); forgetting with a `basis` forgets only that entry. Writing is best effort: a lock that cannot be had within
 * about 10 s, or a failed write, is reported as a warning, never as an error, and never hides a
 * detected rollback.
 *
 * The file may also be shared (`--trusted-state PATH`, `$MANIFESTO_TRUSTED_STATE`: a file, or a
 * directory holding `trusted-versions.json`, on a filesystem every CI runner mounts), so that a
 * fresh machine knows what the others verified. Readers use the TrustedStateStore interface only
 * (read a mark, record a mark), which a fleet index or a server can implement later.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type FileLockOptions, withFileLockSync } from '../../util/file-lock.ts';
import { type SettingName, setting } from '../../util/settings.ts';

export const STATE_FILE = 'trusted-versions.json';
export const LOCK_SUFFIX = '.lock';

/** A check waits at most 10 s for another process's update of the state (each takes milliseconds). */
const TRUSTED_STATE_LOCK: Partial<FileLockOptions> = { timeoutMs: 10_000 };

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

/** The variable naming a shared trusted state (as `--trusted-state PATH`). */
export const TRUSTED_STATE_ENV = 'MANIFESTO_TRUSTED_STATE' satisfies SettingName;

/**
 * Where marks of verified versions are kept: read the mark of one (location, subject, type); record
 * a new one, merged monotonically with what others recorded meanwhile (mergeEntry). The local file
 * (TrustedState) is the default; a shared file is the same class on another path; a fleet index or
 * a server implements the same two calls.
 */
export interface TrustedStateStore {
  /** Where the marks live (a path, later a URL), for messages. */
  readonly location: string;
  read(key: TrustedStateKey): Promise<TrustedVersion | undefined>;
  /** Records (or with undefined, forgets) a mark; best effort, never throws. */
  record(key: TrustedStateKey, value: TrustedVersion | undefined, options?: SetOptions): Promise<void>;
}

/** The state directory: $MANIFESTO_STATE_DIR, else $XDG_STATE_HOME/manifesto, else ~/.local/state/manifesto. */
export function stateDirectory(env: Env): string {
  const explicit = setting(env, 'MANIFESTO_STATE_DIR');
  if (explicit !== undefined) return resolve(explicit);
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

export interface SetOptions {
  /**
   * The stored entry the caller compared against: while it is still stored, the caller's decision
   * stands (also when it moves the entry to a version signed as created earlier, e.g. one that
   * supersedes it despite a skewed clock, or the mark lowered after a delete).
   */
  basis?: TrustedVersion | undefined;
  /** Replace whatever is stored, also a newer version: an accepted rollback. */
  allowOlder?: boolean;
}

function isLater(a: string | undefined, b: string | undefined): boolean {
  return Date.parse(a ?? '') > Date.parse(b ?? '');
}

/**
 * What the entry becomes when `value` is set over `current`, or `current` itself to keep it. Only a
 * version provably older (both signed creation times known, the stored one later) is refused.
 */
export function mergeEntry(
  current: TrustedVersion | undefined,
  value: TrustedVersion | undefined,
  options: SetOptions = {},
): TrustedVersion | undefined {
  if (value === undefined) {
    // Forgetting is a decision about the entry the caller read: one recorded meanwhile stays.
    const decidedFrom = options.basis === undefined || current?.digest === options.basis.digest;
    return current === undefined || decidedFrom || options.allowOlder === true ? undefined : current;
  }
  if (current === undefined || options.allowOlder === true) return value;
  if (current.digest === value.digest || current.digest === options.basis?.digest) return value;
  return isLater(current.created, value.created) ? current : value;
}

/**
 * The state file: `explicit` (a `--trusted-state` value), else $MANIFESTO_TRUSTED_STATE, else
 * trusted-versions.json in the state directory. A path naming an existing directory means the file
 * of that name in it.
 */
export function stateFilePath(env: Env, explicit?: string | undefined): string {
  const shared = explicit !== undefined && explicit !== '' ? explicit : setting(env, TRUSTED_STATE_ENV);
  if (shared === undefined) return join(stateDirectory(env), STATE_FILE);
  const path = resolve(shared);
  let directory = false;
  try {
    directory = statSync(path).isDirectory();
  } catch {
    // Not there yet: the file is made on the first record.
  }
  return directory ? join(path, STATE_FILE) : path;
}

export interface TrustedStateOptions {
  /** A shared state file or directory (`--trusted-state`); default $MANIFESTO_TRUSTED_STATE, else local. */
  file?: string | undefined;
  lock?: Partial<FileLockOptions> | undefined;
}

export class TrustedState implements TrustedStateStore {
  readonly directory: string;
  readonly path: string;
  readonly lockPath: string;
  readonly #warn: (message: string) => void;
  readonly #lock: Partial<FileLockOptions>;

  constructor(env: Env, warn: (message: string) => void = () => {}, options: TrustedStateOptions = {}) {
    this.path = stateFilePath(env, options.file);
    this.directory = dirname(this.path);
    this.lockPath = `${this.path}${LOCK_SUFFIX}`;
    this.#warn = warn;
    this.#lock = { ...TRUSTED_STATE_LOCK, ...options.lock };
  }

  get location(): string {
    return this.path;
  }

  async read(key: TrustedStateKey): Promise<TrustedVersion | undefined> {
    return this.get(key);
  }

  async record(
    key: TrustedStateKey,
    value: TrustedVersion | undefined,
    options: SetOptions = {},
  ): Promise<void> {
    this.set(key, value, options);
  }

  get(key: TrustedStateKey): TrustedVersion | undefined {
    return readState(this.path).entries[entryKey(key)];
  }

  /**
   * Records (or with undefined, forgets) the newest verified version, merged with what another
   * process may have recorded meanwhile (see mergeEntry). Best effort.
   */
  set(key: TrustedStateKey, value: TrustedVersion | undefined, options: SetOptions = {}): void {
    try {
      mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    } catch (error) {
      this.#failed(error);
      return;
    }
    withFileLockSync(
      this.lockPath,
      () => this.#update(entryKey(key), value, options),
      (reason) => this.#warn(`recording the verified version without a lock: ${reason}`),
      this.#lock,
    );
  }

  #update(k: string, value: TrustedVersion | undefined, options: SetOptions): void {
    const temp = `${this.path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      const state = readState(this.path);
      const current = state.entries[k];
      const merged = mergeEntry(current, value, options);
      if (merged === current) return;
      if (merged === undefined) delete state.entries[k];
      else state.entries[k] = merged;
      writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.path);
    } catch (error) {
      rmSync(temp, { force: true });
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    this.#warn(
      `could not record the verified version in ${this.path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
