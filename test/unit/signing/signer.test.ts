/**
 * The Signer role (src/signing/signer.ts): a signer that keeps its private key to itself and answers
 * asynchronously, as a KMS or an HSM does, makes Notary and Sigstore signatures that verify like
 * those of a key file; and the formats ask it for the hash, padding and encoding they need.
 */
import assert from 'node:assert/strict';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { createSelfSignedCertificate } from '../../../src/signing/certificates.ts';
import { generateKeyPair, publicKeyHint } from '../../../src/signing/keys.ts';
import { signNotary, signNotaryWith } from '../../../src/signing/notary/sign.ts';
import { verifyNotary } from '../../../src/signing/notary/verify.ts';
import { keySigner, type SignatureParameters, type Signer } from '../../../src/signing/signer.ts';
import { MANIFESTO_PREDICATE_TYPE } from '../../../src/signing/sigstore/constants.ts';
import { signSigstoreBundleWith } from '../../../src/signing/sigstore/sign.ts';
import { metadataPredicate } from '../../../src/signing/sigstore/statement.ts';
import { verifySigstoreBundle } from '../../../src/signing/sigstore/verify.ts';
import { rsaKey, SUBJECT, throwsManifesto } from './support.ts';

const ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digestOf(new TextEncoder().encode('a metadata version manifest')),
  size: 1021,
  annotations: { 'dev.manifesto.type': 'approvals' },
};
const NOW = new Date('2026-06-01T12:00:00Z');
const PREDICATE = metadataPredicate({
  type: 'approvals',
  content: { digest: digestOf(new TextEncoder().encode('{}')), size: 2, mediaType: 'application/json' },
  version: ARTIFACT.digest,
  created: NOW,
  supersedes: undefined,
  expires: undefined,
});

/** A signer whose key lives elsewhere: only the public key is shown; each signature is a round trip. */
function remoteSigner(privateKey: KeyObject, chain: readonly X509Certificate[]) {
  const asked: SignatureParameters[] = [];
  const local = keySigner(privateKey);
  const signer: Signer = {
    publicKey: local.publicKey,
    chain,
    async sign(data, parameters) {
      asked.push(parameters);
      await new Promise((resolve) => setImmediate(resolve));
      return local.signNow(data, parameters);
    },
  };
  return { signer, asked };
}

describe('Signer role', () => {
  const cases = [
    {
      name: 'ECDSA P-256',
      key: () => generateKeyPair('ecdsa-p256').privateKey,
      alg: 'ES256',
      hash: 'sha256',
    },
    {
      name: 'ECDSA P-384',
      key: () => generateKeyPair('ecdsa-p384').privateKey,
      alg: 'ES384',
      hash: 'sha384',
    },
    { name: 'RSA 2048', key: () => rsaKey(), alg: 'PS256', hash: 'sha256' },
  ] as const;
  for (const c of cases) {
    it(`a remote signer makes a Notary signature that verifies (${c.name}, ${c.alg})`, async () => {
      const privateKey = c.key();
      const certificate = createSelfSignedCertificate({ privateKey, subject: SUBJECT, now: NOW });
      const { signer, asked } = remoteSigner(privateKey, [certificate]);
      const signed = await signNotaryWith(signer, { descriptor: ARTIFACT, signingTime: NOW });
      const verified = verifyNotary({
        envelope: signed.envelope,
        descriptor: ARTIFACT,
        trustedRoots: [certificate],
        now: NOW,
      });
      assert.equal(verified.algorithm, c.alg);
      assert.equal(verified.targetArtifact.digest, ARTIFACT.digest);
      assert.deepEqual(asked, [
        { hash: c.hash, rsaPadding: c.alg.startsWith('PS') ? 'pss' : 'pkcs1', ecdsaEncoding: 'ieee-p1363' },
      ]);
    });
  }

  it('the key-file signer and signNotary make the same envelope but for the (randomised) signature', async () => {
    const { privateKey } = generateKeyPair('ecdsa-p256');
    const chain = [createSelfSignedCertificate({ privateKey, subject: SUBJECT, now: NOW })];
    const viaSigner = await signNotaryWith(keySigner(privateKey, chain), {
      descriptor: ARTIFACT,
      signingTime: NOW,
    });
    const direct = signNotary({ descriptor: ARTIFACT, key: privateKey, chain, signingTime: NOW });
    const strip = (envelope: Uint8Array) => {
      const { signature, ...rest } = JSON.parse(new TextDecoder().decode(envelope)) as Record<
        string,
        unknown
      >;
      assert.equal(typeof signature, 'string');
      return rest;
    };
    assert.deepEqual(strip(viaSigner.envelope), strip(direct.envelope));
    for (const signed of [viaSigner, direct]) {
      verifyNotary({ envelope: signed.envelope, descriptor: ARTIFACT, trustedRoots: chain, now: NOW });
    }
  });

  for (const algorithm of ['ecdsa-p256', 'ed25519'] as const) {
    it(`a remote signer makes a Sigstore bundle that verifies (${algorithm})`, async () => {
      const { privateKey, publicKey } = generateKeyPair(algorithm);
      const { signer, asked } = remoteSigner(privateKey, []);
      const signed = await signSigstoreBundleWith(signer, {
        subject: ARTIFACT,
        predicateType: MANIFESTO_PREDICATE_TYPE,
        predicate: { ...PREDICATE },
        created: NOW,
      });
      assert.equal(signed.keyHint, publicKeyHint(publicKey));
      const verified = verifySigstoreBundle({
        bundle: signed.bundle,
        subject: ARTIFACT,
        publicKeys: [publicKey],
        predicateType: MANIFESTO_PREDICATE_TYPE,
        now: NOW,
      });
      assert.equal(verified.keyHint, publicKeyHint(publicKey));
      assert.deepEqual(verified.metadata, PREDICATE);
      assert.deepEqual(asked, [
        { hash: algorithm === 'ed25519' ? null : 'sha256', rsaPadding: 'pkcs1', ecdsaEncoding: 'der' },
      ]);
    });
  }

  it('the key-file signer refuses a public key', () => {
    throwsManifesto(() => keySigner(generateKeyPair().publicKey), 'KEY_NOT_PRIVATE', 'usage');
  });
});
