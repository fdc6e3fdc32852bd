/**
 * One process's changes to one referrers tag-schema index, coalesced: at most one update of an index
 * runs at a time per transport (registry), and the changes that arrive meanwhile are applied together
 * by the next update, as one merge, one write and one verification.
 *
 * Concurrent writers in different processes stay safe by the verify-after-write protocol of
 * referrers-tag-schema.ts, which relies on timing (every writer's read-to-write window is shorter than
 * the settle time). Writers in the same process need no such assumption: a stalled event loop or a
 * connection queue cannot make one of this process's updates overwrite another's, because they never
 * overlap. It is also cheaper: N concurrent changes to one index (a library user storing several
 * types on one image at once, a server) cost two updates instead of N racing ones.
 */
import type { Descriptor } from '../spec/descriptor.ts';
import type { RegistryTransport } from './http/types.ts';
import {
  changeParts,
  type IndexSnapshot,
  type ReferrerChange,
  reflectsListed,
  type TagSchemaOptions,
  type UpdateResult,
  updateReferrersIndex,
} from './referrers-tag-schema.ts';
import type { RegistryTarget } from './registry-target.ts';

interface Waiter {
  change: ReferrerChange;
  initial: IndexSnapshot | undefined;
  resolve(result: UpdateResult): void;
  reject(error: unknown): void;
}

interface IndexQueue {
  waiting: Waiter[];
}

/** The queues of the indexes being updated now, per transport, by `repository@subject`. */
const queues = new WeakMap<RegistryTransport, Map<string, IndexQueue>>();

/**
 * Applies `change` to the fallback index of `subjectDigest` like updateReferrersIndex, after this
 * process's updates of that index already running, together with the changes queued meanwhile. The
 * result's `alreadyReflected` is this change's own.
 */
export function queueReferrersUpdate(
  target: RegistryTarget,
  subjectDigest: string,
  change: ReferrerChange,
  initial: IndexSnapshot | undefined,
  options: TagSchemaOptions = {},
): Promise<UpdateResult> {
  let byIndex = queues.get(target.transport);
  if (byIndex === undefined) {
    byIndex = new Map();
    queues.set(target.transport, byIndex);
  }
  const key = `${target.repository}@${subjectDigest}`;
  return new Promise<UpdateResult>((resolve, reject) => {
    const waiter: Waiter = { change, initial, resolve, reject };
    const running = byIndex.get(key);
    if (running !== undefined) {
      running.waiting.push(waiter);
      return;
    }
    const queue: IndexQueue = { waiting: [waiter] };
    byIndex.set(key, queue);
    void drain(target, subjectDigest, options, queue).finally(() => byIndex.delete(key));
  });
}

async function drain(
  target: RegistryTarget,
  subjectDigest: string,
  options: TagSchemaOptions,
  queue: IndexQueue,
): Promise<void> {
  while (queue.waiting.length > 0) {
    const batch = queue.waiting.splice(0);
    try {
      const change = batch.length === 1 ? batch[0]!.change : combine(batch.map((w) => w.change));
      const result = await updateReferrersIndex(
        target,
        subjectDigest,
        change,
        freshest(batch.map((w) => w.initial)),
        options,
      );
      for (const waiter of batch) {
        waiter.resolve({ ...result, alreadyReflected: reflectsListed(result.firstListed, waiter.change) });
      }
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
    }
  }
}

/** Changes in arrival order as one: the last change of a digest wins (add then remove: removed). */
export function combine(changes: readonly ReferrerChange[]): ReferrerChange {
  const last = new Map<string, Descriptor | 'remove'>();
  for (const change of changes) {
    const { add, remove } = changeParts(change);
    for (const digest of remove) {
      last.delete(digest);
      last.set(digest, 'remove');
    }
    for (const descriptor of add) {
      last.delete(descriptor.digest);
      last.set(descriptor.digest, descriptor);
    }
  }
  const add: Descriptor[] = [];
  const remove: string[] = [];
  for (const [digest, outcome] of last) {
    if (outcome === 'remove') remove.push(digest);
    else add.push(outcome);
  }
  return { kind: 'batch', add, remove };
}

/** The most recently read of the callers' snapshots (the update re-reads one that is too old). */
function freshest(snapshots: ReadonlyArray<IndexSnapshot | undefined>): IndexSnapshot | undefined {
  let best: IndexSnapshot | undefined;
  for (const s of snapshots)
    if (s !== undefined && (best === undefined || s.readStartedAt > best.readStartedAt)) best = s;
  return best;
}
