/**
 * Verified views: a type's whole history verified (every version, the signed chain, the trusted
 * state), and an image's listing with each type's latest version verified (signed, by whom, trusted
 * or not). What the CLI's `history --verify` / `list --verify` print and the library returns.
 *
 * Under no rule for a type, a view still verifies with every authority of the policy (enforcement
 * skip, the trusted state neither read nor moved), so it shows who signed.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { usageError } from '../../errors/errors.ts';
import { readListing, summariseTypes } from '../../metadata/listing.ts';
import { type PlatformSelectedVersion, selectPlatformVersion } from '../../metadata/platform-get.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { type ChainProblem, verifyHistory } from './freshness.ts';
import { ROLLBACK_DETECTED, rollbackError } from './rollback.ts';
import { type Enforcement, matchRule, type TrustPolicy, type TrustRule } from './trust-policy.ts';
import type { TrustedStateStore } from './trusted-state.ts';
import { type VersionVerdict, verifyVersion } from './verify-version.ts';

interface ViewBase {
  repository: RepositoryReader;
  /** Tag or digest of the image in the repository. */
  reference: string;
  /** The image as the user named it (messages). */
  image: string;
  platform?: Platform | undefined;
  policy: TrustPolicy;
  now?: Date | undefined;
}

export interface VerifiedHistoryOptions extends ViewBase {
  type: string;
  /** The trusted state the chain is checked against and advances (enforcing and warning rules). */
  trusted: TrustedStateStore;
  /** Accept an older signed latest than the trusted state remembers (resets the state). */
  acceptRollback?: boolean | undefined;
  /** Notes about the signed chain. */
  onWarning?: ((message: string) => void) | undefined;
}

export interface VerifiedHistory {
  selected: PlatformSelectedVersion;
  /** The index of the trust policy's rule for the type, if any. */
  rule: number | undefined;
  enforcement: Enforcement;
  /** Every version's verdict, newest first. */
  verdicts: VersionVerdict[];
  /** The signed chain, latest first. */
  chain: VersionVerdict[];
  /** What is wrong (a rollback under a rule that does not enforce is one of them). */
  problems: ChainProblem[];
}

/** The rule a view verifies with where the policy has none: any authority may vouch, nothing enforced. */
function anyAuthority(policy: TrustPolicy): TrustRule {
  return {
    index: -1,
    repositories: ['**'],
    types: ['*'],
    authorities: [...policy.authorities.keys()],
    require: 'any',
    enforcement: 'skip',
  };
}

/** A type's history verified. Throws ROLLBACK_DETECTED under an enforcing rule. */
export async function verifiedHistory(options: VerifiedHistoryOptions): Promise<VerifiedHistory> {
  const { repository, policy, type } = options;
  const selected = await selectPlatformVersion({
    repository,
    reference: options.reference,
    type,
    platform: options.platform,
    inherit: false,
    image: options.image,
  });
  const { rule, enforcement } = matchRule(policy, repository.location, type);
  if (selected.versions.every((v) => v.signature)) {
    throw usageError(
      'IMAGE_SIGNATURE',
      `"${type}" of ${options.image} holds signatures of the image, not metadata: manifesto does not verify them`,
      'Verify them with cosign verify or notation verify; history without --verify lists them.',
    );
  }
  const effective = rule ?? anyAuthority(policy);
  const result =
    effective.authorities.length === 0
      ? { verdicts: [], chain: [], problems: [] as ChainProblem[], outcome: undefined }
      : await verifyHistory({
          repository,
          versions: selected.versions,
          policy,
          rule: effective,
          now: options.now ?? new Date(),
          // A view under no rule (skip) neither reads nor moves the trusted state.
          trusted:
            enforcement === 'skip'
              ? undefined
              : {
                  store: options.trusted,
                  key: { location: repository.location, subject: selected.subject.digest, type },
                  acceptRollback: options.acceptRollback === true,
                },
        });
  for (const note of result.outcome?.notes ?? []) options.onWarning?.(note);
  const rollback = result.outcome?.rollback;
  if (rollback !== undefined) {
    const error = rollbackError(
      `${options.image} ${type}`,
      rollback,
      `manifesto verify ${options.image} --type ${type} --accept-rollback`,
      options.trusted.location,
    );
    if (enforcement === 'enforce') throw error;
    result.problems.unshift({
      code: ROLLBACK_DETECTED,
      version: rollback.offered.version.digest,
      message: error.message,
    });
  }
  return {
    selected,
    rule: rule?.index,
    enforcement,
    verdicts: result.verdicts,
    chain: result.chain,
    problems: result.problems,
  };
}

export interface VerifiedType {
  type: string;
  /** The latest version's digest. */
  latest: string;
  rule: number | undefined;
  enforcement: Enforcement;
  /** The latest version's verdict; undefined when not checked (no authority, or image signatures). */
  verdict: VersionVerdict | undefined;
  /** The type holds signatures of the image (cosign, notation), not metadata. */
  signature: boolean;
}

export interface VerifiedListing {
  subject: Descriptor;
  types: VerifiedType[];
}

/** An image's types, each with its latest version verified (informational: nothing is enforced). */
export async function verifiedListing(options: ViewBase): Promise<VerifiedListing> {
  const { repository, policy } = options;
  const target = await resolveTarget(repository, options.reference, {
    platform: options.platform,
    image: options.image,
  });
  const types = summariseTypes(await readListing(repository, target.subject));
  const now = options.now ?? new Date();
  const rows = await Promise.all(
    types.map(async (t): Promise<VerifiedType> => {
      const { rule, enforcement } = matchRule(policy, repository.location, t.type);
      const effective = rule ?? anyAuthority(policy);
      const signature = t.versions.every((v) => v.signature);
      const verdict =
        effective.authorities.length === 0 || signature
          ? undefined
          : await verifyVersion({ repository, version: t.versions[0]!, policy, rule: effective, now });
      return {
        type: t.type,
        latest: t.versions[0]!.digest,
        rule: rule?.index,
        enforcement,
        verdict,
        signature,
      };
    }),
  );
  return { subject: target.subject, types: rows };
}
