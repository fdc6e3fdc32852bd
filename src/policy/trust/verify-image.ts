/**
 * Verify an image (`manifesto verify`, the library's verify): the latest version of each type (or of
 * one type) checked under the trust policy, the latest chosen by signed facts (signed-chain.ts) and
 * compared with the trusted state. Types whose rule is `skip`, or that no rule matches, are not
 * checked; `warn` rules are checked like `enforce` ones here (the caller decides what a failure
 * means). A rollback below the trusted state throws ROLLBACK_DETECTED.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { metadataNotFound, readListing, summariseTypes } from '../../metadata/listing.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { type ChainProblem, describeStatus, verifyForRead } from './freshness.ts';
import { rollbackError } from './rollback.ts';
import { type Enforcement, matchRule, type TrustPolicy } from './trust-policy.ts';
import type { TrustedStateStore } from './trusted-state.ts';

/** What a signature of the image (cosign sign, notation sign) listed among the metadata is. */
export const IMAGE_SIGNATURE = 'signature of the image, not of metadata: not checked';

export interface TypeReport {
  type: string;
  latest: string;
  enforcement: Enforcement;
  /** Index of the matching rule in the policy file (undefined: none matched). */
  rule: number | undefined;
  status: 'verified' | 'failed' | 'skipped';
  /** The latest version's status ('unsigned', 'expired', ...), when checked. */
  detail: string;
  signedBy: string[];
  problems: ChainProblem[];
}

export interface VerifyImageOptions {
  repository: RepositoryReader;
  /** Tag or digest of the image in the repository. */
  reference: string;
  /** The image as the user named it (messages). */
  image: string;
  /** Only this type (METADATA_NOT_FOUND when the image has none). */
  type?: string | undefined;
  platform?: Platform | undefined;
  policy: TrustPolicy;
  trusted: TrustedStateStore;
  /** Accept an older verified latest than the trusted state remembers: reset the state to it. */
  acceptRollback?: boolean | undefined;
  now?: Date | undefined;
  /** Notes about the signed chains (`TYPE: note`). */
  onWarning?: ((message: string) => void) | undefined;
}

export interface ImageVerification {
  subject: Descriptor;
  platform: Platform | undefined;
  reports: TypeReport[];
  /** Every checked type verifies. */
  ok: boolean;
}

export async function verifyImage(options: VerifyImageOptions): Promise<ImageVerification> {
  const { repository, policy, trusted } = options;
  const target = await resolveTarget(repository, options.reference, {
    platform: options.platform,
    image: options.image,
  });
  const listing = await readListing(repository, target.subject);
  const types = summariseTypes(listing).filter((t) => options.type === undefined || t.type === options.type);
  if (options.type !== undefined && types.length === 0) {
    throw metadataNotFound(options.type, options.image, target.subject.digest);
  }
  const now = options.now ?? new Date();
  const reports = await Promise.all(
    types.map(async (t): Promise<TypeReport> => {
      const { rule, enforcement } = matchRule(policy, repository.location, t.type);
      const base = { type: t.type, latest: t.versions[0]!.digest, enforcement, rule: rule?.index };
      if (rule === undefined || enforcement === 'skip') {
        return { ...base, status: 'skipped', detail: 'not checked', signedBy: [], problems: [] };
      }
      if (t.versions.every((v) => v.signature)) {
        // cosign or notation signed the image: no metadata to verify (their own verify checks it).
        return { ...base, status: 'skipped', detail: IMAGE_SIGNATURE, signedBy: [], problems: [] };
      }
      const key = { location: repository.location, subject: target.subject.digest, type: t.type };
      const read = await verifyForRead({
        repository,
        versions: t.versions,
        policy,
        rule,
        now,
        trusted: { store: trusted, key, acceptRollback: options.acceptRollback === true },
      });
      for (const note of read.chain.notes) options.onWarning?.(`${t.type}: ${note}`);
      if (read.chain.rollback !== undefined)
        throw rollbackError(
          `${options.image} ${t.type}`,
          read.chain.rollback,
          `manifesto verify ${options.image} --type ${t.type} --accept-rollback`,
          trusted.location,
        );
      if (read.accepted === undefined && options.acceptRollback === true)
        await trusted.record(key, undefined);
      const latest = read.verdicts[0]!;
      const ok = read.problems.length === 0 && latest.status === 'verified';
      return {
        ...base,
        latest: latest.version.digest,
        status: ok ? 'verified' : 'failed',
        detail: describeStatus(latest),
        signedBy: latest.signedBy,
        problems: read.problems,
      };
    }),
  );
  return {
    subject: target.subject,
    platform: target.platform,
    reports,
    ok: reports.every((r) => r.status !== 'failed'),
  };
}
