// Key-based Sigstore bundles against the real cosign CLI (3.1.1, new bundle format), both ways, on
// distribution 2.8 (referrers tag schema) and go-containerregistry's registry (referrers API):
//
// - manifesto attests (signSigstoreBundle) and pushes with its own registry client; cosign accepts it:
//     cosign verify-attestation --key pub.pem --insecure-ignore-tlog=true --allow-http-registry
//       --allow-insecure-registry --type https://manifesto.dev/metadata/v1 HOST/REPO@DIGEST
//   for ECDSA P-256 and Ed25519 keys. Not for P-384: cosign verifies key-based P-384 signatures with
//   SHA-256 while it signs them with SHA-384 (as the Sigstore algorithm registry says and manifesto
//   does), so it rejects its own P-384 attestations too (sigstore/cosign#5091):
//     Error: no matching attestations: failed to verify signature: could not verify envelope:
//     accepted signatures do not match threshold, Found: 0, Expected 1
// - `cosign attest --key cosign.key --new-bundle-format=true --tlog-upload=false
//   --use-signing-config=false --type URI --predicate FILE HOST/REPO@DIGEST` with a cosign-generated
//   P-256 key and with manifesto-generated P-384 and Ed25519 keys (`cosign import-key-pair`);
//   manifesto finds the bundles among the referrers and verifies them. cosign signs Ed25519 with
//   Ed25519ph, which manifesto verifies (and cosign's own --key verification does not).
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../../src/oci/digest.ts';
import { pushSignatureArtifact } from '../../../src/signing/artifact.ts';
import {
  generateKeyPair,
  type KeyAlgorithm,
  loadPublicKey,
  privateKeyToPem,
  publicKeyHint,
  publicKeyToPem,
} from '../../../src/signing/keys.ts';
import { MANIFESTO_PREDICATE_TYPE } from '../../../src/signing/sigstore/constants.ts';
import { signSigstoreBundle } from '../../../src/signing/sigstore/sign.ts';
import { metadataPredicate } from '../../../src/signing/sigstore/statement.ts';
import { verifySigstoreBundle } from '../../../src/signing/sigstore/verify.ts';
import { fetchSignatures } from '../../../src/signing/stored.ts';
import { failsVerification } from '../../unit/signing/support.ts';
import { freshImage, peerFails, peerOk, signingRegistries, type TestImage, tempHome } from './support.ts';

const homes: (() => void)[] = [];
after(() => {
  for (const cleanup of homes) cleanup();
});

function cosignHome(): { home: string; env: Record<string, string> } {
  const { home, cleanup } = tempHome('cosign');
  homes.push(cleanup);
  return { home, env: { COSIGN_PASSWORD: 'interop-password', COSIGN_YES: 'true' } };
}

const HTTP = ['--allow-http-registry', '--allow-insecure-registry'];

function verifyAttestationArgs(publicKeyFile: string, type: string, image: TestImage): string[] {
  return [
    'verify-attestation',
    '--key',
    publicKeyFile,
    '--insecure-ignore-tlog=true',
    ...HTTP,
    '--type',
    type,
    image.reference,
  ];
}

function attestArgs(keyFile: string, type: string, predicateFile: string, image: TestImage): string[] {
  return [
    'attest',
    '--key',
    keyFile,
    '--new-bundle-format=true',
    '--tlog-upload=false',
    '--use-signing-config=false',
    ...HTTP,
    '--type',
    type,
    '--predicate',
    predicateFile,
    '--yes',
    image.reference,
  ];
}

async function attestWithManifesto(image: TestImage, key: KeyObject) {
  const predicate = metadataPredicate({
    type: 'seccomp',
    content: { digest: digestOf(new TextEncoder().encode('{}')), size: 2, mediaType: 'application/json' },
    created: new Date(),
    expires: new Date(Date.now() + 86_400_000),
  });
  const signed = signSigstoreBundle({
    subject: image.descriptor,
    subjectName: image.name,
    predicateType: MANIFESTO_PREDICATE_TYPE,
    predicate: { ...predicate },
    key,
  });
  await pushSignatureArtifact(image.repository, signed);
  return signed;
}

/** The statements in `cosign verify-attestation` output (one DSSE envelope JSON per line). */
function statementsOf(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const envelope = JSON.parse(line) as { payload: string };
      return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Record<string, unknown>;
    });
}

for (const registry of signingRegistries()) {
  describe(`Sigstore bundles with cosign on ${registry.kind}`, () => {
    for (const algorithm of ['ecdsa-p256', 'ed25519'] as KeyAlgorithm[]) {
      it(`cosign verify-attestation accepts manifesto attestations (${algorithm})`, async () => {
        const image = await freshImage(registry, `sigstore-ours-${algorithm}`);
        const cosign = cosignHome();
        const { privateKey, publicKey } = generateKeyPair(algorithm);
        const signed = await attestWithManifesto(image, privateKey);
        const publicKeyFile = join(cosign.home, 'manifesto.pub');
        writeFileSync(publicKeyFile, publicKeyToPem(publicKey));
        const result = await peerOk(
          'cosign',
          verifyAttestationArgs(publicKeyFile, MANIFESTO_PREDICATE_TYPE, image),
          cosign,
        );
        assert.match(result.stderr, /The signatures were verified against the specified public key/);
        assert.deepEqual(statementsOf(result.stdout), [signed.statement]);
        // cosign checks the key and the predicate type
        const otherKey = join(cosign.home, 'other.pub');
        writeFileSync(otherKey, publicKeyToPem(generateKeyPair(algorithm).publicKey));
        await peerFails(
          'cosign',
          verifyAttestationArgs(otherKey, MANIFESTO_PREDICATE_TYPE, image),
          cosign,
          /no matching attestations/,
        );
        await peerFails(
          'cosign',
          verifyAttestationArgs(publicKeyFile, 'https://slsa.dev/provenance/v1', image),
          cosign,
          /none of the attestations matched the predicate type/,
        );
      });
    }

    it('P-384: cosign rejects key-based P-384 attestations, its own as well as manifesto’s (sigstore/cosign#5091)', async () => {
      const image = await freshImage(registry, 'sigstore-p384');
      const cosign = cosignHome();
      const { privateKey, publicKey } = generateKeyPair('ecdsa-p384');
      await attestWithManifesto(image, privateKey);
      const publicKeyFile = join(cosign.home, 'p384.pub');
      writeFileSync(publicKeyFile, publicKeyToPem(publicKey));
      const threshold = /accepted signatures do not match threshold, Found: 0, Expected 1/;
      await peerFails(
        'cosign',
        verifyAttestationArgs(publicKeyFile, MANIFESTO_PREDICATE_TYPE, image),
        cosign,
        threshold,
      );
      // the same key, imported into cosign: cosign's own attestation fails the same way
      const pemFile = join(cosign.home, 'p384.pem');
      writeFileSync(pemFile, privateKeyToPem(privateKey), { mode: 0o600 });
      await peerOk(
        'cosign',
        ['import-key-pair', '--key', pemFile, '--output-key-prefix', join(cosign.home, 'imported')],
        cosign,
      );
      const predicateFile = join(cosign.home, 'predicate.json');
      writeFileSync(predicateFile, '{"by":"cosign"}');
      await peerOk(
        'cosign',
        attestArgs(join(cosign.home, 'imported.key'), 'https://example.com/p384', predicateFile, image),
        cosign,
      );
      await peerFails(
        'cosign',
        verifyAttestationArgs(publicKeyFile, 'https://example.com/p384', image),
        cosign,
        threshold,
      );
      // manifesto verifies both (ECDSA P-384 with SHA-384)
      const bundles = await fetchSignatures(image.repository, image.descriptor.digest, {
        format: 'sigstore-bundle',
      });
      assert.equal(bundles.length, 2);
      const verified = bundles.map((b) =>
        verifySigstoreBundle({ bundle: b.content, subject: image.descriptor, publicKeys: [publicKey] }),
      );
      assert.deepEqual(verified.map((v) => v.predicateType).sort(), [
        'https://example.com/p384',
        MANIFESTO_PREDICATE_TYPE,
      ]);
    });

    it('manifesto verifies bundles cosign attest --key made (cosign P-256 key; manifesto Ed25519 key)', async () => {
      const image = await freshImage(registry, 'sigstore-theirs');
      const cosign = cosignHome();
      await peerOk(
        'cosign',
        ['generate-key-pair', '--output-key-prefix', join(cosign.home, 'cosign')],
        cosign,
      );
      const cosignPublic = loadPublicKey(readFileSync(join(cosign.home, 'cosign.pub')));
      const ed = generateKeyPair('ed25519');
      const edPem = join(cosign.home, 'ed.pem');
      writeFileSync(edPem, privateKeyToPem(ed.privateKey), { mode: 0o600 });
      await peerOk(
        'cosign',
        ['import-key-pair', '--key', edPem, '--output-key-prefix', join(cosign.home, 'ed')],
        cosign,
      );
      const predicateFile = join(cosign.home, 'predicate.json');
      writeFileSync(predicateFile, JSON.stringify({ approvedBy: 'qa', ticket: 42 }));
      await peerOk(
        'cosign',
        attestArgs(join(cosign.home, 'cosign.key'), 'https://example.com/qa/v1', predicateFile, image),
        cosign,
      );
      await peerOk(
        'cosign',
        attestArgs(join(cosign.home, 'ed.key'), 'https://example.com/ed/v1', predicateFile, image),
        cosign,
      );

      const bundles = await fetchSignatures(image.repository, image.descriptor.digest, {
        format: 'sigstore-bundle',
      });
      assert.equal(bundles.length, 2);
      for (const stored of bundles) {
        assert.equal(stored.manifestDescriptor.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
        const verified = verifySigstoreBundle({
          bundle: stored.content,
          subject: image.descriptor,
          publicKeys: [cosignPublic, ed.publicKey],
        });
        assert.deepEqual(verified.predicate, { approvedBy: 'qa', ticket: 42 });
        assert.equal(verified.statement.subject[0]?.name, image.name);
        assert.equal(verified.tlogEntries, 0);
        const expectedKey =
          verified.predicateType === 'https://example.com/qa/v1' ? cosignPublic : ed.publicKey;
        assert.equal(verified.keyHint, publicKeyHint(expectedKey));
        failsVerification(
          () =>
            verifySigstoreBundle({
              bundle: stored.content,
              subject: image.descriptor,
              publicKeys: [generateKeyPair().publicKey],
            }),
          'SIGNER_UNTRUSTED',
        );
        failsVerification(
          () =>
            verifySigstoreBundle({
              bundle: stored.content,
              subject: image.descriptor,
              publicKeys: [expectedKey],
              predicateType: MANIFESTO_PREDICATE_TYPE,
            }),
          'SIGNATURE_PREDICATE_MISMATCH',
        );
      }
      const other = await freshImage(registry, 'sigstore-other');
      failsVerification(
        () =>
          verifySigstoreBundle({
            bundle: bundles[0]!.content,
            subject: other.descriptor,
            publicKeys: [cosignPublic, ed.publicKey],
          }),
        'SIGNATURE_SUBJECT_MISMATCH',
      );
    });
  });
}
