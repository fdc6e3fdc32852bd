/**
 * Rollback protection (docs/format.md, "Rollback protection"): the newest version verified before
 * (src/policy/trusted-state.ts) must not be followed by an older one. Whether the latest offered now
 * is older is decided by the signed chain (src/policy/signed-chain.ts); this file names the error,
 * and lowers this machine's mark after its own deletes.
 */
import { ManifestoError } from '../../errors/errors.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import { type Rollback, rollbackMessage } from './signed-chain.ts';
import type { TrustedState, TrustedStateKey } from './trusted-state.ts';

export const ROLLBACK_DETECTED = 'ROLLBACK_DETECTED';

/** Digests reached from `start` by following the supersedes links of this machine's own listing. */
function chainFrom(
  start: string,
  versions: readonly MetadataVersion[],
  firstLink?: string | undefined,
): Set<string> {
  const byDigest = new Map(versions.map((v) => [v.digest, v]));
  const seen = new Set<string>();
  let next = firstLink ?? byDigest.get(start)?.supersedes;
  while (next !== undefined && !seen.has(next)) {
    seen.add(next);
    next = byDigest.get(next)?.supersedes;
  }
  return seen;
}

/** The error of a detected rollback (exit 9): what was verified before, what is offered now. */
export function rollbackError(
  what: string,
  rollback: Rollback,
  acceptCommand: string,
  store: string,
): ManifestoError {
  return new ManifestoError(ROLLBACK_DETECTED, rollbackMessage(what, rollback), {
    category: 'verification',
    hint: `A newer version was deleted or is being withheld; if this was intended, run "${acceptCommand}" (trusted state: ${store}).`,
  });
}

/**
 * After this machine deleted versions through manifesto: when the remembered version was deleted,
 * lower the mark to the kept version it superseded (through deleted ones), else forget it.
 */
export function lowerAfterDelete(
  state: TrustedState,
  key: TrustedStateKey,
  deleted: readonly MetadataVersion[],
  kept: readonly MetadataVersion[],
  now: Date,
): void {
  const remembered = state.get(key);
  if (remembered === undefined || !deleted.some((v) => v.digest === remembered.digest)) return;
  const all = [...deleted, ...kept];
  const keptByDigest = new Map(kept.map((v) => [v.digest, v]));
  for (const digest of chainFrom(remembered.digest, all)) {
    const survivor = keptByDigest.get(digest);
    if (survivor !== undefined) {
      state.set(
        key,
        { digest, created: survivor.createdText, recorded: now.toISOString() },
        { basis: remembered },
      );
      return;
    }
  }
  state.set(key, undefined, { basis: remembered });
}
