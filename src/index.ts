/** manifesto's library API. Named exports only; see README "Library". */
export {
  type AllPlatformsPutInput,
  type CheckInput,
  type ClientAllPlatformsResult,
  type ClientCheckResult,
  type ClientPutResult,
  createClient,
  type GetContentResult,
  type ImageInput,
  type ManifestoClient,
  type PutInput,
  type PutManyItem,
  type PutManyOptions,
  type SignInput,
  type SignVersionInput,
  type VerifiedGetResult,
  type VerifyInput,
} from './api/client.ts';
export { openLayout } from './content/layout/oci-layout-repository.ts';
export type {
  BlobSource,
  FetchedManifest,
  ReferrersResult,
  Repository,
  RepositoryReader,
  StreamSource,
} from './content/repository.ts';
export { ERROR_CATALOGUE, type ErrorCode, type ErrorSpec, isErrorCode } from './errors/catalogue.ts';
export {
  type ErrorCategory,
  EXIT_CODES,
  HTTP_STATUSES,
  httpStatusFor,
  isManifestoError,
  ManifestoError,
} from './errors/errors.ts';
export {
  type AllPlatformsPutResult,
  type PlatformPutOutcome,
  platformsFailedError,
  putAllPlatforms,
} from './metadata/all-platforms-put.ts';
// The operations every front end calls (the CLI and createClient are thin layers over them).
export { type BulkListItem, type BulkPutItem, parseBulkList, parseBulkPut } from './metadata/bulk/lines.ts';
export { type ListedImage, listMany } from './metadata/bulk/list-many.ts';
export { type BulkItemOutcome, putMany } from './metadata/bulk/put-many.ts';
export { type BulkImageOpener, type BulkRun, createBulkRun } from './metadata/bulk/run.ts';
export { prepareFile, prepareStream } from './metadata/content-source.ts';
export { type CopyTarget, copyImage } from './metadata/copy/copy-image.ts';
export { destinationNaming } from './metadata/copy/copy-target.ts';
export type {
  CopiedManifest,
  CopyEvent,
  CopyOptions,
  CopyResult,
  ReferrerDifference,
} from './metadata/copy/copy-types.ts';
export { getMetadata, selectVersion } from './metadata/get.ts';
export { readListing, summariseTypes, versionsOfType } from './metadata/listing.ts';
export { latestVersion, orderNewestFirst } from './metadata/ordering.ts';
export { type PlatformPutResult, type PutWarning, putPlatformMetadata } from './metadata/platform-put.ts';
export { type PutResult, putMetadata } from './metadata/put.ts';
export { deleteMetadata, pruneMetadata, type RemovalResult } from './metadata/remove.ts';
export type { MetadataVersion } from './metadata/version.ts';
export type { Descriptor, ImageIndex, ImageManifest, Platform } from './oci/descriptor.ts';
export { digestOf, isDigest, parseDigest, verifyBytes } from './oci/digest.ts';
export { formatPlatform, localPlatform, parsePlatform, platformMatches } from './oci/platform.ts';
export { familiarReference, formatReference, parseReference } from './oci/reference.ts';
export type { ImageReference, LayoutReference, RegistryReference } from './oci/reference-types.ts';
export type { ClientOptions } from './open/client-options.ts';
export { createImageOpener, type OpenedImage } from './open/open-image.ts';
// The deployment gate (docs/policy.md).
export type { RuleVerdict, SubjectDecision } from './policy/gate/evaluate.ts';
export { type CheckDecision, type CheckOptions, checkImage, compilePolicyCel } from './policy/gate/gate.ts';
export {
  type GatePolicy,
  type PolicyRule,
  parseGatePolicy,
  type RuleType,
} from './policy/gate/gate-policy.ts';
export { checkAndRecord, type DecisionRecord, decisionRecord } from './policy/gate/record-decision.ts';
// Signed metadata: signing building blocks, the trust policy, signing and verifying versions.
export {
  type ChainProblem,
  type ChainProblemCode,
  type HistoryVerification,
  type LatestVerified,
  type LatestVerifiedOptions,
  latestVerified,
  loadTrustPolicy,
  matchRule,
  parseTrustPolicy,
  type ReadVerification,
  type SignedVersion,
  type SignFormat,
  type SignVersionOptions,
  signVersion,
  TrustedState,
  type TrustedStateKey,
  type TrustedStateStore,
  type TrustedVersion,
  type TrustPolicy,
  type TrustRule,
  type VersionStatus,
  type VersionVerdict,
  verifyForRead,
  verifyHistory,
  verifyVersion,
} from './policy/index.ts';
export { loadSigner, signStoredVersion, type VersionSigner } from './policy/trust/signer.ts';
export { trustPolicyVerifier } from './policy/trust/trust-verifier.ts';
export { readVerified, type VerifiedReadResult } from './policy/trust/verified-read.ts';
export {
  type VerifiedHistory,
  type VerifiedListing,
  verifiedHistory,
  verifiedListing,
} from './policy/trust/verified-views.ts';
export type {
  SignatureVerification,
  SignatureVerificationRequest,
  SignatureVerifier,
} from './policy/trust/verifier.ts';
export {
  IMAGE_SIGNATURE,
  type ImageVerification,
  type TypeReport,
  verifyImage,
} from './policy/trust/verify-image.ts';
export { createRegistryTransport } from './registry/http/transport.ts';
export { RegistryRepository } from './registry/registry-repository.ts';
export {
  createSelfSignedCertificate,
  fetchSignatures,
  generateKeyPair,
  keySigner,
  loadCertificates,
  loadPrivateKey,
  loadPublicKey,
  type NotarySignature,
  privateKeyToPem,
  publicKeyToPem,
  pushSignatureArtifact,
  type Signer,
  type SigstoreAttestation,
  type StoredSignature,
  signNotary,
  signNotaryWith,
  signSigstoreBundle,
  signSigstoreBundleWith,
  verifyNotary,
  verifySigstoreBundle,
} from './signing/index.ts';
export { VERSION } from './version.ts';
