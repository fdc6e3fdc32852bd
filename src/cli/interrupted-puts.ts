/**
 * Ctrl-C (SIGINT) or SIGTERM during `put`: say on stderr what was stored and what not, and remember a
 * version that was stored but whose listing was not confirmed, so that running the same put again
 * finishes that version instead of storing a second one with the same content.
 *
 * On registries without the referrers API a put stores its version manifest, then updates the
 * `sha256-<hex>` index and waits the settle time (~250-350 ms, longer under load) to confirm it: an
 * interrupt in that window used to exit 130 silently, and a retry made a duplicate version. The
 * record is one JSON file, `interrupted-puts.json`, next to the trusted state (MANIFESTO_STATE_DIR,
 * 0600), written synchronously in the signal handler; an entry matches a later put of the same
 * content (digest and media type), type, author, annotations and image (location and digest), and is
 * removed once that put has finished it. Entries older than a day are dropped.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { PutIdentity, PutJournal, PutProgress } from '../metadata/platform-put.ts';
import { stateDirectory } from '../policy/trust/trusted-state.ts';

export type { PutIdentity, PutProgress };

const FILE = 'interrupted-puts.json';
const MAX_AGE_MS = 24 * 3600_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface InterruptedPut extends PutIdentity {
  /** The stored version manifest's digest, and its bytes (base64). */
  version: string;
  manifest: string;
  at: number;
}

type Env = Record<string, string | undefined>;

function path(env: Env): string {
  return join(stateDirectory(env), FILE);
}

function readAll(env: Env): InterruptedPut[] {
  try {
    const parsed = JSON.parse(readFileSync(path(env), 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as InterruptedPut[]) : [];
  } catch {
    return [];
  }
}

function writeAll(env: Env, entries: InterruptedPut[]): void {
  const dir = stateDirectory(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path(env);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(entries)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

function sameAnnotations(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a?.[k] === b?.[k]);
}

function matches(entry: PutIdentity, put: PutIdentity): boolean {
  return (
    entry.location === put.location &&
    entry.subject === put.subject &&
    entry.type === put.type &&
    entry.contentDigest === put.contentDigest &&
    entry.mediaType === put.mediaType &&
    (entry.author ?? '') === (put.author ?? '') &&
    sameAnnotations(entry.annotations, put.annotations)
  );
}

/** The interrupted put this put repeats, if any (its version manifest bytes and digest). */
export function findInterrupted(env: Env, put: PutIdentity, now = Date.now()): InterruptedPut | undefined {
  return readAll(env).find((e) => now - e.at < MAX_AGE_MS && matches(e, put));
}

/** Forgets an interrupted put once finished (best effort). */
export function forgetInterrupted(env: Env, version: string): void {
  try {
    const entries = readAll(env);
    const kept = entries.filter((e) => e.version !== version && Date.now() - e.at < MAX_AGE_MS);
    if (kept.length !== entries.length) writeAll(env, kept);
  } catch {
    // a stale entry is dropped after a day anyway
  }
}

/**
 * Watches SIGINT/SIGTERM while a put runs: on a signal, says on stderr what was stored and what not,
 * records a stored but unconfirmed version, and exits 130 (SIGINT) or 143 (SIGTERM). Returns the
 * function that stops watching.
 */
export function watchInterrupts(env: Env, identity: PutIdentity, progress: PutProgress): () => void {
  const handlers = new Map<string, () => void>();
  for (const signal of SIGNALS) {
    const handler = () => {
      const stored = progress.stored;
      let line: string;
      if (stored === undefined) {
        line = `manifesto: interrupted: no version of ${identity.type} was stored (an uploaded content blob may remain, unreferenced, for the registry's garbage collection)\n`;
      } else {
        let remembered = true;
        try {
          const entries = readAll(env).filter((e) => e.version !== stored.version);
          entries.push({
            ...identity,
            version: stored.version,
            manifest: Buffer.from(stored.manifest).toString('base64'),
            at: Date.now(),
          });
          writeAll(env, entries);
        } catch {
          remembered = false;
        }
        line =
          `manifesto: interrupted: version ${stored.version} of ${identity.type} is stored, but its listing was not confirmed (it may not be listed yet)\n` +
          (remembered
            ? '  hint: run the same put again to finish it: it lists this version instead of storing a second one\n'
            : `  hint: could not record it in ${path(env)}; running the put again stores a second version\n`);
      }
      try {
        writeSync(2, line);
      } catch {
        // stderr is gone
      }
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return () => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  };
}

/**
 * The journal a put keeps in this machine's state directory (metadata/platform-put.ts); `finished`
 * is told when a put finished an interrupted one.
 */
export function interruptJournal(env: Env, finished: (version: string, created: string) => void): PutJournal {
  return {
    interrupted(identity) {
      const entry = findInterrupted(env, identity);
      return entry === undefined ? undefined : Buffer.from(entry.manifest, 'base64');
    },
    finished(_identity, result) {
      forgetInterrupted(env, result.version);
      finished(result.version, result.created);
    },
    watch: (identity, progress) => watchInterrupts(env, identity, progress),
  };
}
