/**
 * The files of a bulk command, each read and hashed once per run however many items name it: an LRU of
 * prepared contents keyed by path, holding at most `budgetBytes` of file bytes in memory (large files
 * keep only their head; their bytes are streamed from disk on upload, and the upload verifies the
 * digest, so a file changed meanwhile fails its items instead of storing something else).
 */
import { DEFAULT_MAX_CONTENT_BYTES, type PreparedContent, prepareFile } from '../metadata/content-source.ts';

export const DEFAULT_PREPARED_BUDGET_BYTES = 64 * 1024 * 1024;

export interface PreparedFiles {
  get(path: string): Promise<PreparedContent>;
  /** Disposes every content prepared (call once, when no item uses them any more). */
  dispose(): Promise<void>;
}

export function createPreparedFiles(
  maxSize = DEFAULT_MAX_CONTENT_BYTES,
  budgetBytes = DEFAULT_PREPARED_BUDGET_BYTES,
): PreparedFiles {
  const cache = new Map<string, Promise<PreparedContent>>();
  const sizes = new Map<string, number>();
  const all: Array<Promise<PreparedContent>> = [];
  let held = 0;
  const evict = () => {
    for (const [path, size] of sizes) {
      if (held <= budgetBytes) break;
      sizes.delete(path);
      cache.delete(path);
      held -= size;
    }
  };
  return {
    get(path) {
      const cached = cache.get(path);
      if (cached !== undefined) {
        // Most recently used last.
        cache.delete(path);
        cache.set(path, cached);
        const size = sizes.get(path);
        if (size !== undefined) {
          sizes.delete(path);
          sizes.set(path, size);
        }
        return cached;
      }
      const prepared = prepareFile(path, maxSize);
      cache.set(path, prepared);
      all.push(prepared);
      prepared.then(
        (content) => {
          if (cache.get(path) !== prepared) return;
          const size = content.head.byteLength;
          sizes.set(path, size);
          held += size;
          evict();
        },
        // A file that could not be read is tried again by the next item naming it.
        () => {
          if (cache.get(path) === prepared) cache.delete(path);
        },
      );
      return prepared;
    },
    async dispose() {
      const settled = await Promise.allSettled(all);
      for (const s of settled) if (s.status === 'fulfilled') await s.value.dispose();
    },
  };
}
