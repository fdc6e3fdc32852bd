/**
 * The verification step of a tag-schema index update (referrers-index-update.ts): a change is
 * confirmed when the tag holds the same index twice, a settle time S apart (docs/format.md, "Why the
 * tag-schema index update is safe"); a change overwritten from an older read backs off and reads the
 * base of the next write.
 */
import { headManifestDigest } from './manifests.ts';
import { unconfirmed } from './referrers-index-errors.ts';
import { reflects } from './referrers-index-model.ts';
import {
  latency,
  observe,
  readIndex,
  type UpdateContext,
  type UpdateState,
  type Verdict,
  type Watch,
} from './referrers-index-update-state.ts';

/**
 * Step 3: the tag must still hold the watched digest a settle time (plus jitter) later. Confirmed when
 * it does (a 404 for an index that existed and that we did not delete is re-checked first); when it
 * holds another index, that one is read: if it still reflects the change it is the next snapshot (and
 * gets watched), else the change was overwritten from an older read (backOffAndReadAgain).
 */
export async function verifyWatch(
  context: UpdateContext,
  state: UpdateState,
  watch: Watch,
): Promise<Verdict> {
  const { clock, jitterMs } = context.rules;
  if (++state.observations > context.rules.maxObservations) {
    throw unconfirmed(context.target, context.tag, context.change, state.writes);
  }
  await clock.sleep(
    watch.at + context.rules.settle(latency(context, state)) + clock.random() * jitterMs - clock.now(),
  );
  const started = clock.now();
  const head = await headManifestDigest(context.target, context.tag, ['pull', 'push']);
  observe(context, state, clock.now() - started);
  context.trace({ step: 'verify', watched: watch.digest, seen: head.digest, ms: clock.now() - started });
  if (head.status === 200 && head.digest === undefined) {
    // This registry's HEAD lacks Docker-Content-Digest: compare by GET instead.
    state.snapshot = await readIndex(context, state);
    return state.snapshot.digest === watch.digest ? { confirmed: true, digest: watch.digest } : NOT_YET;
  }
  if (head.digest === watch.digest) {
    if (head.digest !== undefined || !state.knownToExist || state.deletedByUs.size > 0) {
      return { confirmed: true, digest: watch.digest };
    }
    // A 404 for an index that existed and that we did not delete: re-check before believing it.
    state.snapshot = await readIndex(context, state);
    return state.snapshot.digest === undefined ? { confirmed: true, digest: undefined } : NOT_YET;
  }
  state.snapshot = await readIndex(context, state);
  if (!reflects(state.snapshot.manifests, context.change)) await backOffAndReadAgain(context, state);
  return NOT_YET;
}

const NOT_YET: Verdict = { confirmed: false };

/**
 * Overwritten from an older read. Backs off (more after each of our writes) so writers that collided
 * spread out, then reads again: that read is the base of the next write.
 */
export async function backOffAndReadAgain(context: UpdateContext, state: UpdateState): Promise<void> {
  const { clock } = context.rules;
  await clock.sleep(clock.random() * context.rules.backoff(state.writes));
  state.snapshot = await readIndex(context, state);
}
