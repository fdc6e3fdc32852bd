/**
 * The Signer role: sign bytes, give the certificate chain. Every signature manifesto makes (Notary
 * JWS, Sigstore DSSE) goes through it, so a key in a KMS or an HSM can sign by implementing these
 * three members; the formats never touch the private key themselves.
 *
 * The signer is asked for the signature the format needs, as a KMS API names it: the hash, the RSA
 * padding (PSS with a salt as long as the hash for JWS PS256/384/512, PKCS#1 v1.5 for DSSE) and the
 * ECDSA encoding (IEEE P1363 r||s for JWS, DER for DSSE; KMS APIs return DER, so a KMS signer
 * converts for JWS). It hashes `data` itself (pass the whole message), as node:crypto and KMS
 * `MessageType: RAW` do. Ed25519 has no separate hash (`hash: null`).
 *
 * `keySigner` is the key-file signer (`--sign FILE`, `sign --key FILE`): synchronous, node:crypto.
 */
import { constants, createPublicKey, type KeyObject, sign, type X509Certificate } from 'node:crypto';
import { keyProblem } from './errors.ts';

export interface SignatureParameters {
  /** node:crypto hash name; null for Ed25519 (pure). */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** RSA keys: RSASSA-PSS (salt length = hash length) or PKCS#1 v1.5. */
  rsaPadding: 'pss' | 'pkcs1';
  /** ECDSA keys: IEEE P1363 (r||s, fixed length) or ASN.1 DER. */
  ecdsaEncoding: 'ieee-p1363' | 'der';
}

export interface Signer {
  /** The public half of the signing key: chooses the algorithm, names the key (hint), matches the certificate. */
  readonly publicKey: KeyObject;
  /** The certificate chain of the key, leaf first (Notary); empty for a bare key (Sigstore key-based). */
  readonly chain: readonly X509Certificate[];
  /** Signs `data` (the whole message) as `parameters` say. */
  sign(data: Uint8Array, parameters: SignatureParameters): Promise<Uint8Array>;
}

/** A Signer over a private key in this process; also signs synchronously. */
export interface KeySigner extends Signer {
  signNow(data: Uint8Array, parameters: SignatureParameters): Uint8Array;
}

/** The key-file signer. Throws KEY_NOT_PRIVATE for a public key. */
export function keySigner(privateKey: KeyObject, chain: readonly X509Certificate[] = []): KeySigner {
  if (privateKey.type !== 'private') throw keyProblem('KEY_NOT_PRIVATE', 'signing needs a private key');
  const signNow = (data: Uint8Array, parameters: SignatureParameters): Uint8Array =>
    new Uint8Array(
      sign(
        parameters.hash,
        data,
        parameters.rsaPadding === 'pss'
          ? {
              key: privateKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            }
          : { key: privateKey, dsaEncoding: parameters.ecdsaEncoding },
      ),
    );
  return {
    publicKey: createPublicKey(privateKey),
    chain,
    signNow,
    sign: async (data, parameters) => signNow(data, parameters),
  };
}
