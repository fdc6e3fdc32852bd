/**
 * The typed errors of src/signing. Verification failures have category 'verification' (exit code 9)
 * and one code per reason, so callers (the CLI, trust policy) can tell them apart:
 *
 * | code                          | meaning                                                                  |
 * | ----------------------------- | ------------------------------------------------------------------------ |
 * | `SIGNATURE_MALFORMED`         | the envelope or bundle cannot be parsed, or lacks a required field       |
 * | `SIGNATURE_UNSUPPORTED`       | a valid signature that uses something manifesto does not implement       |
 * | `SIGNATURE_INVALID`           | the cryptographic signature does not verify (tampered, wrong key)       |
 * | `CERTIFICATE_CHAIN_INVALID`   | the certificate chain is broken or violates the Notary Project profile   |
 * | `CERTIFICATE_EXPIRED`         | a certificate of the chain is not valid now (or was not at signing time) |
 * | `SIGNER_UNTRUSTED`            | valid, but not by a trusted root certificate or public key               |
 * | `SIGNATURE_EXPIRED`           | the signer's expiry time has passed                                      |
 * | `SIGNATURE_SUBJECT_MISMATCH`  | the signature is for another artifact, image or content                  |
 * | `SIGNATURE_PREDICATE_MISMATCH`| an attestation of another predicate type than required                   |
 *
 * Problems with the caller's own keys and certificates (loading, signing) are 'usage' errors.
 */
import { ManifestoError } from '../errors/errors.ts';

export type VerificationFailure =
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_UNSUPPORTED'
  | 'SIGNATURE_INVALID'
  | 'CERTIFICATE_CHAIN_INVALID'
  | 'CERTIFICATE_EXPIRED'
  | 'SIGNER_UNTRUSTED'
  | 'SIGNATURE_EXPIRED'
  | 'SIGNATURE_SUBJECT_MISMATCH'
  | 'SIGNATURE_PREDICATE_MISMATCH';

export type KeyProblem =
  | 'KEY_INVALID'
  | 'KEY_PASSPHRASE_REQUIRED'
  | 'KEY_PASSPHRASE_INCORRECT'
  | 'KEY_UNSUPPORTED'
  | 'KEY_NOT_PRIVATE'
  | 'KEY_CERTIFICATE_MISMATCH'
  | 'CERTIFICATE_INVALID'
  | 'CERTIFICATE_UNSUITABLE'
  | 'SIGNING_ALGORITHM_UNSUPPORTED';

const DEFAULT_HINTS: Readonly<Record<VerificationFailure, string>> = {
  SIGNATURE_MALFORMED:
    'The signature artifact is corrupt or not of the expected format; re-sign the artifact.',
  SIGNATURE_UNSUPPORTED: 'Verify this signature with the tool that produced it.',
  SIGNATURE_INVALID: 'The signed content or the signature was modified, or it was signed with another key.',
  CERTIFICATE_CHAIN_INVALID:
    'Sign with a certificate chain that meets the Notary Project certificate requirements.',
  CERTIFICATE_EXPIRED: 'Re-sign with a currently valid certificate.',
  SIGNER_UNTRUSTED: 'Add the signer’s root certificate or public key to the trusted ones if you trust it.',
  SIGNATURE_EXPIRED: 'The signer set an expiry time that has passed; re-sign to extend it.',
  SIGNATURE_SUBJECT_MISMATCH: 'The signature belongs to another artifact; do not use it for this one.',
  SIGNATURE_PREDICATE_MISMATCH: 'Look for the attestation of the required predicate type.',
};

export function verificationFailure(
  code: VerificationFailure,
  message: string,
  hint?: string,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'verification', hint: hint ?? DEFAULT_HINTS[code] });
}

const KEY_HINTS: Readonly<Record<KeyProblem, string>> = {
  KEY_INVALID: 'Give a PEM (or DER) key file: PKCS#8, SEC1 or PKCS#1 private keys, SPKI public keys.',
  KEY_PASSPHRASE_REQUIRED: 'Give the passphrase of the encrypted key.',
  KEY_PASSPHRASE_INCORRECT: 'Check the passphrase.',
  KEY_UNSUPPORTED: 'Use an ECDSA (P-256, P-384), Ed25519 or RSA (2048 bits or more) key.',
  KEY_NOT_PRIVATE: 'Give the private key, not the public key.',
  KEY_CERTIFICATE_MISMATCH: 'Give the certificate issued for this key.',
  CERTIFICATE_INVALID: 'Give a PEM or DER X.509 certificate.',
  CERTIFICATE_UNSUITABLE: 'Use a valid code-signing certificate and its chain up to the root.',
  SIGNING_ALGORITHM_UNSUPPORTED: 'Use an ECDSA P-256 or P-384 key.',
};

export function keyProblem(
  code: KeyProblem,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'usage', hint: hint ?? KEY_HINTS[code], cause });
}
