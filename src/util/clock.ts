/**
 * The clock of code that waits (the referrers tag schema's settle and backoff, a bulk run's work
 * slots). Defined here, below both the registry backend and the domain, so that a scheduler in the
 * domain can wrap the clock the backend waits on without importing the backend.
 */

/** Time source of waiting code, injectable for tests. `now` is monotonic milliseconds. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
  /**
   * Waits for another piece of this process's work to finish (e.g. an update of the same referrers
   * index); default: just awaits. Like `sleep`, a wait a scheduler may use to run other work meanwhile.
   */
  wait?<T>(promise: Promise<T>): Promise<T>;
}

export const systemClock: WaitClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
  random: () => Math.random(),
};
