/**
 * The JWS `alg` values the Notary Project allows, chosen by the signing certificate's key (spec:
 * signature-envelope-jws.md "Supported alg header values"): ECDSA P-256/P-384/P-521 with SHA-2 of the
 * same size (ES256/ES384/ES512, signature as raw R||S), RSASSA-PSS sized by the modulus
 * (PS256/PS384/PS512). Ed25519 (`EdDSA`) is not allowed by the Notary Project.
 */
import { constants, type KeyObject, verify } from 'node:crypto';
import { describeKey, type KeyDescription } from '../keys.ts';
import { keySigner, type SignatureParameters } from '../signer.ts';

export type NotaryAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'PS256' | 'PS384' | 'PS512';

export const NOTARY_ALGORITHMS: readonly NotaryAlgorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
];

const HASH: Readonly<Record<NotaryAlgorithm, 'sha256' | 'sha384' | 'sha512'>> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  PS256: 'sha256',
  PS384: 'sha384',
  PS512: 'sha512',
};

/** The `alg` for a key, or undefined when the Notary Project does not allow the key. */
export function notaryAlgorithmFor(key: KeyDescription): NotaryAlgorithm | undefined {
  switch (key.type) {
    case 'ec':
      return key.curve === 'P-256' ? 'ES256' : key.curve === 'P-384' ? 'ES384' : 'ES512';
    case 'rsa':
      return key.bits === 2048
        ? 'PS256'
        : key.bits === 3072
          ? 'PS384'
          : key.bits === 4096
            ? 'PS512'
            : undefined;
    case 'ed25519':
      return undefined;
    default:
      return undefined;
  }
}

export function isNotaryAlgorithm(value: unknown): value is NotaryAlgorithm {
  return typeof value === 'string' && (NOTARY_ALGORITHMS as readonly string[]).includes(value);
}

function options(alg: NotaryAlgorithm, key: KeyObject, verifying: boolean) {
  if (alg.startsWith('PS')) {
    return {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      // signers use a salt as long as the hash (as notation does); verifiers accept any length
      saltLength: verifying ? constants.RSA_PSS_SALTLEN_AUTO : constants.RSA_PSS_SALTLEN_DIGEST,
    };
  }
  return { key, dsaEncoding: 'ieee-p1363' as const };
}

/** What a Signer is asked for to make a JWS signature with `alg`. */
export function jwsParameters(alg: NotaryAlgorithm): SignatureParameters {
  return {
    hash: HASH[alg],
    rsaPadding: alg.startsWith('PS') ? 'pss' : 'pkcs1',
    ecdsaEncoding: 'ieee-p1363',
  };
}

export function jwsSign(alg: NotaryAlgorithm, input: Uint8Array, privateKey: KeyObject): Uint8Array {
  return keySigner(privateKey).signNow(input, jwsParameters(alg));
}

export function jwsVerify(
  alg: NotaryAlgorithm,
  input: Uint8Array,
  publicKey: KeyObject,
  signature: Uint8Array,
): boolean {
  try {
    return verify(HASH[alg], input, options(alg, publicKey, true), signature);
  } catch {
    return false;
  }
}

/** The `alg` the key requires, or undefined (key unsupported by the Notary Project). */
export function notaryAlgorithmForKey(key: KeyObject): NotaryAlgorithm | undefined {
  try {
    return notaryAlgorithmFor(describeKey(key));
  } catch {
    return undefined;
  }
}
