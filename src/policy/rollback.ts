/**
 * Rollback protection (docs/format.md, "Rollback protection"): the newest version this machine has
 * verified (src/policy/trusted-state.ts) must not be followed by an older one. The verified latest
 * offered now is a rollback when the remembered version supersedes it (directly or through the
 * listing's chain), or when the remembered version is gone and the offered one is not newer by its
 * signed creation time. A newer version (one that supersedes the remembered one, or is signed as
 * created later) advances the state.
 */
import { ManifestoError } from '../errors/errors.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { TrustedState, TrustedStateKey, TrustedVersion } from './trusted-state.ts';
import type { VersionVerdict } from './verify-version.ts';

export const ROLLBACK_DETECTED = 'ROLLBACK_DETECTED';

function signedCreated(verdict: VersionVerdict): string | undefined {
  return verdict.signed?.created ?? verdict.version.createdText;
}

/** Digests reached from `start` by following supersedes links (the first link may be given). */
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

/** Why `accepted` is older than `remembered`, or undefined when it is the same or newer. */
export function rollbackReason(
  remembered: TrustedVersion,
  accepted: VersionVerdict,
  versions: readonly MetadataVersion[],
): string | undefined {
  const offered = accepted.version.digest;
  if (offered === remembered.digest) return undefined;
  const present = versions.some((v) => v.digest === remembered.digest);
  if (present && chainFrom(remembered.digest, versions).has(offered)) {
    return `${remembered.digest} supersedes it`;
  }
  // Newer: its signed chain leads to the remembered version.
  if (chainFrom(offered, versions, accepted.signed?.supersedes).has(remembered.digest)) return undefined;
  const offeredTime = Date.parse(signedCreated(accepted) ?? '');
  const rememberedTime = Date.parse(remembered.created ?? '');
  if (offeredTime > rememberedTime) return undefined;
  return present
    ? `${remembered.digest} is newer and still listed`
    : `${remembered.digest} is missing from the listing`;
}

export interface RollbackGuardOptions {
  state: TrustedState;
  key: TrustedStateKey;
  /** The newest version that verifies now. */
  accepted: VersionVerdict;
  versions: readonly MetadataVersion[];
  /** Accept an older version: the state is reset to it. */
  acceptRollback: boolean;
  /** `IMAGE TYPE`, for the message. */
  what: string;
  /** The command a user runs to accept the rollback, for the hint. */
  acceptCommand: string;
  now: Date;
}

function describe(digest: string, created: string | undefined): string {
  return created === undefined ? digest : `${digest} (created ${created})`;
}

/**
 * Checks the accepted version against the remembered one. Returns the error when it is a rollback
 * (the state is then left alone); otherwise records the accepted version and returns undefined.
 */
export function guardRollback(options: RollbackGuardOptions): ManifestoError | undefined {
  const { state, key, accepted } = options;
  const remembered = state.get(key);
  // Decided against `remembered`: a newer version recorded meanwhile by another process is kept,
  // unless this is an accepted rollback.
  const record = (allowOlder = false) =>
    state.set(
      key,
      {
        digest: accepted.version.digest,
        created: signedCreated(accepted),
        recorded: options.now.toISOString(),
      },
      { basis: remembered, allowOlder },
    );
  if (remembered === undefined) {
    record();
    return undefined;
  }
  if (remembered.digest === accepted.version.digest) return undefined;
  const reason = rollbackReason(remembered, accepted, options.versions);
  if (reason === undefined || options.acceptRollback) {
    record(reason !== undefined);
    return undefined;
  }
  return new ManifestoError(
    ROLLBACK_DETECTED,
    `${options.what}: rollback detected: this machine verified ${describe(remembered.digest, remembered.created)}, but the newest version offered now is the older ${describe(accepted.version.digest, signedCreated(accepted))} (${reason})`,
    {
      category: 'verification',
      hint: `A newer version was deleted or is being withheld; if this was intended, run "${options.acceptCommand}" (state: ${state.path}).`,
    },
  );
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
