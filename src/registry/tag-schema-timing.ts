/**
 * The timing rules of the tag-schema index update (referrers-index-update.ts): how old a read may be
 * when its merge is written, how long to wait before verifying a write, how long to back off after a
 * lost one, and how the slowest recent request of a registry stretches all of them. The argument for
 * these numbers is in docs/format.md ("Why the tag-schema index update is safe").
 *
 * L = the slowest index request (GET, HEAD, PUT, DELETE) of this update, or of recent updates through
 * the same transport (remembered with a 10 s half-life in the registry's record, registry-quirks.ts).
 * Accepted read age W = max(`maxReadAgeMs`, 2L); settle time S = max(`settleMs`, W + 3L) +
 * random(0..`jitterMs`). Defaults: settleMs 250, maxReadAgeMs 125, jitterMs 100, so on a responsive
 * registry (L < 25 ms) S = 250..350 ms and W = 125 ms; on a loaded one both grow. Retries back off
 * random(0..jitterMs * 2^(writes-1)), at most 2 s. At most `maxWrites` (20) writes and
 * `maxObservations` (60) verifications. 20 writes: above the number of writers one index sees at once (a
 * prune racing 10 puts is 11; with 10 writes the unluckiest of them gave up in 1 CI run of 6).
 */
import { systemClock, type WaitClock } from '../util/clock.ts';
import type { RegistryQuirks } from './registry-quirks.ts';

/** Time source of the algorithm, injectable for tests (src/util/clock.ts: a bulk run wraps it). */
export type TagSchemaClock = WaitClock;

export { systemClock };

/** The tunable parts of the timing (TagSchemaOptions extends these). */
export interface TagSchemaTimingOptions {
  /** Wait after a write before verifying it. Default 250 ms. All writers should use the same value. */
  settleMs?: number | undefined;
  /** Random extra wait added to each settle (0..jitterMs), and the base of the retry backoff. Default 100 ms. */
  jitterMs?: number | undefined;
  /** Longest accepted time between sending the read and sending the write. Default settleMs / 2. */
  maxReadAgeMs?: number | undefined;
  /** Writes per change before giving up with a conflict error. Default 20. */
  maxWrites?: number | undefined;
  /** Verifications per change before giving up with a conflict error. Default 60. */
  maxObservations?: number | undefined;
  clock?: TagSchemaClock | undefined;
}

export const DEFAULT_SETTLE_MS = 250;
export const DEFAULT_JITTER_MS = 100;
export const DEFAULT_MAX_WRITES = 20;
export const DEFAULT_MAX_OBSERVATIONS = 60;
const MAX_BACKOFF_MS = 2000;
/** Re-reads in a row of a read that became too old before its write could be sent. */
export const MAX_STALE_REREADS = 5;
/** Re-checks of a 404 on a tag known to exist (distribution's tag links are not written atomically). */
export const MISSING_TAG_RECHECKS = 2;
export const MISSING_TAG_RECHECK_MS = 40;
/** 412 answers in a row to fresh conditional writes before If-Match is given up for the registry. */
export const CONDITIONAL_412_LIMIT = 3;
const LATENCY_HALF_LIFE_MS = 10_000;

/** The timing of one update, as functions of the latency L. */
export interface TimingRules {
  readonly clock: TagSchemaClock;
  readonly jitterMs: number;
  readonly maxWrites: number;
  readonly maxObservations: number;
  /** W: the accepted age of a read when its merge is written. */
  maxReadAge(latency: number): number;
  /** S without jitter: the wait between a write (or an observation) and its verification. */
  settle(latency: number): number;
  /** Upper bound of the random backoff after the `writes`-th write was lost. */
  backoff(writes: number): number;
}

/**
 * The timing of one update. `latency` is the slowest index request seen (this update, or recently on
 * this transport): a loaded registry or client stretches every writer's read-to-write window, so both
 * the accepted read age and the settle time grow with it.
 */
export function timingRules(options: TagSchemaTimingOptions): TimingRules {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const maxReadAge = options.maxReadAgeMs ?? settleMs / 2;
  const jitterMs = options.jitterMs ?? DEFAULT_JITTER_MS;
  return {
    clock: options.clock ?? systemClock,
    jitterMs,
    maxWrites: options.maxWrites ?? DEFAULT_MAX_WRITES,
    maxObservations: options.maxObservations ?? DEFAULT_MAX_OBSERVATIONS,
    maxReadAge: (latency) => Math.max(maxReadAge, 2 * latency),
    settle: (latency) => Math.max(settleMs, Math.max(maxReadAge, 2 * latency) + 3 * latency),
    backoff: (writes) => Math.min(MAX_BACKOFF_MS, jitterMs * 2 ** Math.max(0, writes - 1)),
  };
}

/** The registry's slowest recent index request, decayed to `now` (half-life 10 s). */
export function rememberedLatency(quirks: RegistryQuirks, now: number): number {
  const memory = quirks.indexLatency;
  if (memory === undefined) return 0;
  return memory.ms * 0.5 ** (Math.max(0, now - memory.at) / LATENCY_HALF_LIFE_MS);
}

/** Remembers an index request's duration when it is the slowest (after decay). */
export function rememberLatency(quirks: RegistryQuirks, ms: number, now: number): void {
  if (ms >= rememberedLatency(quirks, now)) quirks.indexLatency = { ms, at: now };
}
