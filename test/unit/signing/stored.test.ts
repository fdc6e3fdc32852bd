// Pushing signature artifacts and finding them again, on an OCI image layout (the same Repository
// interface as registries; test/integration/signing runs it against real registries and peers).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { EMPTY_JSON_BYTES, OCI_EMPTY, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { artifactOf, blobOf, pushSignatureArtifact } from '../../../src/signing/artifact.ts';
import { generateKeyPair } from '../../../src/signing/keys.ts';
import { signNotary } from '../../../src/signing/notary/sign.ts';
import { verifyNotary } from '../../../src/signing/notary/verify.ts';
import { signSigstoreBundle } from '../../../src/signing/sigstore/sign.ts';
import { verifySigstoreBundle } from '../../../src/signing/sigstore/verify.ts';
import { fetchSignatures } from '../../../src/signing/stored.ts';
import { pushTestImage } from '../../support/images.ts';
import { failsVerification, selfSignedSigner } from './support.ts';

describe('stored signatures', () => {
  it('pushes Notary signatures and Sigstore bundles as referrers and reads both back', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'manifesto-signing-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const repository = await openLayout(join(dir, 'layout'), { create: true });
    const image = await pushTestImage(repository, { tag: 'v1', seed: 'signing' });
    const subject = { mediaType: image.mediaType, digest: image.digest, size: image.size };

    const signer = selfSignedSigner();
    const notary = signNotary({ descriptor: subject, key: signer.key, chain: signer.chain });
    const notaryPushed = await pushSignatureArtifact(repository, notary);
    assert.equal(notaryPushed.digest, notary.manifestDescriptor.digest);
    const { privateKey, publicKey } = generateKeyPair('ed25519');
    const bundle = signSigstoreBundle({
      subject,
      predicateType: 'https://example.com/test',
      predicate: { ok: true },
      key: privateKey,
    });
    await pushSignatureArtifact(repository, bundle);
    // an unrelated referrer (an SBOM) is not a signature
    const sbom = blobOf('application/spdx+json', new TextEncoder().encode('{"spdxVersion":"SPDX-2.3"}'));
    const empty = blobOf(OCI_EMPTY, EMPTY_JSON_BYTES);
    await pushSignatureArtifact(
      repository,
      artifactOf(
        {
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: 'application/spdx+json',
          config: empty.descriptor,
          layers: [sbom.descriptor],
          subject,
        },
        [empty, sbom],
      ),
    );
    const { manifests } = await repository.referrers(image.digest);
    assert.equal(manifests.length, 3);

    const all = await fetchSignatures(repository, image.digest);
    assert.deepEqual(all.map((s) => s.format).sort(), ['notary', 'sigstore-bundle']);
    const notaryStored = all.find((s) => s.format === 'notary')!;
    assert.deepEqual(notaryStored.content, notary.envelope);
    assert.equal(notaryStored.subject.digest, image.digest);
    assert.equal(notaryStored.manifestDescriptor.artifactType, 'application/vnd.cncf.notary.signature');
    assert.ok(
      verifyNotary({ envelope: notaryStored.content, descriptor: subject, trustedRoots: signer.chain }),
    );
    const [bundleStored] = await fetchSignatures(repository, image.digest, { format: 'sigstore-bundle' });
    assert.ok(bundleStored);
    assert.deepEqual(bundleStored.content, bundle.bundle);
    assert.deepEqual(
      verifySigstoreBundle({ bundle: bundleStored.content, subject, publicKeys: [publicKey] }).predicate,
      { ok: true },
    );
    assert.equal((await fetchSignatures(repository, image.digest, { limit: 1 })).length, 1);
    await assert.rejects(
      fetchSignatures(repository, image.digest, { maxBytes: 10 }),
      (error: Error & { code?: string }) => error.code === 'SIGNATURE_MALFORMED',
    );
    // a signature stored for this image does not verify for another
    const other = await pushTestImage(repository, { seed: 'other' });
    failsVerification(
      () =>
        verifyNotary({
          envelope: notaryStored.content,
          descriptor: { mediaType: other.mediaType, digest: other.digest, size: other.size },
          trustedRoots: signer.chain,
        }),
      'SIGNATURE_SUBJECT_MISMATCH',
    );
    assert.deepEqual(await fetchSignatures(repository, other.digest), []);
  });
});
