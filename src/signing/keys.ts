/**
 * Signing keys: generation (ECDSA P-256 by default, P-384, Ed25519), PEM export (PKCS#8 private keys,
 * optionally encrypted with a passphrase; SPKI public keys), and loading of private keys (PKCS#8,
 * SEC1 `EC PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, encrypted PKCS#8) and public keys (SPKI, PKCS#1,
 * or the key of an X.509 certificate) for verification. Keys are node:crypto KeyObjects.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { isManifestoError } from '../errors/errors.ts';
import { errnoCode } from '../util/errno.ts';
import { type KeyProblem, keyProblem } from './errors.ts';

export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'ed25519'];

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

/** What kind of key this is, as far as signing cares. */
export type KeyDescription =
  | { type: 'ec'; curve: EcCurve; bits: 256 | 384 | 521; name: string }
  | { type: 'rsa'; bits: number; name: string }
  | { type: 'ed25519'; name: string };

export function isKeyAlgorithm(value: string): value is KeyAlgorithm {
  return (KEY_ALGORITHMS as readonly string[]).includes(value);
}

/** A new key pair; ECDSA P-256 unless asked otherwise. */
export function generateKeyPair(algorithm: KeyAlgorithm = 'ecdsa-p256'): KeyPair {
  switch (algorithm) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ecdsa-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    default: {
      const unknown: never = algorithm;
      throw keyProblem('KEY_UNSUPPORTED', `unknown key algorithm "${String(unknown)}"`);
    }
  }
}

export interface PrivateKeyPemOptions {
  /** Encrypts the key (PKCS#8 `ENCRYPTED PRIVATE KEY`, PBES2 with AES-256-CBC). '' means none. */
  passphrase?: string | undefined;
}

/** PKCS#8 PEM of a private key, encrypted when a passphrase is given. */
export function privateKeyToPem(key: KeyObject, options: PrivateKeyPemOptions = {}): string {
  if (key.type !== 'private') throw keyProblem('KEY_NOT_PRIVATE', 'not a private key');
  const passphrase = options.passphrase;
  if (passphrase !== undefined && passphrase !== '') {
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
  }
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** SPKI (`PUBLIC KEY`) PEM of a public key, or of the public half of a private key. */
export function publicKeyToPem(key: KeyObject): string {
  return publicKeyOf(key).export({ type: 'spki', format: 'pem' }).toString();
}

export function publicKeyOf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

/** DER of the SubjectPublicKeyInfo. */
export function publicKeyDer(key: KeyObject): Uint8Array {
  return new Uint8Array(publicKeyOf(key).export({ type: 'spki', format: 'der' }));
}

/** Sigstore's key hint: base64 of the SHA-256 of the SPKI DER (what cosign writes into bundles). */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256').update(publicKeyDer(key)).digest('base64');
}

export function publicKeysEqual(a: KeyObject, b: KeyObject): boolean {
  return Buffer.from(publicKeyDer(a)).equals(Buffer.from(publicKeyDer(b)));
}

const CURVES: Readonly<Record<string, { curve: EcCurve; bits: 256 | 384 | 521 }>> = {
  prime256v1: { curve: 'P-256', bits: 256 },
  'P-256': { curve: 'P-256', bits: 256 },
  secp384r1: { curve: 'P-384', bits: 384 },
  'P-384': { curve: 'P-384', bits: 384 },
  secp521r1: { curve: 'P-521', bits: 521 },
  'P-521': { curve: 'P-521', bits: 521 },
};

/** The key's type and size; throws KEY_UNSUPPORTED for keys manifesto cannot sign or verify with. */
export function describeKey(key: KeyObject): KeyDescription {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = CURVES[details.namedCurve ?? ''];
      if (!curve) {
        throw keyProblem(
          'KEY_UNSUPPORTED',
          `unsupported elliptic curve ${details.namedCurve ?? '(unknown)'}`,
          'Use an ECDSA key on P-256, P-384 or P-521, an Ed25519 key, or an RSA key.',
        );
      }
      return { type: 'ec', ...curve, name: `ECDSA ${curve.curve}` };
    }
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits < 2048) {
        throw keyProblem('KEY_UNSUPPORTED', `RSA keys need at least 2048 bits, this one has ${bits}`);
      }
      return { type: 'rsa', bits, name: `RSA ${bits}` };
    }
    case 'ed25519':
      return { type: 'ed25519', name: 'Ed25519' };
    default:
      throw keyProblem(
        'KEY_UNSUPPORTED',
        `unsupported key type ${key.asymmetricKeyType ?? '(unknown)'}`,
        'Use an ECDSA (P-256, P-384), Ed25519 or RSA key.',
      );
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

interface PemBlock {
  label: string;
  text: string;
}

function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] ?? '', text: m[0] }));
}

function asText(input: string | Uint8Array): string | undefined {
  if (typeof input === 'string') return input;
  const text = Buffer.from(input).toString('latin1');
  return text.includes('-----BEGIN ') ? text : undefined;
}

const PRIVATE_LABELS = ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'];
const COSIGN_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];

export interface LoadPrivateKeyOptions {
  /** Passphrase of an encrypted key. */
  passphrase?: string | undefined;
  /** Names the key in error messages (e.g. its file name). */
  source?: string | undefined;
}

/**
 * Loads a private key from PEM (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1) or PKCS#8 DER. Throws usage
 * errors: KEY_PASSPHRASE_REQUIRED, KEY_PASSPHRASE_INCORRECT, KEY_INVALID, KEY_UNSUPPORTED.
 */
export function loadPrivateKey(input: string | Uint8Array, options: LoadPrivateKeyOptions = {}): KeyObject {
  const source = options.source ?? 'the private key';
  const text = asText(input);
  let key: KeyObject;
  let encrypted = false;
  try {
    if (text === undefined) {
      key = createPrivateKey({ key: Buffer.from(input), format: 'der', type: 'pkcs8' });
    } else {
      const blocks = pemBlocks(text);
      if (blocks.some((b) => COSIGN_LABELS.includes(b.label))) {
        throw keyProblem(
          'KEY_UNSUPPORTED',
          `${source} is a cosign-encrypted key, which manifesto cannot read`,
          'Use a PKCS#8 key (manifesto key generate); cosign can import it with `cosign import-key-pair --key FILE`.',
        );
      }
      const block = blocks.find((b) => PRIVATE_LABELS.includes(b.label));
      if (!block) throw keyProblem('KEY_INVALID', `${source} holds no PEM private key`);
      encrypted = block.label === 'ENCRYPTED PRIVATE KEY';
      if (encrypted && !options.passphrase) {
        throw keyProblem(
          'KEY_PASSPHRASE_REQUIRED',
          `${source} is encrypted and no passphrase was given`,
          "Give the key's password (the CLI reads it from MANIFESTO_KEY_PASSWORD).",
        );
      }
      key = createPrivateKey(
        encrypted ? { key: block.text, format: 'pem', passphrase: options.passphrase } : block.text,
      );
    }
  } catch (error) {
    if (isManifestoError(error)) throw error;
    if (encrypted) {
      throw keyProblem(
        'KEY_PASSPHRASE_INCORRECT',
        `cannot decrypt ${source}: wrong passphrase`,
        'Check the passphrase.',
        error,
      );
    }
    const code: KeyProblem =
      errnoCode(error) === 'ERR_MISSING_PASSPHRASE' ? 'KEY_PASSPHRASE_REQUIRED' : 'KEY_INVALID';
    throw keyProblem(code, `cannot read ${source}: ${(error as Error).message}`, undefined, error);
  }
  describeKey(key);
  return key;
}

/**
 * Loads a public key for verification from PEM or DER: SPKI (`PUBLIC KEY`), PKCS#1 (`RSA PUBLIC
 * KEY`) or an X.509 certificate (its subject public key).
 */
export function loadPublicKey(input: string | Uint8Array, source = 'the public key'): KeyObject {
  const text = asText(input);
  let key: KeyObject;
  try {
    if (text === undefined) {
      const der = Buffer.from(input);
      try {
        key = createPublicKey({ key: der, format: 'der', type: 'spki' });
      } catch {
        key = new X509Certificate(der).publicKey;
      }
    } else {
      const block = pemBlocks(text).find((b) =>
        ['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE'].includes(b.label),
      );
      if (!block) throw keyProblem('KEY_INVALID', `${source} holds no PEM public key or certificate`);
      key =
        block.label === 'CERTIFICATE'
          ? new X509Certificate(block.text).publicKey
          : createPublicKey(block.text);
    }
  } catch (error) {
    if (isManifestoError(error)) throw error;
    throw keyProblem('KEY_INVALID', `cannot read ${source}: ${(error as Error).message}`, undefined, error);
  }
  describeKey(key);
  return key;
}
