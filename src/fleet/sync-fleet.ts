/**
 * `index sync` over many targets: each source (a registry crawled through its catalog, repositories
 * named one by one, an OCI layout) yields opened repositories; each repository is synced and written
 * on its own (sync.ts), so a failure or a Ctrl-C costs at most the repository in progress and the
 * next sync completes it. A repository that fails is recorded with its error (`index status`) and
 * keeps its previous rows; the others go on.
 */
import { isManifestoError } from '../errors/errors.ts';
import type { IndexStore } from './store.ts';
import { type RepositorySyncResult, type SyncTarget, syncRepository } from './sync.ts';
import type { IndexTrust } from './trust.ts';

export interface FleetSource {
  /** Registry host[:port], or `oci:PATH`. */
  registry: string;
  /** The repositories to sync, opened by the front end (catalog, a list, one name). */
  repositories(): Promise<SyncTarget[]>;
  /**
   * Set when `repositories()` lists every repository whose location starts with it (a catalog):
   * indexed repositories under it that the listing no longer names are removed from the index.
   */
  complete?: string | undefined;
}

export interface SyncFleetOptions {
  store: IndexStore;
  sources: readonly FleetSource[];
  /** Requests in flight within a repository (default 8). */
  concurrency?: number | undefined;
  now?: (() => Date) | undefined;
  /** Requests sent to a registry so far (recorded with its sync), when the front end counts them. */
  requests?: ((registry: string) => number) | undefined;
  /** Told as a repository's images are read: done of total. */
  onProgress?: ((location: string, done: number, total: number) => void) | undefined;
  /** Told after each repository. */
  onRepository?: ((outcome: RepositoryOutcome) => void) | undefined;
  /** Aborted (Ctrl-C): no further repository starts. */
  signal?: AbortSignal | undefined;
  /** Verify each type's latest version under this trust policy (trust.ts). */
  trust?: IndexTrust | undefined;
}

export type RepositoryOutcome = RepositorySyncResult | { location: string; error: string };

export interface FleetSyncResult {
  synced: RepositorySyncResult[];
  /** Repositories gone from their registry's catalog, removed from the index. */
  removed: string[];
  failed: Array<{ location: string; error: string }>;
  /** Stopped by the signal before every repository was synced. */
  interrupted: boolean;
}

function message(error: unknown): string {
  if (isManifestoError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export async function syncFleet(options: SyncFleetOptions): Promise<FleetSyncResult> {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const result: FleetSyncResult = { synced: [], removed: [], failed: [], interrupted: false };
  for (const source of options.sources) {
    if (options.signal?.aborted) {
      result.interrupted = true;
      break;
    }
    const before = options.requests?.(source.registry) ?? 0;
    let registryError: string | null = null;
    let targets: SyncTarget[] = [];
    try {
      targets = await source.repositories();
    } catch (error) {
      registryError = message(error);
      result.failed.push({ location: source.registry, error: registryError });
      options.onRepository?.({ location: source.registry, error: registryError });
    }
    for (const target of targets) {
      if (options.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      try {
        const synced = await syncRepository({
          store,
          target,
          concurrency: options.concurrency,
          now,
          trust: options.trust,
          onProgress: (done, total) => options.onProgress?.(target.location, done, total),
        });
        result.synced.push(synced);
        options.onRepository?.(synced);
      } catch (error) {
        const text = message(error);
        store.repositoryFailed(target, text);
        registryError ??= `${target.location}: ${text}`;
        result.failed.push({ location: target.location, error: text });
        options.onRepository?.({ location: target.location, error: text });
      }
    }
    if (source.complete !== undefined && registryError === null && !result.interrupted) {
      const listed = new Set(targets.map((t) => t.location));
      result.removed.push(...store.removeRepositories(source.registry, source.complete, listed));
    }
    const requests = options.requests === undefined ? null : options.requests(source.registry) - before;
    store.registrySynced(source.registry, now().toISOString(), registryError, requests);
  }
  return result;
}
