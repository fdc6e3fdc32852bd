/**
 * manifesto's signing building blocks: keys and certificates, Notary Project signatures (JWS,
 * `notary.x509`) and key-based Sigstore bundles (DSSE in-toto attestations, as cosign v3 stores them).
 * Named exports only.
 */
export {
  pushSignatureArtifact,
  type SignatureArtifact,
  type SignatureBlob,
} from './artifact.ts';
export {
  type CertificateDetails,
  certificateDetails,
  codeSigningChainProblem,
  isIssuedBy,
  isSelfSigned,
  subjectLine,
} from './certificate-profile.ts';
export {
  type CertificateProfile,
  certificatesToPem,
  certificateThumbprint,
  createSelfSignedCertificate,
  type DistinguishedName,
  type IssueCertificateOptions,
  issueCertificate,
  loadCertificates,
  type SelfSignedCertificateOptions,
  type Validity,
} from './certificates.ts';
export type { KeyProblem, VerificationFailure } from './errors.ts';
export {
  describeKey,
  generateKeyPair,
  isKeyAlgorithm,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  type KeyDescription,
  type KeyPair,
  loadPrivateKey,
  loadPublicKey,
  privateKeyToPem,
  publicKeyHint,
  publicKeyToPem,
} from './keys.ts';
export { type NotaryAlgorithm, notaryAlgorithmForKey } from './notary/algorithms.ts';
export {
  JWS_ENVELOPE_MEDIA_TYPE,
  NOTARY_PAYLOAD_MEDIA_TYPE,
  NOTARY_SIGNATURE_ARTIFACT_TYPE,
  THUMBPRINT_ANNOTATION,
} from './notary/constants.ts';
export { type NotarySignatureManifest, parseNotarySignatureManifest } from './notary/manifest.ts';
export { type NotarySignature, type SignNotaryOptions, signNotary, signNotaryWith } from './notary/sign.ts';
export { type VerifiedNotarySignature, type VerifyNotaryOptions, verifyNotary } from './notary/verify.ts';
export { type KeySigner, keySigner, type SignatureParameters, type Signer } from './signer.ts';
export {
  IN_TOTO_PAYLOAD_TYPE,
  MANIFESTO_PREDICATE_TYPE,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from './sigstore/constants.ts';
export {
  type SignSigstoreOptions,
  type SigstoreAttestation,
  signSigstoreBundle,
  signSigstoreBundleWith,
} from './sigstore/sign.ts';
export {
  type InTotoStatement,
  type MetadataPredicate,
  type MetadataPredicateInput,
  metadataPredicate,
} from './sigstore/statement.ts';
export {
  type VerifiedSigstoreAttestation,
  type VerifySigstoreOptions,
  verifySigstoreBundle,
} from './sigstore/verify.ts';
export {
  type FetchSignaturesOptions,
  fetchSignatures,
  type SignatureFormat,
  type StoredSignature,
} from './stored.ts';
