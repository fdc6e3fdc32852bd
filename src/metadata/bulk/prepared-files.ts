/**
 * The files of a bulk command, each read and hashed once per run however many items name it: an LRU of
 * prepared contents keyed by path, holding at most `budgetBytes` of file bytes in memory (large files
 * keep only their head; their bytes are streamed from disk on upload, and the upload verifies the
 * digest, so a file changed meanwhile fails its items instead of storing something else).
 */
import { DEFAULT_MAX_CONTENT_BYTES, type PreparedContent, prepareFile } from '../content-source.ts';

export const DEFAULT_PREPARED_BUDGET_BYTES = 64 * 1024 * 1024;

export interface PreparedFiles {
  get(path: string): Promise<PreparedContent>;
  /** Disposes every content prepared (call once, when no item uses them any more). */
  dispose(): Promise<void>;
}

interface Entry {
  prepared: Promise<PreparedContent>;
  /** Bytes held in memory, once prepared. */
  bytes: number;
}

export function createPreparedFiles(
  maxSize = DEFAULT_MAX_CONTENT_BYTES,
  budgetBytes = DEFAULT_PREPARED_BUDGET_BYTES,
): PreparedFiles {
  /** In order of use, least recent first. */
  const entries = new Map<string, Entry>();
  const all: Array<Promise<PreparedContent>> = [];
  let held = 0;
  const evict = () => {
    for (const [path, entry] of entries) {
      if (held <= budgetBytes) break;
      // Still being read: nothing held yet.
      if (entry.bytes === 0) continue;
      entries.delete(path);
      held -= entry.bytes;
    }
  };
  return {
    get(path) {
      const cached = entries.get(path);
      if (cached !== undefined) {
        entries.delete(path);
        entries.set(path, cached);
        return cached.prepared;
      }
      const entry: Entry = { prepared: prepareFile(path, maxSize), bytes: 0 };
      entries.set(path, entry);
      all.push(entry.prepared);
      entry.prepared.then(
        (content) => {
          if (entries.get(path) !== entry) return;
          entry.bytes = content.head.byteLength;
          held += entry.bytes;
          evict();
        },
        // A file that could not be read is tried again by the next item naming it.
        () => {
          if (entries.get(path) === entry) entries.delete(path);
        },
      );
      return entry.prepared;
    },
    async dispose() {
      const settled = await Promise.allSettled(all);
      for (const s of settled) if (s.status === 'fulfilled') await s.value.dispose();
    },
  };
}
