/**
 * The OCI referrers tag schema, for registries without the referrers API: the referrers of a subject
 * `<alg>:<hex>` are listed in an OCI image index tagged `<alg>-<hex>` (alg cut to 32 characters, hex to
 * 64, other characters than [A-Za-z0-9._-] replaced by "-") in the same repository.
 *
 * This file is the schema's public face for the rest of manifesto; the parts are:
 * - referrers-index-model.ts   the index as data: tag name, changes, merge, serialization (pure)
 * - referrers-index-read.ts    the validated read of the tag
 * - tag-schema-timing.ts       the clock and the timing rules (read age, settle time, backoff)
 * - referrers-index-update.ts  one change, written and confirmed, as named steps over one state
 *   (-update-state.ts: the state and context; -write.ts, -verify.ts: the steps)
 * - referrers-index-queue.ts   one process's changes to one index, one update at a time
 * - referrers-index-errors.ts  full index, unconfirmed change
 * - registry-quirks.ts         what the registry turned out to do, one record per transport
 *
 * Why a confirmed change cannot be lost, and the one timing assumption it rests on: docs/format.md,
 * "Why the tag-schema index update is safe".
 */
export { checkIndexRoom, indexFull } from './referrers-index-errors.ts';
export {
  changeParts,
  combine,
  type IndexSnapshot,
  mergeChange,
  type ReferrerChange,
  referrersTag,
  reflects,
  reflectsListed,
  serializeIndex,
  type UpdateResult,
} from './referrers-index-model.ts';
export { readReferrersIndex } from './referrers-index-read.ts';
export {
  type TagSchemaOptions,
  type TagSchemaTraceEvent,
  updateReferrersIndex,
} from './referrers-index-update.ts';
export {
  DEFAULT_JITTER_MS,
  DEFAULT_MAX_OBSERVATIONS,
  DEFAULT_MAX_WRITES,
  DEFAULT_SETTLE_MS,
  systemClock,
  type TagSchemaClock,
} from './tag-schema-timing.ts';
