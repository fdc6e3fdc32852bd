/**
 * How a bulk run schedules its items: at most `concurrency` items doing work at a time (work slots),
 * up to 16 per slot admitted (the rest of them wait idle, e.g. for the referrers tag schema to settle,
 * ≥ 250 ms after an index write on registries without the referrers API, without holding a slot, so
 * that wait costs latency, not throughput). Items with the same key (one type's versions of one
 * image: each supersedes the one before) run one after the other, in file order; everything else runs
 * in parallel.
 *
 * The front end opens images for the run with `waitClock` as the backend's clock (so its waits give
 * the item's slot back) and at least `concurrency` connections per registry (requests queued for a
 * connection would count as registry latency in the tag schema's settle time).
 */
import type { Repository } from '../../content/repository.ts';
import { systemClock, type WaitClock } from '../../util/clock.ts';
import { forEachLimit } from '../../util/pool.ts';
import { createWorkSlots, slotReleasingClock } from './work-slots.ts';

export const DEFAULT_BULK_CONCURRENCY = 16;
/** Items started at a time per work slot: the rest of them wait idle (settling) without a slot. */
const ADMITTED_PER_SLOT = 16;

/** An image opened for a bulk item (the registry or layout backend's OpenedImage fits). */
export interface BulkImage {
  repository: Repository;
  /** Tag or digest to resolve in the repository. */
  target: string;
  /** The reference as shown to the user. */
  display: string;
}

export type BulkImageOpener = (image: string) => Promise<BulkImage>;

export interface BulkRun {
  concurrency: number;
  /** The clock the backend's waits use during the run: they release the item's work slot. */
  waitClock: WaitClock;
  /** Runs `run` for every item, at most `concurrency` working; same-key items in order. */
  runAll<T>(items: readonly T[], key: (item: T) => string, run: (item: T) => Promise<void>): Promise<void>;
}

/** Runs `run` for every item, at most `admitted` groups at a time; items with the same key in order. */
export async function runGrouped<T>(
  items: readonly T[],
  key: (item: T) => string,
  admitted: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  await forEachLimit([...groups.values()], admitted, async (group) => {
    for (const item of group) await run(item);
  });
}

export function createBulkRun(
  concurrency = DEFAULT_BULK_CONCURRENCY,
  clock: WaitClock = systemClock,
): BulkRun {
  const size = Math.max(1, concurrency);
  const slots = createWorkSlots(size);
  return {
    concurrency: size,
    waitClock: slotReleasingClock(slots, clock),
    runAll: (items, key, run) =>
      runGrouped(items, key, size * ADMITTED_PER_SLOT, (item) => slots.run(() => run(item))),
  };
}
