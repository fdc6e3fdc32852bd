/** Trust policy, signing of metadata versions and verification on read. Named exports only. */
export {
  type ChainProblem,
  type ChainProblemCode,
  describeStatus,
  type HistoryVerification,
  type ReadVerification,
  type VerifyReadOptions,
  verificationError,
  verifyForRead,
  verifyHistory,
} from './trust/freshness.ts';
export {
  ANNOTATION_SIGNATURE_DIGEST,
  ANNOTATION_SIGNATURE_SIZE,
  checkSigningKey,
  type SignedVersion,
  type SignFormat,
  type SignVersionOptions,
  signVersion,
} from './trust/sign-version.ts';
export {
  type ChainEntry,
  type ChainFacts,
  type LatestVerified,
  type LatestVerifiedOptions,
  latestVerified,
  type Rollback,
  type TrustedMarkOptions,
} from './trust/signed-chain.ts';
export { trustGlobMatches } from './trust/trust-glob.ts';
export {
  type Authority,
  type Enforcement,
  loadTrustPolicy,
  type MatchedRule,
  matchRule,
  parseTrustPolicy,
  type Requirement,
  type TrustPolicy,
  type TrustRule,
  trustPolicyPath,
} from './trust/trust-policy.ts';
export { trustPolicyVerifier } from './trust/trust-verifier.ts';
export {
  TRUSTED_STATE_ENV,
  TrustedState,
  type TrustedStateKey,
  type TrustedStateStore,
  type TrustedVersion,
} from './trust/trusted-state.ts';
export {
  type SignatureCheck,
  type SignedFacts,
  STATUS_CODES,
  type VerifyVersionOptions,
  type VersionStatus,
  type VersionVerdict,
  verifyVersion,
} from './trust/verify-version.ts';
