/**
 * When and how long to wait before repeating a registry request: bounded attempts, exponential
 * backoff with jitter, and the server's `Retry-After` (seconds or an HTTP date) up to a cap.
 */

export interface RetryPolicy {
  /** Total tries including the first (default 4). */
  maxAttempts: number;
  /** Backoff before the first retry; doubles each retry (default 250 ms). */
  baseDelayMs: number;
  /** Upper bound of the computed backoff (default 8 s). */
  maxDelayMs: number;
  /** Upper bound of a wait the server asks for with Retry-After (default 60 s). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/** Waits `ms` milliseconds; rejects with the signal's reason when aborted. Injected in tests. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export function retryPolicy(overrides?: Partial<RetryPolicy>): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  policy.maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  return policy;
}

/**
 * Statuses worth repeating. 429 is a refusal before any processing, so any request may be repeated;
 * 500 and the gateway errors only when repeating is harmless (idempotent requests).
 */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  if (status === 429) return true;
  if (status === 502 || status === 503 || status === 504) return idempotent;
  if (status === 500) return idempotent;
  return false;
}

/**
 * Parses `Retry-After`: delta-seconds or an HTTP date. Returns milliseconds to wait (>= 0), or
 * undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined; // HTTP dates name the day and month
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Delay before retry number `retry` (1 for the first retry): the server's Retry-After when given
 * (capped), else exponential backoff with "equal jitter" (half fixed, half random).
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
