import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Descriptor, ImageManifest } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { EMPTY_JSON_DIGEST } from '../../../src/oci/media-types.ts';
import { createSelfSignedCertificate } from '../../../src/signing/certificates.ts';
import { generateKeyPair, loadPublicKey, publicKeyHint } from '../../../src/signing/keys.ts';
import { MANIFESTO_PREDICATE_TYPE } from '../../../src/signing/sigstore/constants.ts';
import { dsseSign } from '../../../src/signing/sigstore/dsse.ts';
import { signSigstoreBundle } from '../../../src/signing/sigstore/sign.ts';
import { metadataPredicate } from '../../../src/signing/sigstore/statement.ts';
import { verifySigstoreBundle } from '../../../src/signing/sigstore/verify.ts';
import {
  COSIGN_ED25519_BUNDLE,
  COSIGN_ED25519_PUBLIC_KEY,
  COSIGN_P256_BUNDLE,
  COSIGN_P256_PUBLIC_KEY,
  COSIGN_P384_BUNDLE,
  COSIGN_P384_PUBLIC_KEY,
  IMAGE_DESCRIPTOR,
  IMAGE_DIGEST,
} from './peer-fixtures.ts';
import { failsVerification, rsaKey, throwsManifesto } from './support.ts';

const encoder = new TextEncoder();
const IMAGE: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digestOf(encoder.encode('an image manifest')),
  size: 1234,
};
const CREATED = new Date('2026-06-01T12:00:00.250Z');
const PREDICATE = metadataPredicate({
  type: 'seccomp',
  content: { digest: digestOf(encoder.encode('{}')), size: 2, mediaType: 'application/json' },
  version: digestOf(encoder.encode('version manifest')),
  created: CREATED,
  supersedes: digestOf(encoder.encode('previous version')),
  expires: new Date('2026-07-01T00:00:00Z'),
});

function attest(key: KeyObject, extra: Partial<Parameters<typeof signSigstoreBundle>[0]> = {}) {
  return signSigstoreBundle({
    subject: IMAGE,
    subjectName: 'registry.example.com/team/app',
    predicateType: MANIFESTO_PREDICATE_TYPE,
    predicate: { ...PREDICATE },
    key,
    created: CREATED,
    ...extra,
  });
}

type Json = Record<string, unknown>;
const json = (bytes: Uint8Array): Json => JSON.parse(new TextDecoder().decode(bytes)) as Json;
const bytes = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

function envelopeOf(bundle: Json): Json {
  return bundle.dsseEnvelope as Json;
}

describe('Sigstore bundles', () => {
  const keys: [string, () => KeyObject][] = [
    ['ECDSA P-256', () => generateKeyPair('ecdsa-p256').privateKey],
    ['ECDSA P-384', () => generateKeyPair('ecdsa-p384').privateKey],
    ['Ed25519', () => generateKeyPair('ed25519').privateKey],
    ['ECDSA P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey],
    ['RSA 2048', () => rsaKey()],
  ];
  for (const [name, makeKey] of keys) {
    it(`signs and verifies a manifesto attestation with ${name}`, () => {
      const key = makeKey();
      const signed = attest(key);
      const verified = verifySigstoreBundle({
        bundle: signed.bundle,
        subject: IMAGE,
        publicKeys: [generateKeyPair().publicKey, key],
        predicateType: MANIFESTO_PREDICATE_TYPE,
        now: CREATED,
      });
      assert.deepEqual(verified.metadata, PREDICATE);
      assert.equal(verified.keyHint, publicKeyHint(key));
      assert.equal(verified.bundleMediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
      assert.equal(verified.tlogEntries, 0);
      assert.deepEqual(verified.statement, signed.statement);
    });
  }

  it('writes a v0.3 bundle with the key hint, a DSSE in-toto envelope and no transparency log', () => {
    const key = generateKeyPair().privateKey;
    const signed = attest(key);
    const bundle = json(signed.bundle);
    assert.deepEqual(Object.keys(bundle), ['mediaType', 'verificationMaterial', 'dsseEnvelope']);
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(bundle.verificationMaterial, { publicKey: { hint: publicKeyHint(key) } });
    const envelope = envelopeOf(bundle);
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    const signatures = envelope.signatures as Json[];
    assert.equal(signatures.length, 1);
    assert.deepEqual(Object.keys(signatures[0]!), ['sig'], 'no keyid, as cosign');
    const statement = JSON.parse(Buffer.from(envelope.payload as string, 'base64').toString('utf8')) as Json;
    assert.deepEqual(statement, {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'registry.example.com/team/app', digest: { sha256: IMAGE.digest.slice(7) } }],
      predicateType: 'https://manifesto.dev/metadata/v1',
      predicate: {
        type: 'seccomp',
        content: { digest: PREDICATE.content.digest, size: 2, mediaType: 'application/json' },
        created: '2026-06-01T12:00:00.250Z',
        version: PREDICATE.version,
        supersedes: PREDICATE.supersedes,
        expires: '2026-07-01T00:00:00.000Z',
      },
    });
    assert.equal(signed.keyHint, publicKeyHint(key));
  });

  it('omits the in-toto subject name when none is given', () => {
    const signed = attest(generateKeyPair().privateKey, { subjectName: undefined });
    assert.deepEqual(signed.statement.subject, [{ digest: { sha256: IMAGE.digest.slice(7) } }]);
  });

  it('stores the bundle as cosign v3 does (specs/BUNDLE_SPEC.md)', () => {
    const signed = attest(generateKeyPair().privateKey);
    const manifest = json(signed.manifest) as unknown as ImageManifest;
    const layerDigest = digestOf(signed.bundle);
    assert.deepEqual(manifest, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: [
        {
          mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
          digest: layerDigest,
          size: signed.bundle.byteLength,
          annotations: { 'org.opencontainers.image.title': `sha256-${layerDigest.slice(7)}.sigstore.json` },
        },
      ],
      subject: IMAGE,
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://manifesto.dev/metadata/v1',
        'org.opencontainers.image.created': '2026-06-01T12:00:00Z',
      },
    });
    assert.equal(signed.manifestDescriptor.artifactType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.deepEqual(
      signed.blobs.map((b) => b.descriptor.digest),
      [EMPTY_JSON_DIGEST, layerDigest],
    );
  });

  const fixtures: [string, string, string, string, Json][] = [
    ['P-256', COSIGN_P256_BUNDLE, COSIGN_P256_PUBLIC_KEY, 'https://example.com/p256', { hello: 'world' }],
    [
      'P-384 (SHA-384)',
      COSIGN_P384_BUNDLE,
      COSIGN_P384_PUBLIC_KEY,
      'https://example.com/p384',
      { hello: 'world' },
    ],
    [
      'Ed25519 (Ed25519ph)',
      COSIGN_ED25519_BUNDLE,
      COSIGN_ED25519_PUBLIC_KEY,
      'https://example.com/ed',
      { a: 1 },
    ],
  ];
  for (const [name, bundle, publicKey, predicateType, predicate] of fixtures) {
    it(`verifies a bundle cosign attest --key made with ${name}`, () => {
      const verified = verifySigstoreBundle({
        bundle: encoder.encode(bundle),
        subject: IMAGE_DESCRIPTOR,
        publicKeys: [loadPublicKey(publicKey)],
        predicateType,
      });
      assert.equal(verified.statement._type, 'https://in-toto.io/Statement/v0.1');
      assert.deepEqual(verified.predicate, predicate);
      assert.equal(verified.metadata, undefined);
      assert.equal(verified.statement.subject[0]?.name, '127.0.0.1:39601/exp/app');
      failsVerification(
        () =>
          verifySigstoreBundle({
            bundle: encoder.encode(bundle),
            subject: IMAGE_DESCRIPTOR,
            publicKeys: [generateKeyPair().publicKey],
          }),
        'SIGNER_UNTRUSTED',
      );
    });
  }

  describe('verification failures', () => {
    const key = generateKeyPair().privateKey;
    const signed = attest(key);
    const verify = (
      bundle: Uint8Array,
      options: { keys?: KeyObject[]; subject?: string; predicateType?: string; now?: Date } = {},
    ) =>
      verifySigstoreBundle({
        bundle,
        subject: { digest: options.subject ?? IMAGE.digest },
        publicKeys: options.keys ?? [key],
        predicateType: options.predicateType,
        now: options.now ?? CREATED,
      });
    const withPayload = (statement: unknown, signWith?: KeyObject): Uint8Array => {
      const bundle = json(signed.bundle);
      const payload = encoder.encode(JSON.stringify(statement));
      const envelope = envelopeOf(bundle);
      envelope.payload = Buffer.from(payload).toString('base64');
      if (signWith) {
        envelope.signatures = [
          {
            sig: Buffer.from(dsseSign('application/vnd.in-toto+json', payload, signWith)).toString('base64'),
          },
        ];
      }
      return bytes(bundle);
    };

    it('accepts the untouched bundle', () => {
      assert.equal(verify(signed.bundle).predicateType, MANIFESTO_PREDICATE_TYPE);
    });

    it('tampered payload -> SIGNATURE_INVALID', () => {
      const statement = { ...signed.statement, predicate: { ...PREDICATE, type: 'apparmor' } };
      failsVerification(() => verify(withPayload(statement)), 'SIGNATURE_INVALID');
    });

    it('tampered signature -> SIGNATURE_INVALID', () => {
      const bundle = json(signed.bundle);
      const signature = (envelopeOf(bundle).signatures as Json[])[0]!;
      const sig = Buffer.from(signature.sig as string, 'base64');
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 1;
      signature.sig = sig.toString('base64');
      failsVerification(() => verify(bytes(bundle)), 'SIGNATURE_INVALID');
    });

    it('wrong key -> SIGNER_UNTRUSTED (hint names another key) or SIGNATURE_INVALID (no hint)', () => {
      const other = generateKeyPair().publicKey;
      const error = failsVerification(() => verify(signed.bundle, { keys: [other] }), 'SIGNER_UNTRUSTED');
      assert.match(error.message, new RegExp(`signed with key ${publicKeyHint(key).replaceAll('+', '\\+')}`));
      const bundle = json(signed.bundle);
      bundle.verificationMaterial = { publicKey: { hint: '' } };
      failsVerification(() => verify(bytes(bundle), { keys: [other] }), 'SIGNATURE_INVALID');
      assert.ok(verify(bytes(bundle)), 'without a hint every trusted key is tried');
      failsVerification(() => verify(signed.bundle, { keys: [] }), 'SIGNER_UNTRUSTED');
    });

    it('a certificate as verification material: trusted when its key is a trusted key', () => {
      const certificate = createSelfSignedCertificate({
        privateKey: key,
        subject: { commonName: 'cosign --cert' },
      });
      const bundle = json(signed.bundle);
      bundle.verificationMaterial = {
        certificate: { rawBytes: Buffer.from(certificate.raw).toString('base64') },
      };
      assert.equal(verify(bytes(bundle)).keyHint, publicKeyHint(key));
      const error = failsVerification(
        () => verify(bytes(bundle), { keys: [generateKeyPair().publicKey] }),
        'SIGNER_UNTRUSTED',
      );
      assert.match(error.hint ?? '', /Keyless/);
      bundle.verificationMaterial = {
        certificate: { rawBytes: Buffer.from('not a certificate').toString('base64') },
      };
      failsVerification(() => verify(bytes(bundle)), 'SIGNATURE_MALFORMED');
    });

    it('another image -> SIGNATURE_SUBJECT_MISMATCH', () => {
      const other = digestOf(encoder.encode('another image'));
      const error = failsVerification(
        () => verify(signed.bundle, { subject: other }),
        'SIGNATURE_SUBJECT_MISMATCH',
      );
      assert.match(error.message, new RegExp(`not ${other}`));
    });

    it('another predicate type -> SIGNATURE_PREDICATE_MISMATCH', () => {
      failsVerification(
        () => verify(signed.bundle, { predicateType: 'https://slsa.dev/provenance/v1' }),
        'SIGNATURE_PREDICATE_MISMATCH',
      );
    });

    it('expired manifesto attestation -> SIGNATURE_EXPIRED', () => {
      failsVerification(
        () => verify(signed.bundle, { now: new Date('2026-07-01T00:00:00Z') }),
        'SIGNATURE_EXPIRED',
      );
      assert.ok(verify(signed.bundle, { now: new Date('2026-06-30T23:59:59Z') }));
    });

    it('malformed bundles, statements and predicates -> SIGNATURE_MALFORMED', () => {
      failsVerification(() => verify(encoder.encode('[]')), 'SIGNATURE_MALFORMED');
      failsVerification(() => verify(encoder.encode('{"mediaType":"x"}')), 'SIGNATURE_MALFORMED');
      const noSignatures = json(signed.bundle);
      envelopeOf(noSignatures).signatures = [];
      failsVerification(() => verify(bytes(noSignatures)), 'SIGNATURE_MALFORMED');
      failsVerification(
        () => verify(withPayload({ _type: 'https://example.com/other' }, key)),
        'SIGNATURE_MALFORMED',
      );
      failsVerification(
        () => verify(withPayload({ ...signed.statement, subject: [] }, key)),
        'SIGNATURE_MALFORMED',
      );
      failsVerification(
        () => verify(withPayload({ ...signed.statement, predicate: { type: 'seccomp' } }, key)),
        'SIGNATURE_MALFORMED',
      );
      failsVerification(
        () =>
          verify(
            withPayload({ ...signed.statement, predicate: { ...PREDICATE, created: 'yesterday' } }, key),
          ),
        'SIGNATURE_MALFORMED',
      );
    });

    it('message-signature bundles and other payload types -> SIGNATURE_UNSUPPORTED', () => {
      const messageSignature = {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: { publicKey: { hint: publicKeyHint(key) } },
        messageSignature: {
          messageDigest: { algorithm: 'SHA2_256', digest: Buffer.alloc(32).toString('base64') },
          signature: Buffer.alloc(64).toString('base64'),
        },
      };
      failsVerification(() => verify(bytes(messageSignature)), 'SIGNATURE_UNSUPPORTED');
      const other = json(signed.bundle);
      envelopeOf(other).payloadType = 'application/vnd.dev.cosign.simplesigning.v1+json';
      failsVerification(() => verify(bytes(other)), 'SIGNATURE_UNSUPPORTED');
    });
  });

  it('validates manifesto predicates when building them', () => {
    const content = { digest: IMAGE_DIGEST, size: 1, mediaType: 'text/plain' };
    throwsManifesto(
      () => metadataPredicate({ type: 'x', content: { ...content, size: -1 }, created: CREATED }),
      'PREDICATE_INVALID',
      'usage',
    );
    throwsManifesto(
      () => metadataPredicate({ type: 'x', content, created: CREATED, expires: CREATED }),
      'EXPIRY_INVALID',
      'usage',
    );
    throwsManifesto(
      () => metadataPredicate({ type: 'x', content: { ...content, digest: 'md5:abc' }, created: CREATED }),
      'DIGEST_INVALID',
      'usage',
    );
    throwsManifesto(
      () =>
        signSigstoreBundle({
          subject: IMAGE,
          predicateType: 'x',
          predicate: {},
          key: generateKeyPair().publicKey,
        }),
      'KEY_NOT_PRIVATE',
      'usage',
    );
  });
});
