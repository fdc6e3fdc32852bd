// Notary Project signatures against the real notation CLI (v1.3), both ways, on distribution 2.8
// (referrers tag schema) and go-containerregistry's registry (referrers API):
//
// - manifesto signs (signNotary) and pushes with its own registry client; `notation verify` accepts
//   the signature at the `strict` level with the certificate in its trust store:
//     notation verify --insecure-registry HOST/REPO@DIGEST
//   (HOME and XDG_CONFIG_HOME point at a temp dir holding truststore/x509/ca/<store>/cert.pem and
//   trustpolicy.json). Negative cases prove notation really checks: an unrelated trust store, an
//   identity that does not match, an expired signature.
// - `notation sign --insecure-registry [--key NAME] [--expiry 1h] [-m k=v] HOST/REPO@DIGEST` with a
//   `notation cert generate-test` RSA key and with a manifesto-generated ECDSA key registered in
//   signingkeys.json; manifesto finds the signature among the referrers and verifies it.
import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pushSignatureArtifact } from '../../../src/signing/artifact.ts';
import { subjectLine } from '../../../src/signing/certificate-profile.ts';
import {
  createSelfSignedCertificate,
  type DistinguishedName,
  issueCertificate,
  loadCertificates,
} from '../../../src/signing/certificates.ts';
import {
  generateKeyPair,
  type KeyAlgorithm,
  loadPrivateKey,
  privateKeyToPem,
} from '../../../src/signing/keys.ts';
import { signNotary } from '../../../src/signing/notary/sign.ts';
import { verifyNotary } from '../../../src/signing/notary/verify.ts';
import { fetchSignatures } from '../../../src/signing/stored.ts';
import { failsVerification } from '../../unit/signing/support.ts';
import { ok, runCli } from '../metadata/support/cli.ts';
import { freshImage, peerFails, peerOk, signingRegistries, type TestImage, tempHome } from './support.ts';

const SUBJECT: DistinguishedName = {
  country: 'US',
  state: 'WA',
  locality: 'Seattle',
  organization: 'Manifesto Interop',
  commonName: 'manifesto notary signer',
};

interface NotationHome {
  home: string;
  config: string;
  env: Record<string, string>;
}

const homes: (() => void)[] = [];
after(() => {
  for (const cleanup of homes) cleanup();
});

/** A notation configuration directory trusting `certificates` for every repository. */
function notationHome(
  certificates: readonly X509Certificate[],
  options: { identities?: string[]; level?: string } = {},
): NotationHome {
  const { home, cleanup } = tempHome('notation');
  homes.push(cleanup);
  const config = join(home, '.config');
  const store = join(config, 'notation', 'truststore', 'x509', 'ca', 'manifesto');
  mkdirSync(store, { recursive: true });
  for (const [i, c] of certificates.entries()) writeFileSync(join(store, `cert-${i}.pem`), c.toString());
  const policy = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'manifesto-interop',
        registryScopes: ['*'],
        signatureVerification: { level: options.level ?? 'strict' },
        trustStores: ['ca:manifesto'],
        trustedIdentities: options.identities ?? ['*'],
      },
    ],
  };
  writeFileSync(join(config, 'notation', 'trustpolicy.json'), JSON.stringify(policy, null, 2));
  return { home, config, env: { XDG_CONFIG_HOME: config } };
}

function selfSigned(algorithm: KeyAlgorithm, validity?: { notBefore: Date; days: number }) {
  const { privateKey } = generateKeyPair(algorithm);
  const certificate = createSelfSignedCertificate({ privateKey, subject: SUBJECT, validity });
  return { key: privateKey, chain: [certificate], root: certificate };
}

function caChain() {
  const root = generateKeyPair('ecdsa-p384');
  const rootCertificate = createSelfSignedCertificate({
    privateKey: root.privateKey,
    subject: { ...SUBJECT, commonName: 'manifesto interop root' },
    profile: 'ca',
  });
  const leaf = generateKeyPair('ecdsa-p384');
  const leafCertificate = issueCertificate({
    publicKey: leaf.publicKey,
    subject: SUBJECT,
    issuer: { certificate: rootCertificate, privateKey: root.privateKey },
  });
  return { key: leaf.privateKey, chain: [leafCertificate, rootCertificate], root: rootCertificate };
}

async function notationVerify(image: TestImage, notation: NotationHome) {
  return peerOk('notation', ['verify', '--insecure-registry', image.reference], {
    home: notation.home,
    env: notation.env,
  });
}

for (const registry of signingRegistries()) {
  describe(`Notary Project signatures with notation on ${registry.kind}`, () => {
    it('notation verify accepts manifesto signatures: P-256 self-signed, P-384 CA chain, with and without identities', async () => {
      const image = await freshImage(registry, 'notary-ours');
      const p256 = selfSigned('ecdsa-p256');
      const chained = caChain();
      for (const signer of [p256, chained]) {
        const signed = signNotary({
          descriptor: image.descriptor,
          key: signer.key,
          chain: signer.chain,
          expiry: new Date(Date.now() + 3_600_000),
        });
        const pushed = await pushSignatureArtifact(image.repository, signed);
        assert.equal(pushed.digest, signed.manifestDescriptor.digest);
      }
      // each trust store holds one root: notation finds the signature that chains to it
      for (const signer of [p256, chained]) {
        const result = await notationVerify(image, notationHome([signer.root]));
        assert.match(result.stdout, new RegExp(`Successfully verified signature for ${image.reference}`));
      }
      // trusted identity: the exact subject notation reads from our certificate
      const identity = `x509.subject: ${subjectLine(p256.chain[0]!)}`;
      assert.equal(
        identity,
        'x509.subject: C=US, ST=WA, L=Seattle, O=Manifesto Interop, CN=manifesto notary signer',
      );
      await notationVerify(image, notationHome([p256.root], { identities: [identity] }));
      // notation lists both as its own kind of signature
      const list = await peerOk('notation', ['list', '--insecure-registry', image.reference], {
        home: notationHome([]).home,
      });
      assert.equal(list.stdout.match(/application\/vnd\.cncf\.notary\.signature/g)?.length, 1, list.stdout);
      assert.equal(list.stdout.match(/└──|├──/g)?.length, 3, list.stdout);
    });

    it('key generate with the default subject: notation verify pins that subject (C, ST and O present)', async () => {
      const image = await freshImage(registry, 'notary-default-subject');
      const { home, cleanup } = tempHome('default-subject');
      homes.push(cleanup);
      const out = join(home, 'release');
      ok(await runCli(['key', 'generate', '--out', out], { env: process.env }), 'key generate');
      const certificate = loadCertificates(readFileSync(`${out}.crt`))[0]!;
      const signed = signNotary({
        descriptor: image.descriptor,
        key: loadPrivateKey(readFileSync(`${out}.key`)),
        chain: [certificate],
      });
      await pushSignatureArtifact(image.repository, signed);
      const identity = `x509.subject: ${subjectLine(certificate)}`;
      assert.match(identity, /\bCN=release\b/);
      const result = await notationVerify(image, notationHome([certificate], { identities: [identity] }));
      assert.match(result.stdout, /Successfully verified signature/);
    });

    it('notation verify rejects manifesto signatures it must not trust', async () => {
      const image = await freshImage(registry, 'notary-reject');
      const signer = selfSigned('ecdsa-p256', { notBefore: new Date(Date.now() - 3 * 3_600_000), days: 30 });
      // signed two hours ago, expired one hour ago
      const expired = signNotary({
        descriptor: image.descriptor,
        key: signer.key,
        chain: signer.chain,
        signingTime: new Date(Date.now() - 2 * 3_600_000),
        expiry: new Date(Date.now() - 3_600_000),
      });
      await pushSignatureArtifact(image.repository, expired);
      // -v: notation logs why each signature failed
      const args = ['verify', '-v', '--insecure-registry', image.reference];
      const trusting = notationHome([signer.root]);
      await peerFails(
        'notation',
        args,
        { home: trusting.home, env: trusting.env },
        /expiry validation failed. Failure reason: digital signature has expired on/,
      );
      const stranger = notationHome([selfSigned('ecdsa-p256').root]);
      await peerFails(
        'notation',
        args,
        { home: stranger.home, env: stranger.env },
        /certificate chain does not contain any trusted certificate/,
      );
      // a valid one, but from an identity the policy does not name
      const fresh = signNotary({ descriptor: image.descriptor, key: signer.key, chain: signer.chain });
      await pushSignatureArtifact(image.repository, fresh);
      const other = notationHome([signer.root], {
        identities: ['x509.subject: C=US, ST=WA, O=Somebody Else'],
      });
      await peerFails(
        'notation',
        args,
        { home: other.home, env: other.env },
        /does not match the X\.509 trusted identities/,
      );
      await notationVerify(image, notationHome([signer.root]));
    });

    it('manifesto verifies signatures notation sign made (RSA test key; manifesto ECDSA key; expiry; user metadata)', async () => {
      const image = await freshImage(registry, 'notary-theirs');
      const notation = notationHome([]);
      const run = { home: notation.home, env: notation.env };
      // 1. notation's own RSA test certificate
      await peerOk('notation', ['cert', 'generate-test', '--default', 'notation-test'], run);
      const notationCertificate = loadCertificates(
        readFileSync(join(notation.config, 'notation', 'localkeys', 'notation-test.crt')),
      );
      await peerOk(
        'notation',
        ['sign', '--insecure-registry', '-m', 'io.example.build=42', image.reference],
        run,
      );
      // 2. a manifesto key and certificate, registered as a notation signing key
      const ours = selfSigned('ecdsa-p256');
      const keyPath = join(notation.home, 'ours.key');
      const certPath = join(notation.home, 'ours.crt');
      writeFileSync(keyPath, privateKeyToPem(ours.key), { mode: 0o600 });
      writeFileSync(certPath, ours.root.toString());
      const keysFile = join(notation.config, 'notation', 'signingkeys.json');
      const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: unknown[] };
      keys.keys.push({ name: 'manifesto', keyPath, certPath });
      writeFileSync(keysFile, JSON.stringify(keys));
      await peerOk(
        'notation',
        ['sign', '--insecure-registry', '--key', 'manifesto', '--expiry', '1h', image.reference],
        run,
      );

      const signatures = await fetchSignatures(image.repository, image.descriptor.digest, {
        format: 'notary',
      });
      assert.equal(signatures.length, 2);
      const roots = [...notationCertificate, ours.root];
      const verified = signatures.map((s) =>
        verifyNotary({ envelope: s.content, descriptor: image.descriptor, trustedRoots: roots }),
      );
      const rsa = verified.find((v) => v.algorithm === 'PS256');
      const ecdsa = verified.find((v) => v.algorithm === 'ES256');
      assert.ok(rsa && ecdsa, `algorithms ${verified.map((v) => v.algorithm).join(', ')}`);
      assert.match(rsa.signingAgent ?? '', /^notation-go\/1\.3\./);
      assert.deepEqual(rsa.targetArtifact.annotations, { 'io.example.build': '42' });
      assert.equal(rsa.expiry, undefined);
      assert.equal(ecdsa.signer.fingerprint256, ours.root.fingerprint256);
      const expiry = ecdsa.expiry?.getTime() ?? 0;
      assert.ok(
        Math.abs(expiry - (ecdsa.signingTime.getTime() + 3_600_000)) <= 1000,
        'expiry is signing time + 1h',
      );

      const ecdsaSignature = signatures[verified.indexOf(ecdsa)]!;
      const verify = (options: { now?: Date; roots?: X509Certificate[]; digest?: string }) =>
        verifyNotary({
          envelope: ecdsaSignature.content,
          descriptor: { ...image.descriptor, digest: options.digest ?? image.descriptor.digest },
          trustedRoots: options.roots ?? roots,
          now: options.now,
        });
      failsVerification(() => verify({ now: new Date(expiry + 1000) }), 'SIGNATURE_EXPIRED');
      failsVerification(() => verify({ roots: notationCertificate }), 'SIGNER_UNTRUSTED');
      const other = await freshImage(registry, 'notary-other');
      failsVerification(() => verify({ digest: other.descriptor.digest }), 'SIGNATURE_SUBJECT_MISMATCH');
      // notation itself agrees with manifesto about both signatures
      await notationVerify(image, notationHome(roots));
    });
  });
}
