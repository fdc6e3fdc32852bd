import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { provenanceKind } from '../../../src/kinds/provenance/kind.ts';
import { assertInvalid, at, bytes, fixture, fixtureJson, IMAGE_DIGEST, mutated } from './support.ts';

const IN_TOTO = 'application/vnd.in-toto+json';

describe('provenance: SLSA v1', () => {
  it("validates and normalises a GitHub artifact attestation's statement", () => {
    const content = fixture('provenance-slsa-v1.json');
    assert.deepEqual(provenanceKind.validate(content, IN_TOTO), { format: 'slsa-v1' });
    assert.deepEqual(provenanceKind.normalise(content, IN_TOTO), {
      format: 'slsa-v1',
      builderId: 'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.1',
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      sourceRepo: 'https://github.com/acme/app',
      sourceRef: 'refs/tags/v1.1',
      commit: '7f3e1c9a2b4d6e8f0a1b2c3d4e5f60718293a4b5',
      invocationId: 'https://github.com/acme/app/actions/runs/11987654321/attempts/1',
      startedOn: null,
      finishedOn: null,
      subjects: [{ name: 'registry.example.com/team/app', digests: [IMAGE_DIGEST] }],
    });
  });

  it('reads the bare predicate, a DSSE envelope and a sigstore bundle', () => {
    const statement = fixtureJson('provenance-slsa-v1.json');
    const bare = provenanceKind.normalise(bytes(statement.predicate), 'application/json');
    assert.equal(bare.commit, '7f3e1c9a2b4d6e8f0a1b2c3d4e5f60718293a4b5');
    assert.deepEqual(bare.subjects, []);
    const envelope = {
      payloadType: IN_TOTO,
      payload: Buffer.from(JSON.stringify(statement)).toString('base64'),
      signatures: [{ sig: 'MEQCIB...' }],
    };
    assert.equal(provenanceKind.normalise(bytes(envelope), 'application/json').sourceRef, 'refs/tags/v1.1');
    const bundle = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: 'MIIC...' } },
      dsseEnvelope: envelope,
    };
    assert.equal(provenanceKind.validate(bytes(bundle), 'application/json').format, 'slsa-v1');
  });

  it('reads times and a source given as an external parameter (slsa-github-generator delegator)', () => {
    const predicate = {
      buildDefinition: {
        buildType: 'https://github.com/slsa-framework/slsa-github-generator/delegator-generic@v0',
        externalParameters: {
          inputs: { 'build-target': 'app' },
          source: {
            uri: 'git+https://github.com/acme/app@refs/heads/main',
            digest: { sha1: 'a'.repeat(40) },
          },
        },
      },
      runDetails: {
        builder: {
          id: 'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v2.0.0',
        },
        metadata: {
          invocationId: 'https://github.com/acme/app/actions/runs/1/attempts/2',
          startedOn: '2026-11-22T17:58:00+01:00',
          finishedOn: '2026-11-22T18:01:59.5Z',
        },
      },
    };
    const provenance = provenanceKind.normalise(bytes(predicate), 'application/json');
    assert.equal(provenance.sourceRepo, 'https://github.com/acme/app');
    assert.equal(provenance.sourceRef, 'refs/heads/main');
    assert.equal(provenance.commit, null);
    assert.equal(provenance.startedOn, '2026-11-22T16:58:00.000Z');
    assert.equal(provenance.finishedOn, '2026-11-22T18:01:59.500Z');
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        provenanceKind.validate(
          mutated('provenance-slsa-v1.json', (d) => {
            delete at(d, 'predicate', 'runDetails', 'builder').id;
          }),
          IN_TOTO,
        ),
      {
        kind: 'provenance',
        format: 'slsa-v1',
        pointer: '/predicate/runDetails/builder/id',
        message: 'provenance (slsa-v1): /predicate/runDetails/builder/id is required',
      },
    );
    assertInvalid(
      () =>
        provenanceKind.validate(
          mutated('provenance-slsa-v1.json', (d) => {
            d.predicateType = 'https://spdx.dev/Document';
          }),
          IN_TOTO,
        ),
      {
        kind: 'provenance',
        format: 'in-toto',
        pointer: '/predicateType',
        message: /must be https:\/\/slsa.dev\/provenance\/v1 or/,
      },
    );
    assertInvalid(
      () =>
        provenanceKind.validate(
          mutated('provenance-slsa-v1.json', (d) => {
            at(d, 'subject', 0).digest = 'sha256:abc';
          }),
          IN_TOTO,
        ),
      { kind: 'provenance', format: 'in-toto', pointer: '/subject/0/digest', message: /must be an object/ },
    );
    const broken = fixtureJson('provenance-slsa-v1.json');
    at(broken, 'predicate', 'runDetails').metadata = { startedOn: 'noon' };
    const envelope = {
      payloadType: IN_TOTO,
      payload: Buffer.from(JSON.stringify(broken)).toString('base64'),
      signatures: [],
    };
    assertInvalid(() => provenanceKind.validate(bytes(envelope), 'application/json'), {
      kind: 'provenance',
      format: 'slsa-v1',
      pointer: '/predicate/runDetails/metadata/startedOn',
      message: /must be an RFC 3339 timestamp .* \(in the DSSE payload\)$/,
    });
    assertInvalid(
      () => provenanceKind.validate(bytes({ payloadType: IN_TOTO, payload: '%%%', signatures: [] }), ''),
      {
        kind: 'provenance',
        format: undefined,
        pointer: '/payload',
        message: /must be base64/,
      },
    );
    assertInvalid(() => provenanceKind.validate(bytes({ builder: 'me' }), 'application/json'), {
      kind: 'provenance',
      format: undefined,
      pointer: '',
      message: /must be SLSA provenance/,
    });
  });
});

describe('provenance: SLSA v0.2', () => {
  it("validates and normalises slsa-github-generator's container provenance", () => {
    const content = fixture('provenance-slsa-v0.2.json');
    assert.deepEqual(provenanceKind.validate(content, IN_TOTO), { format: 'slsa-v0.2' });
    const provenance = provenanceKind.normalise(content, IN_TOTO);
    assert.deepEqual(provenance, {
      format: 'slsa-v0.2',
      builderId:
        'https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0',
      buildType: 'https://github.com/slsa-framework/slsa-github-generator/container@v1',
      sourceRepo: 'https://github.com/acme/app',
      sourceRef: 'refs/tags/v1.1',
      commit: '7f3e1c9a2b4d6e8f0a1b2c3d4e5f60718293a4b5',
      invocationId: '11987654321-1',
      startedOn: null,
      finishedOn: null,
      subjects: [{ name: 'registry.example.com/team/app', digests: [IMAGE_DIGEST] }],
    });
    assert.deepEqual(provenanceKind.summarise(provenance), [
      'built by https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0 (slsa-v0.2)',
      'from https://github.com/acme/app refs/tags/v1.1 at 7f3e1c9a2b4d',
      'build type https://github.com/slsa-framework/slsa-github-generator/container@v1',
      'run 11987654321-1',
      `subject registry.example.com/team/app ${IMAGE_DIGEST}`,
    ]);
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        provenanceKind.validate(
          mutated('provenance-slsa-v0.2.json', (d) => {
            at(d, 'predicate', 'metadata').buildStartedOn = 1700000000;
          }),
          IN_TOTO,
        ),
      {
        kind: 'provenance',
        format: 'slsa-v0.2',
        pointer: '/predicate/metadata/buildStartedOn',
        message: /must be a string \(got 1700000000\)/,
      },
    );
  });
});
