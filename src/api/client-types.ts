/**
 * The library's typed inputs and results (createClient, client.ts): the same operations as the CLI,
 * with what the CLI takes from flags and the environment passed as values.
 */
import type { ManifestoError } from '../errors/errors.ts';
import type { AllPlatformsPutResult } from '../metadata/all-platforms-put.ts';
import type { PutItem } from '../metadata/bulk/lines.ts';
import type { ListedImage } from '../metadata/bulk/list-many.ts';
import type { BulkItemOutcome } from '../metadata/bulk/put-many.ts';
import type { CopyOptions, CopyResult } from '../metadata/copy/copy-types.ts';
import type { GetResult } from '../metadata/get.ts';
import type { TypeSummary } from '../metadata/listing.ts';
import type { PutWarning } from '../metadata/platform-put.ts';
import type { PutResult } from '../metadata/put.ts';
import type { RemovalResult } from '../metadata/remove.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import type { ImageReference } from '../oci/reference-types.ts';
import type { OpenedImage } from '../open/open-image.ts';
import type { CheckDecision } from '../policy/gate/gate.ts';
import type { GatePolicy } from '../policy/gate/gate-policy.ts';
import type { DecisionRecord } from '../policy/gate/record-decision.ts';
import type { SignedVersion } from '../policy/trust/sign-version.ts';
import type { VersionSigner } from '../policy/trust/signer.ts';
import type { TrustPolicy } from '../policy/trust/trust-policy.ts';
import type { TrustedStateStore } from '../policy/trust/trusted-state.ts';
import type { VerifiedHistory, VerifiedListing } from '../policy/trust/verified-views.ts';
import type { SignatureVerifier } from '../policy/trust/verifier.ts';
import type { ImageVerification } from '../policy/trust/verify-image.ts';

/** A signer and format (policy/trust/signer.ts; e.g. a KMS key as a Signer), or the files to load one from. */
export type SignInput =
  | VersionSigner
  | {
      keyFile: string;
      /** Notary: the certificate chain (default: NAME.crt next to NAME.key). */
      certFile?: string | undefined;
      format?: 'notary' | 'sigstore' | undefined;
      /** The password of an encrypted key. */
      passphrase?: string | undefined;
    };

export interface PutInput {
  /** Read the content from this file... */
  file?: string | undefined;
  /** ...or use these bytes / this text... */
  content?: Uint8Array | string | undefined;
  /** ...or read this stream to its end. */
  stream?: AsyncIterable<Uint8Array | string> | undefined;
  mediaType?: string | undefined;
  author?: string | undefined;
  annotations?: Record<string, string> | undefined;
  maxSize?: number | undefined;
  /** Validate content of a well-known kind before writing (default true; docs/kinds.md). */
  validate?: boolean | undefined;
  /** Refuse content about another image or platform (else a warning through onWarning). */
  strictContent?: boolean | undefined;
  /** Store for this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Sign the stored version (as `put --sign`). */
  sign?: SignInput | undefined;
  /** With sign: the signature expires this long after it is made (milliseconds). */
  signatureExpiresIn?: number | undefined;
  onWarning?: ((warning: PutWarning) => void) | undefined;
}

export interface AllPlatformsPutInput extends Omit<PutInput, 'platform'> {
  /** Store for every platform of a multi-platform image (the same content for each). */
  allPlatforms: true;
}

export interface ClientPutResult extends PutResult {
  /** The platform the version was stored for, when one was asked for. */
  platform: Platform | undefined;
  /** With sign: the version's signature. */
  signature: SignedVersion | undefined;
}

export interface ClientAllPlatformsResult extends AllPlatformsPutResult<SignedVersion> {
  /** PLATFORMS_FAILED when any platform failed (each platform's error is in its outcome). */
  error: ManifestoError | undefined;
}

/** One operation of a put many (the fields of a `put --from` line). */
export type PutManyItem = PutItem;

export interface PutManyOptions {
  /** Items doing work at a time (default 16). */
  concurrency?: number | undefined;
  maxSize?: number | undefined;
  validate?: boolean | undefined;
  /** The author of items that name none. */
  author?: string | undefined;
  onOutcome?: ((item: PutManyItem, outcome: BulkItemOutcome<PutResult>) => void) | undefined;
}

export interface GetOptions {
  version?: string | undefined;
  /** The version of this platform of a multi-platform image (`get --platform`). */
  platform?: Platform | undefined;
  /** With platform: fall back to the index's version when the platform has none (default true). */
  inherit?: boolean | undefined;
  /** Refuse content larger than this (default 64 MiB); use `open` + stream for larger content. */
  maxBytes?: number | undefined;
}

export interface GetContentResult extends GetResult {
  bytes: Uint8Array;
}

/** What verified reads check against (the CLI: --trust-policy, --trusted-state, the environment). */
export interface VerifyInput {
  trustPolicy: TrustPolicy;
  /** The trusted state compared with and advanced (default: this machine's, as the CLI's). */
  trustedState?: TrustedStateStore | undefined;
  /** Accept a verified latest older than the trusted state remembers (resets the state). */
  acceptRollback?: boolean | undefined;
  platform?: Platform | undefined;
  /** Problems under rules that only warn, notes about the signed chain. */
  onWarning?: ((message: string) => void) | undefined;
}

export interface VerifiedGetResult extends GetContentResult {
  /** 'verified', 'warned' (returned despite problems), or 'skipped' (no rule). */
  trust: 'verified' | 'warned' | 'skipped';
  signedBy: string[];
}

export interface CheckInput {
  /** Only this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Require a multi-platform image. */
  allPlatforms?: boolean | undefined;
  /**
   * For signedBy rules, e.g. `trustPolicyVerifier(await loadTrustPolicy(file, process.env))`;
   * without one every signedBy rule denies (fail closed).
   */
  verifier?: SignatureVerifier | undefined;
  /** Store the decision as a `decision` version of the image (as `check --record`). */
  record?: boolean | { author?: string | undefined; sign?: SignInput | undefined } | undefined;
  /** How the record names the policy (default: the policy's name). */
  policyFile?: string | undefined;
}

export interface ClientCheckResult extends CheckDecision {
  /** The decision as recorded (and as `check --json` prints it). */
  record: DecisionRecord;
  /** With record: the stored `decision` version. */
  recorded: PutResult | undefined;
  signature: SignedVersion | undefined;
}

export interface SignVersionInput {
  sign: SignInput;
  /** The version to sign (default: the type's latest). */
  version?: string | undefined;
  /** The version of this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** The signature expires this long after it is made (milliseconds). */
  expiresIn?: number | undefined;
}

export interface ListResult {
  subject: Descriptor;
  types: TypeSummary[];
}

export type ImageInput = string | ImageReference;

export interface ManifestoClient {
  /** Opens the repository of an image (for streaming `repository.fetchBlob(result.content)`). */
  open(image: ImageInput): Promise<OpenedImage>;
  /** One version (for `platform` of a multi-platform image, when given); signed with `sign`. */
  put(image: ImageInput, type: string, input: PutInput): Promise<ClientPutResult>;
  /** One version per platform of a multi-platform image; blobs uploaded once. */
  put(image: ImageInput, type: string, input: AllPlatformsPutInput): Promise<ClientAllPlatformsResult>;
  /** Many versions (`put --from`): each item's outcome its own, in item order. */
  putMany(items: readonly PutManyItem[], options?: PutManyOptions): Promise<BulkItemOutcome<PutResult>[]>;
  /** Many listings (`list --from`): each image's types, or its error, in image order. */
  listMany(
    images: readonly string[],
    options?: { concurrency?: number | undefined },
  ): Promise<BulkItemOutcome<ListedImage>[]>;
  get(image: ImageInput, type: string, options?: GetOptions): Promise<GetContentResult>;
  /** The types of the image (or, with platform, of that platform's manifest). */
  list(image: ImageInput, options?: { platform?: Platform | undefined }): Promise<ListResult>;
  history(
    image: ImageInput,
    type: string,
    options?: { platform?: Platform | undefined },
  ): Promise<MetadataVersion[]>;
  /** `get --verify`: the version the trust policy accepts, or a verification error. */
  getVerified(image: ImageInput, type: string, options: VerifyInput & GetOptions): Promise<VerifiedGetResult>;
  /** `list --verify`: each type's latest version verified (informational). */
  listVerified(image: ImageInput, options: VerifyInput): Promise<VerifiedListing>;
  /** `verify`: each type's latest version (or one type's) checked; `.ok` false when one fails. */
  verify(image: ImageInput, options: VerifyInput & { type?: string | undefined }): Promise<ImageVerification>;
  /** `sign`: signs a stored version (the latest of the type, or `version`). */
  sign(image: ImageInput, type: string, options: SignVersionInput): Promise<SignedVersion>;
  /** `history --verify`: every version verified and the signed chain checked. */
  historyVerified(image: ImageInput, type: string, options: VerifyInput): Promise<VerifiedHistory>;
  delete(
    image: ImageInput,
    type: string,
    options?: { version?: string; all?: boolean },
  ): Promise<RemovalResult>;
  prune(
    image: ImageInput,
    options: { keep: number; type?: string; dryRun?: boolean },
  ): Promise<RemovalResult>;
  /** The deployment gate (docs/policy.md) for a policy from `parseGatePolicy`; `record` stores it. */
  check(image: ImageInput, policy: GatePolicy, options?: CheckInput): Promise<ClientCheckResult>;
  /**
   * `copy SRC DST`: the image with every referrer, by digest (docs/copy.md). DST's tag: its own, else
   * SRC's. Check `differences` (empty when DST has every selected referrer).
   */
  copy(source: ImageInput, destination: string, options?: CopyOptions): Promise<CopyResult>;
}
