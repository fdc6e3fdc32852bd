/**
 * The typed errors of src/signing: two unions of catalogue codes, each bound to its builder so a
 * signing module cannot raise a code of the other kind. Verification failures have category
 * 'verification' (exit code 9) and one code per reason, so callers (the CLI, trust policy) can tell
 * them apart; problems with the caller's own keys and certificates (loading, signing) are 'usage'
 * errors. What each code means and its default hint: src/errors/catalogue.ts.
 */
import { ManifestoError } from '../errors/errors.ts';

/** The verification failures (category 'verification'); their default hints are in the catalogue. */
export const VERIFICATION_FAILURES = [
  'SIGNATURE_MALFORMED',
  'SIGNATURE_UNSUPPORTED',
  'SIGNATURE_INVALID',
  'CERTIFICATE_CHAIN_INVALID',
  'CERTIFICATE_EXPIRED',
  'SIGNER_UNTRUSTED',
  'SIGNATURE_EXPIRED',
  'SIGNATURE_SUBJECT_MISMATCH',
  'SIGNATURE_PREDICATE_MISMATCH',
] as const;

export type VerificationFailure = (typeof VERIFICATION_FAILURES)[number];

/** Problems with the caller's own keys and certificates (category 'usage'). */
export const KEY_PROBLEMS = [
  'KEY_INVALID',
  'KEY_PASSPHRASE_REQUIRED',
  'KEY_PASSPHRASE_INCORRECT',
  'KEY_UNSUPPORTED',
  'KEY_NOT_PRIVATE',
  'KEY_CERTIFICATE_MISMATCH',
  'CERTIFICATE_INVALID',
  'CERTIFICATE_UNSUITABLE',
  'SIGNING_ALGORITHM_UNSUPPORTED',
] as const;

export type KeyProblem = (typeof KEY_PROBLEMS)[number];

export function verificationFailure(
  code: VerificationFailure,
  message: string,
  hint?: string,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'verification', hint });
}

export function keyProblem(
  code: KeyProblem,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'usage', hint, cause });
}
