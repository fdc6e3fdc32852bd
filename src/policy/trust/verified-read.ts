/**
 * A verified read (`get --verify`, the library's verified get): choose the version to return under
 * the trust policy, or fail before anything is returned. The latest is chosen by signed facts (signed-chain.ts), never by the listing's
 * annotations. Enforcing rules: the latest version must verify (a newer version that does not is
 * reported as possible tampering, exit 9) and must not be older than the trusted state's; warn: the
 * problems go to stderr and the latest is used; skip (or no matching rule): no verification.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { integrityError, usageError } from '../../errors/errors.ts';
import { storedContent } from '../../metadata/get.ts';
import {
  type PlatformGetResult,
  type PlatformSelectedVersion,
  selectPlatformVersion,
  versionContent,
} from '../../metadata/platform-get.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { verificationError, verifyForRead } from './freshness.ts';
import { rollbackError } from './rollback.ts';
import { matchRule, type TrustPolicy } from './trust-policy.ts';
import type { TrustedStateStore } from './trusted-state.ts';
import { verifyVersion } from './verify-version.ts';

export interface VerifiedReadOptions {
  repository: RepositoryReader;
  /** Tag or digest of the image in the repository. */
  reference: string;
  /** The image as the user named it (messages). */
  image: string;
  type: string;
  version?: string | undefined;
  platform?: Platform | undefined;
  /** Fall back to the index's version when the platform has none (default true). */
  inherit?: boolean | undefined;
  policy: TrustPolicy;
  /** The trusted state the read compares with and advances (policy/trust/trusted-state.ts). */
  trusted: TrustedStateStore;
  /** Accept a verified latest older than the one the trusted state remembers (resets the state). */
  acceptRollback?: boolean | undefined;
  now?: Date | undefined;
  /** Problems of a rule that only warns, and notes about the signed chain. */
  onWarning?: ((message: string) => void) | undefined;
}

export interface VerifiedReadResult extends PlatformGetResult {
  /** 'verified', 'warned' (printed despite problems), or 'skipped' (no rule). */
  trust: 'verified' | 'warned' | 'skipped';
  signedBy: string[];
}

export async function readVerified(options: VerifiedReadOptions): Promise<VerifiedReadResult> {
  const { repository, policy } = options;
  const { rule, enforcement } = matchRule(policy, repository.location, options.type);
  const listed: PlatformSelectedVersion = await selectPlatformVersion({
    repository,
    reference: options.reference,
    type: options.type,
    version: options.version,
    platform: options.platform,
    inherit: options.inherit ?? true,
    image: options.image,
  });
  if (listed.version.signature && rule !== undefined && enforcement !== 'skip') {
    // cosign sign / notation sign made it: it signs the image, it is not metadata to verify.
    throw usageError(
      'IMAGE_SIGNATURE',
      `"${options.type}" of ${options.image} is a signature of the image, not of metadata: manifesto does not verify it`,
      'Verify it with cosign verify or notation verify; get without --verify prints it.',
    );
  }
  // manifesto's own versions: the newest one still stored (a tag-schema index can list versions
  // deleted since), with the content its manifest pins, so deleted versions are neither verified nor
  // served. Other tools' attestations are read at the end (their document, versionContent).
  const explicit = options.version !== undefined;
  let stored =
    listed.version.foreign === undefined ? await storedContent(repository, listed, explicit) : undefined;
  const selected: PlatformSelectedVersion =
    stored === undefined || stored.version === listed.version
      ? listed
      : {
          ...listed,
          version: stored.version,
          versions: listed.versions.slice(listed.versions.indexOf(stored.version)),
        };
  if (rule === undefined || enforcement === 'skip') {
    const content = stored ?? (await versionContent(repository, selected, explicit));
    return { ...selected, ...content, trust: 'skipped', signedBy: [] };
  }
  const now = options.now ?? new Date();
  const what = `${options.image} ${options.type}`;
  const warn = (message: string) => options.onWarning?.(message);
  let accepted: Awaited<ReturnType<typeof verifyVersion>> | undefined;
  if (options.version !== undefined) {
    const verdict = await verifyVersion({ repository, version: selected.version, policy, rule, now });
    if (verdict.status !== 'verified') {
      const error = verificationError(what, verdict, undefined, undefined);
      if (enforcement === 'enforce') throw error;
      warn(error.message);
    } else accepted = verdict;
  } else {
    const trusted = options.trusted;
    const read = await verifyForRead({
      repository,
      versions: selected.versions,
      policy,
      rule,
      now,
      trusted: {
        store: trusted,
        key: { location: repository.location, subject: selected.subject.digest, type: options.type },
        acceptRollback: options.acceptRollback === true,
      },
    });
    for (const note of read.chain.notes) warn(note);
    for (const problem of read.problems) {
      if (enforcement === 'enforce') {
        const verdict = read.verdicts.find((v) => v.version.digest === problem.version);
        throw verificationError(what, verdict, problem, read.accepted);
      }
      warn(problem.message);
    }
    if (read.accepted === undefined && enforcement === 'enforce') {
      throw verificationError(what, read.verdicts[0], undefined, undefined);
    }
    const rollback = read.chain.rollback;
    if (rollback !== undefined) {
      const error = rollbackError(
        what,
        rollback,
        `manifesto verify ${options.image} --type ${options.type} --accept-rollback`,
        trusted.location,
      );
      if (enforcement === 'enforce') throw error;
      warn(error.message);
    }
    // Enforced: the newest that verifies. Warned: the newest by signed (or digest-pinned) facts.
    const chosen = read.problems.length === 0 ? read.accepted?.version : read.chain.entries[0]?.version;
    if (chosen !== undefined && chosen.digest !== selected.version.digest) {
      // The signed chain's latest, not the listing's: its content as its own manifest pins it.
      selected.version = chosen;
      if (stored !== undefined) stored = await storedContent(repository, selected, true);
    }
    if (read.accepted?.version.digest === selected.version.digest) accepted = read.accepted;
  }
  // The content named by what was signed (and pinned by the version manifest), never by the listing.
  // Another tool's attestation: the document inside the bundle whose signature was verified.
  const signedContent = accepted?.signed?.content;
  if (signedContent !== undefined && stored !== undefined && signedContent.digest !== stored.content.digest) {
    throw integrityError(
      'SIGNED_CONTENT_MISMATCH',
      `version ${selected.version.digest} was signed with content ${signedContent.digest}, but its manifest names ${stored.content.digest}`,
      'The signature and the version do not belong together; nothing was printed.',
    );
  }
  const read =
    signedContent !== undefined
      ? {
          content: {
            mediaType: signedContent.mediaType,
            digest: signedContent.digest,
            size: signedContent.size,
          } satisfies Descriptor,
        }
      : stored !== undefined
        ? { content: stored.content }
        : await versionContent(repository, selected, true);
  if (accepted === undefined) {
    return { ...selected, ...read, trust: 'warned', signedBy: [] };
  }
  return { ...selected, ...read, trust: 'verified', signedBy: accepted.signedBy };
}
