/**
 * What this process learned about one registry while talking to it, in one record per transport:
 * which upload forms it takes (blob-upload.ts), whether it refuses manifest DELETEs and ignores
 * If-Match, how slow its index requests have been lately (the tag-schema timing rules grow with it),
 * and this process's tag-schema index updates through it (referrers-index-queue.ts).
 *
 * Why one record: each of these used to be a module-level WeakMap in the file that used it, so a
 * registry's behaviour changed the requests manifesto sent (a 405 stops cleanup DELETEs for the rest
 * of the process) with nothing a caller or a bug report could see. Here it is one object per
 * transport, shared by every repository opened through it, and `--debug` prints it at the end of a
 * command (describeQuirks).
 *
 * The record is found by transport identity (the transport belongs to the HTTP layer, which knows
 * nothing of these protocols), so a transport made by a library user gets its record on first use.
 */
import type { IndexSnapshot, ReferrerChange, UpdateResult } from './referrers-index-model.ts';

/** What a transport's registry turned out to support for blob uploads; unknown until tried. */
export interface UploadStrategy {
  monolithicPost?: boolean;
  streamedPut?: boolean;
}

/** The slowest index request seen recently, and when (clock.now()); it decays (tag-schema-timing.ts). */
export interface LatencyMemory {
  ms: number;
  at: number;
}

/** How a change waiting for the running update of its index is told what happened. */
export type QueueOutcome =
  | { kind: 'done'; result: UpdateResult }
  | { kind: 'failed'; error: unknown }
  | { kind: 'lead' };

export interface QueuedChange {
  change: ReferrerChange;
  initial: IndexSnapshot | undefined;
  wake(outcome: QueueOutcome): void;
}

/** This process's updates of tag-schema indexes through one transport (referrers-index-queue.ts). */
export interface IndexUpdates {
  /** Indexes being updated now, by `repository@subject`: the changes waiting for the next update. */
  readonly running: Map<string, { waiting: QueuedChange[] }>;
  /**
   * When (clock.now()) the last update of each index ended. Bounded: when entries are evicted,
   * `evictedUpTo` keeps the latest end among them.
   */
  readonly ends: Map<string, number>;
  evictedUpTo: number;
  /** Updates finished (confirmed or failed) through this transport. */
  finished: number;
}

export interface RegistryQuirks {
  /** The registry host, as in references. */
  readonly registry: string;
  /** The registry answered 405 to a manifest DELETE: cleanup and empty-index DELETEs are not sent again. */
  deletesRefused: boolean;
  /** The registry answered 412 to three fresh conditional writes in a row: If-Match is not sent again. */
  conditionalWritesBroken: boolean;
  /** Slowest recent tag-schema index request (GET, HEAD, PUT, DELETE). */
  indexLatency: LatencyMemory | undefined;
  readonly upload: UploadStrategy;
  readonly indexUpdates: IndexUpdates;
}

interface Keyed {
  readonly registry: string;
}

const records = new WeakMap<Keyed, RegistryQuirks>();

/** The record of a transport (made on first use). */
export function registryQuirks(transport: Keyed): RegistryQuirks {
  let record = records.get(transport);
  if (record === undefined) {
    record = {
      registry: transport.registry,
      deletesRefused: false,
      conditionalWritesBroken: false,
      indexLatency: undefined,
      upload: {},
      indexUpdates: {
        running: new Map(),
        ends: new Map(),
        evictedUpTo: Number.NEGATIVE_INFINITY,
        finished: 0,
      },
    };
    records.set(transport, record);
  }
  return record;
}

/** The record as one line for `--debug`: what was learned, "unknown" for what was never tried. */
export function describeQuirks(record: RegistryQuirks, now: number = performance.now()): string {
  const known = (value: boolean | undefined, yes: string, no: string) =>
    value === undefined ? 'unknown' : value ? yes : no;
  const latency =
    record.indexLatency === undefined
      ? 'none'
      : `${Math.round(record.indexLatency.ms)} ms ${Math.round(Math.max(0, now - record.indexLatency.at))} ms ago`;
  return [
    `registry ${record.registry}:`,
    `blob upload monolithic POST ${known(record.upload.monolithicPost, 'yes', 'no')},`,
    `streamed PUT ${known(record.upload.streamedPut, 'yes', 'no (chunked)')};`,
    `manifest DELETE ${record.deletesRefused ? 'refused (405)' : 'not refused'};`,
    `If-Match ${record.conditionalWritesBroken ? 'ignored (412 to fresh writes)' : 'sent when an ETag is known'};`,
    `slowest recent index request ${latency};`,
    `tag-schema index updates ${record.indexUpdates.finished} (${record.indexUpdates.running.size} running)`,
  ].join(' ');
}
