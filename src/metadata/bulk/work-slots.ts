/**
 * Work slots: at most `size` tasks doing work (sending requests, hashing) at a time, while any number
 * of admitted tasks may be waiting idle without holding a slot. A task gives its slot back while it
 * waits (`idle`) and takes one again afterwards, ahead of tasks that have not started: finishing
 * started work comes first, which keeps the number of half-done tasks and their latency low.
 *
 * The task's slot travels with its async context (AsyncLocalStorage), so code deep in the call tree
 * (the referrers tag schema's settle wait) can release it without being handed anything: see
 * `slotReleasingClock`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { WaitClock } from '../../util/clock.ts';

export interface WorkSlots {
  /** Runs `task` holding a slot (released while the task is idle); resolves with its result. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Waits `wait` without the current task's slot (when called outside `run`, just waits). */
  idle<T>(wait: () => Promise<T>): Promise<T>;
  /** Tasks holding a slot now. */
  readonly busy: number;
}

interface Lease {
  held: boolean;
  /** The task has returned: a wait it left running does not take a slot back. */
  ended: boolean;
}

export function createWorkSlots(size: number): WorkSlots {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`work slots: size must be ≥ 1, got ${size}`);
  const storage = new AsyncLocalStorage<Lease>();
  let busy = 0;
  /** Tasks resuming after an idle wait: served first. */
  const resuming: Array<() => void> = [];
  const starting: Array<() => void> = [];

  const take = (queue: Array<() => void>): Promise<void> => {
    if (busy < size) {
      busy++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => queue.push(resolve));
  };
  const give = (): void => {
    const next = resuming.shift() ?? starting.shift();
    // The slot passes straight to the next task: `busy` stays the same.
    if (next !== undefined) next();
    else busy--;
  };

  return {
    get busy() {
      return busy;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      await take(starting);
      const lease: Lease = { held: true, ended: false };
      try {
        return await storage.run(lease, task);
      } finally {
        lease.ended = true;
        if (lease.held) {
          lease.held = false;
          give();
        }
      }
    },
    async idle<T>(wait: () => Promise<T>): Promise<T> {
      const lease = storage.getStore();
      if (lease === undefined || !lease.held || lease.ended) return wait();
      lease.held = false;
      give();
      try {
        return await wait();
      } finally {
        if (!lease.ended) {
          await take(resuming);
          // The task may have returned while this wait took its slot back: hand it on.
          if (lease.ended) give();
          else lease.held = true;
        }
      }
    },
  };
}

/**
 * A tag-schema clock whose waits (settle, backoff, another update of the same index) give the task's
 * work slot back meanwhile.
 */
export function slotReleasingClock(slots: WorkSlots, clock: WaitClock): WaitClock {
  return {
    now: () => clock.now(),
    random: () => clock.random(),
    sleep: (ms) => slots.idle(() => clock.sleep(ms)),
    wait: (promise) => slots.idle(() => (clock.wait === undefined ? promise : clock.wait(promise))),
  };
}
