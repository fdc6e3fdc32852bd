// Other tools' attestations: which predicate types are read as which kinds, how a listing entry of a
// cosign bundle is classified (attestation of a kind, other attestation, image signature), that
// manifesto's own versions come first, and what `get` prints of an attestation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindOfPredicate } from '../../../src/metadata/foreign.ts';
import { foreignDocument, statementBytes } from '../../../src/metadata/foreign-content.ts';
import { orderVersions } from '../../../src/metadata/listing.ts';
import { versionFromDescriptor } from '../../../src/metadata/version.ts';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const IMAGE = `sha256:${'1'.repeat(64)}`;
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function bundleEntry(n: number, predicateType: string | undefined, created = '2026-12-01T10:00:00Z') {
  return versionFromDescriptor(
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest(n),
      size: 900,
      artifactType: BUNDLE,
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        ...(predicateType === undefined ? {} : { 'dev.sigstore.bundle.predicateType': predicateType }),
        'org.opencontainers.image.created': created,
      },
    },
    IMAGE,
  );
}

describe('other tools metadata', () => {
  it('maps the predicate types cosign and buildkit write to kinds, with and without versions', () => {
    const cases: Array<[string, string | undefined]> = [
      ['https://spdx.dev/Document', 'sbom'],
      ['https://spdx.dev/Document/v2.3', 'sbom'],
      ['https://cyclonedx.org/bom', 'sbom'],
      ['https://cyclonedx.org/bom/v1.5', 'sbom'],
      ['https://slsa.dev/provenance/v0.2', 'provenance'],
      ['https://slsa.dev/provenance/v1', 'provenance'],
      ['https://cosign.sigstore.dev/attestation/vuln/v1', 'vuln'],
      ['https://openvex.dev/ns', 'vex'],
      ['https://openvex.dev/ns/v0.2.0', 'vex'],
      ['https://sigstore.dev/cosign/sign/v1', undefined],
      ['https://cosign.sigstore.dev/attestation/v1', undefined],
      ['https://manifesto.dev/metadata/v1', undefined],
      ['https://slsa.dev/provenance/v9', undefined],
      ['https://evil.example/spdx.dev/Document', undefined],
    ];
    for (const [uri, type] of cases) assert.equal(kindOfPredicate(uri)?.type, type, uri);
  });

  it('classifies cosign bundles: attestations by kind, others as attestation, cosign sign as a signature', () => {
    const sbom = bundleEntry(1, 'https://spdx.dev/Document');
    assert.deepEqual(
      [sbom.type, sbom.label, sbom.manifesto, sbom.signature],
      ['sbom', 'SPDX SBOM (cosign attestation)', false, false],
    );
    assert.deepEqual(sbom.foreign, {
      tool: 'cosign',
      form: 'sigstore-bundle',
      predicateType: 'https://spdx.dev/Document',
      subject: IMAGE,
    });
    const custom = bundleEntry(2, 'https://cosign.sigstore.dev/attestation/v1');
    assert.deepEqual([custom.type, custom.foreign, custom.signature], ['attestation', undefined, false]);
    for (const signature of [
      bundleEntry(3, 'https://sigstore.dev/cosign/sign/v1'),
      bundleEntry(4, undefined),
    ]) {
      assert.deepEqual(
        [signature.type, signature.label, signature.foreign, signature.signature],
        ['sigstore-bundle', 'Sigstore bundle (cosign)', undefined, true],
      );
    }
  });

  it("orders manifesto's own versions before other tools', each newest first", () => {
    const cosignNewest = bundleEntry(5, 'https://spdx.dev/Document', '2026-12-02T12:00:00Z');
    const cosignOlder = bundleEntry(6, 'https://spdx.dev/Document', '2026-12-01T12:00:00Z');
    const own = versionFromDescriptor({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digest(7),
      size: 700,
      artifactType: 'application/spdx+json',
      annotations: {
        'dev.manifesto.type': 'sbom',
        'org.opencontainers.image.created': '2026-11-01T00:00:00Z',
      },
    });
    assert.deepEqual(
      orderVersions([cosignOlder, own, cosignNewest]).map((v) => v.digest),
      [own.digest, cosignNewest.digest, cosignOlder.digest],
    );
  });

  it('get prints the SBOM predicate, or the whole statement for provenance; from a bundle or a statement', () => {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'app', digest: { sha256: '1'.repeat(64) } }],
      predicateType: 'https://spdx.dev/Document',
      predicate: { spdxVersion: 'SPDX-2.3', name: 'app' },
    };
    const payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const bundle = new TextEncoder().encode(
      JSON.stringify({
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        dsseEnvelope: { payloadType: 'application/vnd.in-toto+json', payload, signatures: [] },
      }),
    );
    const sbom = foreignDocument(bundle, bundleEntry(8, 'https://spdx.dev/Document'));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(sbom.bytes)), statement.predicate);
    assert.equal(sbom.descriptor.mediaType, 'application/spdx+json');
    assert.equal(sbom.descriptor.size, sbom.bytes.byteLength);

    const provenance = foreignDocument(bundle, bundleEntry(9, 'https://slsa.dev/provenance/v1'));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(provenance.bytes)), statement);
    assert.equal(provenance.descriptor.mediaType, 'application/vnd.in-toto+json');

    const plain = new TextEncoder().encode(JSON.stringify(statement));
    assert.equal(statementBytes(plain, 'v'), plain);
    assert.throws(
      () => statementBytes(new TextEncoder().encode('[1]'), 'v'),
      /ATTESTATION_MALFORMED|not a JSON object/,
    );
  });
});
