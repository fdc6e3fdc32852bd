import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, type X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Descriptor, ImageManifest } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { EMPTY_JSON_DIGEST } from '../../../src/oci/media-types.ts';
import { createSelfSignedCertificate, loadCertificates } from '../../../src/signing/certificates.ts';
import { generateKeyPair } from '../../../src/signing/keys.ts';
import { jwsSign, type NotaryAlgorithm } from '../../../src/signing/notary/algorithms.ts';
import { parseNotarySignatureManifest } from '../../../src/signing/notary/manifest.ts';
import { signNotary } from '../../../src/signing/notary/sign.ts';
import { verifyNotary } from '../../../src/signing/notary/verify.ts';
import {
  IMAGE_DESCRIPTOR,
  NOTATION_CERTIFICATE,
  NOTATION_ENVELOPE,
  NOTATION_VERIFY_TIME,
} from './peer-fixtures.ts';
import {
  caSigner,
  failsVerification,
  rsaKey,
  SUBJECT,
  selfSignedSigner,
  throwsManifesto,
} from './support.ts';

const ARTIFACT: Descriptor = {
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: digestOf(new TextEncoder().encode('a metadata version manifest')),
  size: 1021,
  annotations: { 'dev.manifesto.type': 'seccomp', 'dev.manifesto.expires': '2027-01-01T00:00:00Z' },
};
const NOW = new Date('2026-06-01T12:00:00Z');

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const unb64url = (value: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;

interface Envelope {
  payload: string;
  protected: string;
  header: Record<string, unknown>;
  signature: string;
  [extra: string]: unknown;
}

function parse(envelope: Uint8Array): Envelope {
  return JSON.parse(text(envelope)) as Envelope;
}

/** Rewrites the protected header and/or payload, re-signing with `key` so integrity still holds. */
function resign(
  envelope: Uint8Array,
  key: KeyObject,
  alg: NotaryAlgorithm,
  change: { header?: (h: Record<string, unknown>) => void; payload?: (p: Record<string, unknown>) => void },
): Uint8Array {
  const parsed = parse(envelope);
  const header = unb64url(parsed.protected);
  const payload = unb64url(parsed.payload);
  change.header?.(header);
  change.payload?.(payload);
  parsed.protected = b64url(header);
  parsed.payload = b64url(payload);
  parsed.signature = Buffer.from(
    jwsSign(alg, new TextEncoder().encode(`${parsed.protected}.${parsed.payload}`), key),
  ).toString('base64url');
  return new TextEncoder().encode(JSON.stringify(parsed));
}

function sign(signer: { key: KeyObject; chain: X509Certificate[] }, extra: { expiry?: Date } = {}) {
  return signNotary({
    descriptor: ARTIFACT,
    key: signer.key,
    chain: signer.chain,
    signingTime: NOW,
    ...extra,
  });
}

describe('Notary Project signatures', () => {
  const cases: [string, () => { key: KeyObject; chain: X509Certificate[] }, NotaryAlgorithm][] = [
    ['ECDSA P-256', () => selfSignedSigner('ecdsa-p256', NOW), 'ES256'],
    ['ECDSA P-384', () => selfSignedSigner('ecdsa-p384', NOW), 'ES384'],
    [
      'ECDSA P-521',
      () => {
        const key = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
        return { key, chain: [createSelfSignedCertificate({ privateKey: key, subject: SUBJECT, now: NOW })] };
      },
      'ES512',
    ],
    [
      'RSA 3072',
      () => {
        const key = rsaKey(3072);
        return { key, chain: [createSelfSignedCertificate({ privateKey: key, subject: SUBJECT, now: NOW })] };
      },
      'PS384',
    ],
    ['a CA chain (P-384 root, P-256 intermediate and leaf)', () => caSigner(NOW), 'ES256'],
  ];
  for (const [name, makeSigner, alg] of cases) {
    it(`signs and verifies with ${name} (${alg})`, () => {
      const signer = makeSigner();
      const signed = sign(signer);
      assert.equal(signed.algorithm, alg);
      const root = signer.chain[signer.chain.length - 1]!;
      const verified = verifyNotary({
        envelope: signed.envelope,
        descriptor: ARTIFACT,
        trustedRoots: [root],
        now: NOW,
      });
      assert.equal(verified.algorithm, alg);
      assert.deepEqual(verified.targetArtifact, {
        mediaType: ARTIFACT.mediaType,
        digest: ARTIFACT.digest,
        size: ARTIFACT.size,
        annotations: ARTIFACT.annotations,
      });
      assert.equal(verified.signingTime.toISOString(), NOW.toISOString());
      assert.equal(verified.signingScheme, 'notary.x509');
      assert.equal(verified.signer.fingerprint256, signer.chain[0]!.fingerprint256);
      assert.equal(verified.trustedRoot.fingerprint256, root.fingerprint256);
      assert.equal(verified.signingAgent, 'manifesto/0.1.0');
      assert.equal(verified.chain.length, signer.chain.length);
    });
  }

  it('writes the JWS envelope the specification describes', () => {
    const signer = selfSignedSigner('ecdsa-p256', NOW);
    const signed = sign(signer, { expiry: new Date('2026-07-01T00:00:00.500Z') });
    const envelope = parse(signed.envelope);
    assert.deepEqual(Object.keys(envelope).sort(), ['header', 'payload', 'protected', 'signature']);
    assert.deepEqual(unb64url(envelope.protected), {
      alg: 'ES256',
      cty: 'application/vnd.cncf.notary.payload.v1+json',
      'io.cncf.notary.signingScheme': 'notary.x509',
      'io.cncf.notary.signingTime': '2026-06-01T12:00:00Z',
      crit: ['io.cncf.notary.signingScheme', 'io.cncf.notary.expiry'],
      'io.cncf.notary.expiry': '2026-07-01T00:00:00Z',
    });
    assert.deepEqual(unb64url(envelope.payload), {
      targetArtifact: {
        mediaType: ARTIFACT.mediaType,
        digest: ARTIFACT.digest,
        size: ARTIFACT.size,
        annotations: ARTIFACT.annotations,
      },
    });
    assert.deepEqual(envelope.header, {
      x5c: [Buffer.from(signer.chain[0]!.raw).toString('base64')],
      'io.cncf.notary.signingAgent': 'manifesto/0.1.0',
    });
    assert.match(envelope.signature, /^[A-Za-z0-9_-]{86}$/, 'ES256 signatures are 64 raw bytes');
  });

  it('builds the signature manifest notation writes and reads', () => {
    const signer = caSigner(NOW);
    const signed = sign(signer);
    const manifest = JSON.parse(text(signed.manifest)) as ImageManifest;
    const envelopeDigest = digestOf(signed.envelope);
    assert.deepEqual(manifest, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.notary.signature',
      config: { mediaType: 'application/vnd.cncf.notary.signature', digest: EMPTY_JSON_DIGEST, size: 2 },
      layers: [
        { mediaType: 'application/jose+json', digest: envelopeDigest, size: signed.envelope.byteLength },
      ],
      subject: { mediaType: ARTIFACT.mediaType, digest: ARTIFACT.digest, size: ARTIFACT.size },
      annotations: {
        'io.cncf.notary.x509chain.thumbprint#S256': JSON.stringify(
          signer.chain.map((c) => c.fingerprint256.replaceAll(':', '').toLowerCase()),
        ),
        'org.opencontainers.image.created': '2026-06-01T12:00:00Z',
      },
    });
    assert.deepEqual(signed.manifestDescriptor, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: digestOf(signed.manifest),
      size: signed.manifest.byteLength,
      artifactType: 'application/vnd.cncf.notary.signature',
      annotations: manifest.annotations,
    });
    assert.deepEqual(
      signed.blobs.map((b) => [b.descriptor.digest, text(b.bytes).length]),
      [
        [EMPTY_JSON_DIGEST, 2],
        [envelopeDigest, signed.envelope.byteLength],
      ],
    );
    const parsed = parseNotarySignatureManifest(signed.manifest);
    assert.equal(parsed.envelope.digest, envelopeDigest);
    assert.equal(parsed.subject.digest, ARTIFACT.digest);
    assert.equal(parsed.thumbprints.length, 3);
  });

  it('verifies a signature notation made (RSA-2048, PS256)', () => {
    const [root] = loadCertificates(NOTATION_CERTIFICATE);
    const verified = verifyNotary({
      envelope: new TextEncoder().encode(NOTATION_ENVELOPE),
      descriptor: IMAGE_DESCRIPTOR,
      trustedRoots: [root!],
      now: NOTATION_VERIFY_TIME,
    });
    assert.equal(verified.algorithm, 'PS256');
    assert.equal(verified.signingAgent, 'notation-go/1.3.2');
    assert.equal(verified.targetArtifact.digest, IMAGE_DESCRIPTOR.digest);
    // and it is really checked: one flipped payload byte breaks it
    const envelope = parse(new TextEncoder().encode(NOTATION_ENVELOPE));
    const payload = unb64url(envelope.payload);
    (payload.targetArtifact as Descriptor).size += 1;
    envelope.payload = b64url(payload);
    failsVerification(
      () =>
        verifyNotary({
          envelope: new TextEncoder().encode(JSON.stringify(envelope)),
          descriptor: IMAGE_DESCRIPTOR,
          trustedRoots: [root!],
          now: NOTATION_VERIFY_TIME,
        }),
      'SIGNATURE_INVALID',
    );
  });

  it('refuses Ed25519 keys: the Notary Project allows ECDSA and RSA-PSS only', () => {
    const signer = selfSignedSigner('ed25519', NOW);
    const error = throwsManifesto(() => sign(signer), 'SIGNING_ALGORITHM_UNSUPPORTED', 'usage');
    assert.match(error.hint ?? '', /sigstore format/);
  });

  it('refuses to sign with a key that is not the certificate’s, a CA certificate, or an expired one', () => {
    const signer = selfSignedSigner('ecdsa-p256', NOW);
    throwsManifesto(
      () => signNotary({ descriptor: ARTIFACT, key: generateKeyPair().privateKey, chain: signer.chain }),
      'KEY_CERTIFICATE_MISMATCH',
      'usage',
    );
    throwsManifesto(
      () => signNotary({ descriptor: ARTIFACT, key: signer.key, chain: [] }),
      'CERTIFICATE_UNSUITABLE',
      'usage',
    );
    const ca = createSelfSignedCertificate({ privateKey: signer.key, subject: SUBJECT, profile: 'ca' });
    throwsManifesto(
      () => signNotary({ descriptor: ARTIFACT, key: signer.key, chain: [ca] }),
      'CERTIFICATE_UNSUITABLE',
      'usage',
    );
    throwsManifesto(
      () =>
        signNotary({
          descriptor: ARTIFACT,
          key: signer.key,
          chain: signer.chain,
          signingTime: new Date('2030-01-01T00:00:00Z'),
        }),
      'CERTIFICATE_UNSUITABLE',
      'usage',
    );
    throwsManifesto(
      () => sign(signer, { expiry: new Date(NOW.getTime() - 1000) }),
      'EXPIRY_INVALID',
      'usage',
    );
    throwsManifesto(
      () =>
        signNotary({
          descriptor: { ...ARTIFACT, digest: 'sha256:nope' },
          key: signer.key,
          chain: signer.chain,
        }),
      'DIGEST_INVALID',
      'usage',
    );
    throwsManifesto(
      () => signNotary({ descriptor: { ...ARTIFACT, size: -1 }, key: signer.key, chain: signer.chain }),
      'DESCRIPTOR_INVALID',
      'usage',
    );
  });

  describe('verification failures', () => {
    const signer = selfSignedSigner('ecdsa-p256', NOW);
    const root = signer.chain[0]!;
    const signed = sign(signer, { expiry: new Date('2026-06-02T12:00:00Z') });
    const verify = (
      envelope: Uint8Array,
      options: { now?: Date; descriptor?: Descriptor; roots?: X509Certificate[] } = {},
    ) =>
      verifyNotary({
        envelope,
        descriptor: options.descriptor ?? ARTIFACT,
        trustedRoots: options.roots ?? [root],
        now: options.now ?? NOW,
      });

    it('accepts the untouched signature', () => {
      assert.equal(verify(signed.envelope).expiry?.toISOString(), '2026-06-02T12:00:00.000Z');
    });

    it('tampered payload -> SIGNATURE_INVALID', () => {
      const envelope = parse(signed.envelope);
      const payload = unb64url(envelope.payload);
      (payload.targetArtifact as Descriptor).annotations = { 'dev.manifesto.type': 'forged' };
      envelope.payload = b64url(payload);
      failsVerification(
        () => verify(new TextEncoder().encode(JSON.stringify(envelope))),
        'SIGNATURE_INVALID',
      );
    });

    it('tampered protected header (expiry removed) -> SIGNATURE_INVALID', () => {
      const envelope = parse(signed.envelope);
      const header = unb64url(envelope.protected);
      delete header['io.cncf.notary.expiry'];
      header.crit = ['io.cncf.notary.signingScheme'];
      envelope.protected = b64url(header);
      failsVerification(
        () => verify(new TextEncoder().encode(JSON.stringify(envelope))),
        'SIGNATURE_INVALID',
      );
    });

    it('signed with another key than the certificate’s -> SIGNATURE_INVALID', () => {
      const other = generateKeyPair().privateKey;
      const forged = resign(signed.envelope, other, 'ES256', {});
      const error = failsVerification(() => verify(forged), 'SIGNATURE_INVALID');
      assert.match(error.message, /does not verify with the key of certificate "C=US, ST=WA/);
    });

    it('alg that does not match the certificate key -> SIGNATURE_INVALID', () => {
      const forged = resign(signed.envelope, rsaKey(), 'PS256', {
        header: (h) => {
          h.alg = 'PS256';
        },
      });
      failsVerification(() => verify(forged), 'SIGNATURE_INVALID');
    });

    it('untrusted root -> SIGNER_UNTRUSTED', () => {
      const stranger = selfSignedSigner('ecdsa-p256', NOW).chain[0]!;
      const error = failsVerification(
        () => verify(signed.envelope, { roots: [stranger] }),
        'SIGNER_UNTRUSTED',
      );
      assert.match(error.message, /not a trusted root/);
      failsVerification(() => verify(signed.envelope, { roots: [] }), 'SIGNER_UNTRUSTED');
    });

    it('a chain whose root is trusted, or whose intermediate is pinned, is trusted', () => {
      const chained = caSigner(NOW);
      const envelope = sign(chained).envelope;
      assert.ok(verify(envelope, { roots: [chained.root] }));
      assert.equal(
        verify(envelope, { roots: [chained.chain[1]!] }).trustedRoot.fingerprint256,
        chained.chain[1]!.fingerprint256,
      );
      failsVerification(() => verify(envelope, { roots: [root] }), 'SIGNER_UNTRUSTED');
    });

    it('a broken chain -> CERTIFICATE_CHAIN_INVALID', () => {
      const chained = caSigner(NOW);
      const envelope = parse(sign(chained).envelope);
      envelope.header.x5c = [chained.chain[0]!, chained.root].map((c) =>
        Buffer.from(c.raw).toString('base64'),
      );
      failsVerification(
        () => verify(new TextEncoder().encode(JSON.stringify(envelope)), { roots: [chained.root] }),
        'CERTIFICATE_CHAIN_INVALID',
      );
    });

    it('expired signature -> SIGNATURE_EXPIRED (at and after the expiry time)', () => {
      failsVerification(
        () => verify(signed.envelope, { now: new Date('2026-06-02T12:00:00Z') }),
        'SIGNATURE_EXPIRED',
      );
      const error = failsVerification(
        () => verify(signed.envelope, { now: new Date('2026-06-03T00:00:00Z') }),
        'SIGNATURE_EXPIRED',
      );
      assert.match(error.message, /expired at 2026-06-02T12:00:00Z/);
    });

    it('certificate not valid now -> CERTIFICATE_EXPIRED', () => {
      failsVerification(
        () => verify(signed.envelope, { now: new Date('2027-06-03T00:00:00Z') }),
        'CERTIFICATE_EXPIRED',
      );
      // signed "before" the certificate existed (a signing time the signer claimed)
      const early = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h['io.cncf.notary.signingTime'] = '2025-01-01T00:00:00Z';
        },
      });
      const error = failsVerification(() => verify(early), 'CERTIFICATE_EXPIRED');
      assert.match(error.message, /at the signing time 2025-01-01T00:00:00Z/);
    });

    it('wrong descriptor -> SIGNATURE_SUBJECT_MISMATCH', () => {
      const other = { ...ARTIFACT, digest: digestOf(new TextEncoder().encode('another')) };
      const error = failsVerification(
        () => verify(signed.envelope, { descriptor: other }),
        'SIGNATURE_SUBJECT_MISMATCH',
      );
      assert.match(error.message, new RegExp(`the signature is for ${ARTIFACT.digest}`));
      failsVerification(
        () => verify(signed.envelope, { descriptor: { ...ARTIFACT, size: 1 } }),
        'SIGNATURE_SUBJECT_MISMATCH',
      );
      failsVerification(
        () =>
          verify(signed.envelope, {
            descriptor: { ...ARTIFACT, mediaType: 'application/vnd.oci.image.index.v1+json' },
          }),
        'SIGNATURE_SUBJECT_MISMATCH',
      );
    });

    it('unknown critical header, verification plugin, other signing scheme -> SIGNATURE_UNSUPPORTED', () => {
      const unknown = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h['com.example.mustUnderstand'] = true;
          h.crit = [...(h.crit as string[]), 'com.example.mustUnderstand'];
        },
      });
      failsVerification(() => verify(unknown), 'SIGNATURE_UNSUPPORTED');
      const plugin = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h['io.cncf.notary.verificationPlugin'] = 'com.example.plugin';
          h.crit = [...(h.crit as string[]), 'io.cncf.notary.verificationPlugin'];
        },
      });
      failsVerification(() => verify(plugin), 'SIGNATURE_UNSUPPORTED');
      const authority = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h['io.cncf.notary.signingScheme'] = 'notary.x509.signingAuthority';
        },
      });
      failsVerification(() => verify(authority), 'SIGNATURE_UNSUPPORTED');
      const cty = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h.cty = 'application/json';
        },
      });
      failsVerification(() => verify(cty), 'SIGNATURE_UNSUPPORTED');
      const none = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h.alg = 'none';
        },
      });
      failsVerification(() => verify(none), 'SIGNATURE_UNSUPPORTED');
    });

    it('malformed envelopes -> SIGNATURE_MALFORMED', () => {
      const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
      const envelope = parse(signed.envelope);
      failsVerification(() => verify(new TextEncoder().encode('not json')), 'SIGNATURE_MALFORMED');
      failsVerification(() => verify(encode({ ...envelope, signatures: [] })), 'SIGNATURE_MALFORMED');
      failsVerification(() => verify(encode({ ...envelope, header: { x5c: [] } })), 'SIGNATURE_MALFORMED');
      failsVerification(
        () => verify(encode({ ...envelope, header: { x5c: ['!!'] } })),
        'SIGNATURE_MALFORMED',
      );
      failsVerification(
        () => verify(encode({ ...envelope, header: { x5c: ['AAAA'] } })),
        'SIGNATURE_MALFORMED',
      );
      failsVerification(() => verify(encode({ ...envelope, payload: 'a+b/' })), 'SIGNATURE_MALFORMED');
      const expiryNotCritical = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          h.crit = ['io.cncf.notary.signingScheme'];
        },
      });
      failsVerification(() => verify(expiryNotCritical), 'SIGNATURE_MALFORMED');
      const noTime = resign(signed.envelope, signer.key, 'ES256', {
        header: (h) => {
          delete h['io.cncf.notary.signingTime'];
        },
      });
      failsVerification(() => verify(noTime), 'SIGNATURE_MALFORMED');
      const noTarget = resign(signed.envelope, signer.key, 'ES256', {
        payload: (p) => {
          delete p.targetArtifact;
        },
      });
      failsVerification(() => verify(noTarget), 'SIGNATURE_MALFORMED');
    });

    it('signature manifests of other formats are recognised', () => {
      const manifest = JSON.parse(text(signed.manifest)) as ImageManifest;
      manifest.layers[0]!.mediaType = 'application/cose';
      failsVerification(
        () => parseNotarySignatureManifest(new TextEncoder().encode(JSON.stringify(manifest))),
        'SIGNATURE_UNSUPPORTED',
      );
      manifest.artifactType = 'application/spdx+json';
      failsVerification(
        () => parseNotarySignatureManifest(new TextEncoder().encode(JSON.stringify(manifest))),
        'SIGNATURE_MALFORMED',
      );
    });
  });
});
