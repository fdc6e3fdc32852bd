// Helpers shared by the signing unit tests: typed-error assertions, keys and certificate chains.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, type X509Certificate } from 'node:crypto';
import { type ErrorCategory, isManifestoError, type ManifestoError } from '../../../src/errors/errors.ts';
import {
  createSelfSignedCertificate,
  type DistinguishedName,
  issueCertificate,
} from '../../../src/signing/certificates.ts';
import { generateKeyPair, type KeyAlgorithm } from '../../../src/signing/keys.ts';

/** Asserts `fn` throws a ManifestoError with this code and category; returns it. */
export function throwsManifesto(fn: () => unknown, code: string, category: ErrorCategory): ManifestoError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(isManifestoError(caught), `expected a ManifestoError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `expected ${code}, got ${caught.code}: ${caught.message}`);
  assert.equal(caught.category, category);
  assert.ok(caught.hint, 'the error carries a hint');
  return caught;
}

/** Asserts a verification failure: category 'verification', exit code 9, this code. */
export function failsVerification(fn: () => unknown, code: string): ManifestoError {
  const error = throwsManifesto(fn, code, 'verification');
  assert.equal(error.exitCode, 9);
  return error;
}

export const SUBJECT: DistinguishedName = {
  country: 'US',
  state: 'WA',
  locality: 'Seattle',
  organization: 'Manifesto Test',
  commonName: 'manifesto signer',
};

export interface Signer {
  key: KeyObject;
  chain: X509Certificate[];
}

/** A key and its self-signed code-signing certificate (the chain of one that notation accepts). */
export function selfSignedSigner(algorithm: KeyAlgorithm = 'ecdsa-p256', now?: Date): Signer {
  const { privateKey } = generateKeyPair(algorithm);
  return { key: privateKey, chain: [createSelfSignedCertificate({ privateKey, subject: SUBJECT, now })] };
}

export function rsaKey(bits = 2048): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: bits }).privateKey;
}

/** root CA -> intermediate CA -> leaf; the chain is leaf first. */
export function caSigner(now?: Date): Signer & { root: X509Certificate } {
  const root = generateKeyPair('ecdsa-p384');
  const rootCertificate = createSelfSignedCertificate({
    privateKey: root.privateKey,
    subject: { ...SUBJECT, commonName: 'manifesto test root' },
    profile: 'ca',
    now,
  });
  const intermediate = generateKeyPair('ecdsa-p256');
  const intermediateCertificate = issueCertificate({
    publicKey: intermediate.publicKey,
    subject: { ...SUBJECT, commonName: 'manifesto test intermediate' },
    issuer: { certificate: rootCertificate, privateKey: root.privateKey },
    profile: 'ca',
    pathLength: 0,
    now,
  });
  const leaf = generateKeyPair('ecdsa-p256');
  const leafCertificate = issueCertificate({
    publicKey: leaf.publicKey,
    subject: SUBJECT,
    issuer: { certificate: intermediateCertificate, privateKey: intermediate.privateKey },
    now,
  });
  return {
    key: leaf.privateKey,
    chain: [leafCertificate, intermediateCertificate, rootCertificate],
    root: rootCertificate,
  };
}
