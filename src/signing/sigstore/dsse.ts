/**
 * DSSE (github.com/secure-systems-lab/dsse) signatures as Sigstore makes them: the signature is over
 * the pre-authentication encoding PAE(payloadType, payload) (computed by @sigstore/core), with the
 * hash the Sigstore algorithm registry pairs with the key, which is also what cosign uses:
 * ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 (ASN.1 DER signatures), Ed25519 (pure),
 * RSA PKCS#1 v1.5 with SHA-256.
 *
 * Ed25519 signatures are made pure (cosign verifies those), and verified pure or prehashed:
 * cosign 3.1 signs with Ed25519ph (RFC 8032, the Sigstore registry's default for Ed25519 keys,
 * checked with @noble/curves since node:crypto has no Ed25519ph), which its own `--key`
 * verification then rejects.
 *
 * (@sigstore/verify verifies DSSE signatures with node's default digest for the key, SHA-256 for
 * every EC curve, so it rejects cosign's P-384 bundles; hence this module.)
 */
import { type KeyObject, verify } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { dsse } from '@sigstore/core';
import { describeKey } from '../keys.ts';
import { keySigner, type SignatureParameters } from '../signer.ts';

function hashFor(key: KeyObject): SignatureParameters['hash'] {
  const description = describeKey(key);
  switch (description.type) {
    case 'ec':
      return description.curve === 'P-256' ? 'sha256' : description.curve === 'P-384' ? 'sha384' : 'sha512';
    case 'ed25519':
      return null;
    case 'rsa':
      return 'sha256';
    default:
      return null;
  }
}

export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  return new Uint8Array(dsse.preAuthEncoding(payloadType, Buffer.from(payload)));
}

/** What a Signer is asked for to make a DSSE signature with this (public or private) key. */
export function dsseParameters(key: KeyObject): SignatureParameters {
  return { hash: hashFor(key), rsaPadding: 'pkcs1', ecdsaEncoding: 'der' };
}

export function dsseSign(payloadType: string, payload: Uint8Array, privateKey: KeyObject): Uint8Array {
  return keySigner(privateKey).signNow(preAuthEncoding(payloadType, payload), dsseParameters(privateKey));
}

export function dsseVerify(
  payloadType: string,
  payload: Uint8Array,
  publicKey: KeyObject,
  signature: Uint8Array,
): boolean {
  const pae = preAuthEncoding(payloadType, payload);
  try {
    if (verify(hashFor(publicKey), pae, { key: publicKey, dsaEncoding: 'der' }, signature)) return true;
    return publicKey.asymmetricKeyType === 'ed25519' && verifyEd25519ph(pae, publicKey, signature);
  } catch {
    return false;
  }
}

function verifyEd25519ph(message: Uint8Array, publicKey: KeyObject, signature: Uint8Array): boolean {
  const { x } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string' || signature.byteLength !== 64) return false;
  return ed25519ph.verify(signature, message, new Uint8Array(Buffer.from(x, 'base64url')));
}
