/**
 * The state of one tag-schema index update (referrers-index-update.ts) and what every step shares:
 * the fixed context (target, change, timing rules, the registry's record), the one mutable state
 * object the steps change, and the two things every step does with the registry: read the index and
 * note how long a request took (the latency L of the timing rules, tag-schema-timing.ts).
 */
import type { IndexSnapshot, ReferrerChange } from './referrers-index-model.ts';
import { referrersTag } from './referrers-index-model.ts';
import { readReferrersIndex } from './referrers-index-read.ts';
import { type RegistryQuirks, registryQuirks } from './registry-quirks.ts';
import type { RegistryTarget } from './registry-target.ts';
import {
  rememberedLatency,
  rememberLatency,
  type TagSchemaTimingOptions,
  type TimingRules,
  timingRules,
} from './tag-schema-timing.ts';

export interface TagSchemaOptions extends TagSchemaTimingOptions {
  /** Receives every step of an update (reads, writes, verifications), for debugging. */
  trace?: ((event: TagSchemaTraceEvent) => void) | undefined;
}

/** One step of an index update; `wall` is epoch milliseconds (comparable across processes). */
export type TagSchemaTraceEvent = { wall: number; subject: string } & (
  | { step: 'read'; digest: string | undefined; entries: number; ms: number }
  | { step: 'write'; from: string | undefined; digest: string; entries: number; ms: number; windowMs: number }
  | { step: 'delete-empty'; digest: string; outcome: string }
  | { step: 'verify'; watched: string | undefined; seen: string | undefined; ms: number }
  | { step: 'stale-read'; ageMs: number }
  | { step: 'caller-state'; digest: string | undefined; entries: number; ageMs: number }
  | { step: 'confirmed'; digest: string | undefined; writes: number }
  | { step: 'cleanup'; digest: string; outcome: string }
);

type TraceStep = TagSchemaTraceEvent extends infer E
  ? E extends { step: string }
    ? Omit<E, 'wall' | 'subject'>
    : never
  : never;

/** What one update works with; fixed for its duration. */
export interface UpdateContext {
  readonly target: RegistryTarget;
  readonly subject: string;
  readonly tag: string;
  readonly change: ReferrerChange;
  readonly rules: TimingRules;
  /** The registry's record: latency memory, refused DELETEs, ignored If-Match. */
  readonly quirks: RegistryQuirks;
  trace(event: TraceStep): void;
}

/** The counters and sets of one update, changed only by the steps. */
export interface UpdateProgress {
  writes: number;
  observations: number;
  /** Reads in a row that were too old to write from. */
  staleRereads: number;
  /** 412 answers in a row to our conditional writes. */
  conditional412: number;
  /** The slowest index request of this update (ms). */
  slowest: number;
  /** The tag existed at some read: a 404 is re-checked before it is believed. */
  knownToExist: boolean;
  /** Indexes our writes replaced: deleted once the change is confirmed. */
  readonly replaced: Set<string>;
  /** Emptied indexes we deleted. */
  readonly deletedByUs: Set<string>;
}

/** The state of one update. */
export interface UpdateState extends UpdateProgress {
  /** The index as last read (or the caller's snapshot): the base of the next write. */
  snapshot: IndexSnapshot;
  /** Whether the first snapshot already showed the change, and what it listed. */
  readonly alreadyReflected: boolean;
  readonly firstListed: ReadonlySet<string>;
}

/** A digest the tag must still hold a settle time after `at` (undefined: the tag must be gone). */
export interface Watch {
  digest: string | undefined;
  at: number;
}

/** A verification's verdict: confirmed with the tag's digest, or not yet. */
export type Verdict = { confirmed: true; digest: string | undefined } | { confirmed: false };

/** The context of one update: fixed for its duration. */
export function updateContext(
  target: RegistryTarget,
  subjectDigest: string,
  change: ReferrerChange,
  options: TagSchemaOptions,
): UpdateContext {
  return {
    target,
    subject: subjectDigest,
    tag: referrersTag(subjectDigest),
    change,
    rules: timingRules(options),
    quirks: registryQuirks(target.transport),
    trace: (event) =>
      options.trace?.({
        ...event,
        wall: performance.timeOrigin + performance.now(),
        subject: subjectDigest,
      } as TagSchemaTraceEvent),
  };
}

/** Reads the index for a write (asking for push up front), noting its duration. */
export async function readIndex(context: UpdateContext, progress: UpdateProgress): Promise<IndexSnapshot> {
  const snapshot = await readReferrersIndex(
    context.target,
    context.subject,
    context.rules.clock,
    true,
    progress.knownToExist,
  );
  observe(context, progress, snapshot.observedAt - snapshot.readStartedAt);
  context.trace({
    step: 'read',
    digest: snapshot.digest,
    entries: snapshot.manifests.length,
    ms: snapshot.observedAt - snapshot.readStartedAt,
  });
  if (snapshot.digest !== undefined) progress.knownToExist = true;
  return snapshot;
}

/** Notes an index request's duration: this update's slowest, and the registry's recent slowest. */
export function observe(context: UpdateContext, progress: UpdateProgress, ms: number): void {
  progress.slowest = Math.max(progress.slowest, ms);
  rememberLatency(context.quirks, ms, context.rules.clock.now());
}

/** L of the timing rules: the slowest index request of this update or recently on this registry. */
export function latency(context: UpdateContext, progress: UpdateProgress): number {
  return Math.max(progress.slowest, rememberedLatency(context.quirks, context.rules.clock.now()));
}
