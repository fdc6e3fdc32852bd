import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  certificateDetails,
  certificateNotValidAt,
  codeSigningChainProblem,
  isIssuedBy,
  isSelfSigned,
  subjectLine,
} from '../../../src/signing/certificate-profile.ts';
import {
  certificatesToPem,
  certificateThumbprint,
  createSelfSignedCertificate,
  encodeName,
  issueCertificate,
  loadCertificates,
} from '../../../src/signing/certificates.ts';
import { generateKeyPair, KEY_ALGORITHMS, publicKeysEqual } from '../../../src/signing/keys.ts';
import { NOTATION_CERTIFICATE } from './peer-fixtures.ts';
import { caSigner, rsaKey, SUBJECT, throwsManifesto } from './support.ts';

describe('certificates', () => {
  for (const algorithm of KEY_ALGORITHMS) {
    it(`makes a self-signed code-signing certificate for a ${algorithm} key, as notation requires`, () => {
      const { privateKey, publicKey } = generateKeyPair(algorithm);
      const now = new Date('2026-03-01T12:00:00Z');
      const certificate = createSelfSignedCertificate({ privateKey, subject: SUBJECT, now });
      assert.equal(certificate.subject, 'C=US\nST=WA\nL=Seattle\nO=Manifesto Test\nCN=manifesto signer');
      assert.equal(certificate.issuer, certificate.subject);
      assert.ok(publicKeysEqual(certificate.publicKey, publicKey));
      assert.equal(certificate.ca, false);
      assert.deepEqual(certificate.keyUsage, ['1.3.6.1.5.5.7.3.3']); // node reports the extKeyUsage
      assert.equal(certificate.validFromDate.toISOString(), '2026-03-01T11:59:00.000Z');
      assert.equal(certificate.validToDate.toISOString(), '2027-03-01T11:59:00.000Z');
      assert.ok(isSelfSigned(certificate));
      const details = certificateDetails(certificate);
      assert.deepEqual(details.basicConstraints, { critical: true, ca: false, pathLength: undefined });
      assert.equal(details.keyUsage?.critical, true);
      assert.deepEqual([...(details.keyUsage?.usages ?? [])], ['digitalSignature']);
      assert.deepEqual(details.extKeyUsage, { critical: false, oids: ['1.3.6.1.5.5.7.3.3'] });
      assert.equal(details.subjectKeyIdentifier?.length, 20);
      const problem = codeSigningChainProblem([certificate]);
      if (algorithm === 'ed25519')
        assert.match(problem ?? '', /Ed25519 key, which the Notary Project does not allow/);
      else assert.equal(problem, undefined);
    });
  }

  it('signs certificates with the hash that matches the issuer key', () => {
    const algorithms = [
      [generateKeyPair('ecdsa-p256').privateKey, 'ecdsa-with-SHA256'],
      [generateKeyPair('ecdsa-p384').privateKey, 'ecdsa-with-SHA384'],
      [generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'ecdsa-with-SHA512'],
      [generateKeyPair('ed25519').privateKey, 'ED25519'],
      [rsaKey(), 'sha256WithRSAEncryption'],
    ] as const;
    const oids = [
      '1.2.840.10045.4.3.2',
      '1.2.840.10045.4.3.3',
      '1.2.840.10045.4.3.4',
      '1.3.101.112',
      '1.2.840.113549.1.1.11',
    ];
    algorithms.forEach(([privateKey, name], index) => {
      const certificate = createSelfSignedCertificate({ privateKey, subject: { commonName: 'x' } });
      assert.equal(certificateDetails(certificate).signatureAlgorithm, oids[index]);
      assert.ok(certificate.verify(certificate.publicKey), name);
    });
  });

  it('issues CA and leaf certificates that chain (root, intermediate with pathLen 0, leaf)', () => {
    const { chain, root } = caSigner();
    const [leaf, intermediate] = chain as [X509Certificate, X509Certificate, X509Certificate];
    assert.equal(root.ca, true);
    assert.deepEqual(certificateDetails(intermediate).basicConstraints, {
      critical: true,
      ca: true,
      pathLength: 0,
    });
    assert.deepEqual([...(certificateDetails(root).keyUsage?.usages ?? [])], ['keyCertSign', 'cRLSign']);
    assert.ok(isIssuedBy(leaf, intermediate));
    assert.ok(isIssuedBy(intermediate, root));
    assert.ok(!isIssuedBy(leaf, root));
    assert.ok(leaf.checkIssued(intermediate), 'OpenSSL agrees the leaf is issued by the intermediate');
    assert.equal(leaf.issuer, intermediate.subject);
    assert.equal(codeSigningChainProblem(chain), undefined);
  });

  it('reports each violation of the Notary Project certificate requirements', () => {
    const { chain, root } = caSigner();
    const [leaf, intermediate] = chain as [X509Certificate, X509Certificate, X509Certificate];
    assert.match(codeSigningChainProblem([leaf, root]) ?? '', /is not issued by/);
    assert.match(codeSigningChainProblem([leaf, intermediate]) ?? '', /must end with a self-signed root/);
    assert.match(codeSigningChainProblem([root]) ?? '', /is a CA certificate/);
    assert.match(codeSigningChainProblem([root, root]) ?? '', /self-signed but is not the last/);
    assert.equal(codeSigningChainProblem([]), 'the certificate chain is empty');
    // a CA whose pathLenConstraint 0 forbids the intermediate below it
    const rootKey = generateKeyPair();
    const strictRoot = createSelfSignedCertificate({
      privateKey: rootKey.privateKey,
      subject: { commonName: 'strict root' },
      profile: 'ca',
    });
    const lenient = generateKeyPair();
    const constrained = issueCertificate({
      publicKey: lenient.publicKey,
      subject: { commonName: 'constrained' },
      issuer: { certificate: strictRoot, privateKey: rootKey.privateKey },
      profile: 'ca',
      pathLength: 0,
    });
    const middle = generateKeyPair();
    const middleCertificate = issueCertificate({
      publicKey: middle.publicKey,
      subject: { commonName: 'middle' },
      issuer: { certificate: constrained, privateKey: lenient.privateKey },
      profile: 'ca',
    });
    const leafKey = generateKeyPair();
    const deepLeaf = issueCertificate({
      publicKey: leafKey.publicKey,
      subject: { commonName: 'deep leaf' },
      issuer: { certificate: middleCertificate, privateKey: middle.privateKey },
    });
    assert.match(
      codeSigningChainProblem([deepLeaf, middleCertificate, constrained, strictRoot]) ?? '',
      /pathLenConstraint 0 is shorter/,
    );
    // a leaf issued with the CA profile is refused as a signing certificate
    const caLeaf = issueCertificate({
      publicKey: leafKey.publicKey,
      subject: { commonName: 'ca leaf' },
      issuer: { certificate: strictRoot, privateKey: rootKey.privateKey },
      profile: 'ca',
    });
    assert.match(codeSigningChainProblem([caLeaf, strictRoot]) ?? '', /is a CA certificate/);
  });

  it('reads certificates notation made (RSA, subject C/ST/L/O/CN, keyUsage digitalSignature)', () => {
    const [certificate] = loadCertificates(NOTATION_CERTIFICATE);
    assert.ok(certificate);
    assert.equal(subjectLine(certificate), 'C=US, ST=WA, L=Seattle, O=Notary, CN=notexp');
    const details = certificateDetails(certificate);
    assert.deepEqual([...(details.keyUsage?.usages ?? [])], ['digitalSignature']);
    assert.equal(details.basicConstraints, undefined);
    assert.equal(codeSigningChainProblem([certificate]), undefined);
  });

  it('checks validity periods', () => {
    const { privateKey } = generateKeyPair();
    const certificate = createSelfSignedCertificate({
      privateKey,
      subject: SUBJECT,
      validity: { notBefore: new Date('2030-01-01T00:00:00Z'), days: 1 },
    });
    assert.equal(certificate.validToDate.toISOString(), '2030-01-02T00:00:00.000Z');
    assert.equal(certificateNotValidAt([certificate], new Date('2030-01-01T12:00:00Z')), undefined);
    assert.equal(certificateNotValidAt([certificate], new Date('2029-12-31T23:59:59Z')), certificate);
    assert.equal(certificateNotValidAt([certificate], new Date('2030-01-02T00:00:01Z')), certificate);
    throwsManifesto(
      () =>
        createSelfSignedCertificate({
          privateKey,
          subject: SUBJECT,
          validity: {
            notBefore: new Date('2030-01-02T00:00:00Z'),
            notAfter: new Date('2030-01-01T00:00:00Z'),
          },
        }),
      'CERTIFICATE_INVALID',
      'usage',
    );
    // dates from 2050 are GeneralizedTime
    const late = createSelfSignedCertificate({
      privateKey,
      subject: SUBJECT,
      validity: { notBefore: new Date('2049-12-31T00:00:00Z'), notAfter: new Date('2051-06-01T00:00:00Z') },
    });
    assert.equal(late.validToDate.toISOString(), '2051-06-01T00:00:00.000Z');
  });

  it('validates subjects and issuers', () => {
    throwsManifesto(() => encodeName({ commonName: '' }), 'CERTIFICATE_INVALID', 'usage');
    throwsManifesto(() => encodeName({ commonName: 'x', country: 'USA' }), 'CERTIFICATE_INVALID', 'usage');
    const { privateKey, publicKey } = generateKeyPair();
    throwsManifesto(
      () => createSelfSignedCertificate({ privateKey: publicKey, subject: SUBJECT }),
      'KEY_NOT_PRIVATE',
      'usage',
    );
    const certificate = createSelfSignedCertificate({ privateKey, subject: SUBJECT, profile: 'ca' });
    throwsManifesto(
      () =>
        issueCertificate({
          publicKey,
          subject: SUBJECT,
          issuer: { certificate, privateKey: generateKeyPair().privateKey },
        }),
      'KEY_CERTIFICATE_MISMATCH',
      'usage',
    );
  });

  it('loads PEM bundles and DER, writes PEM, computes SHA-256 thumbprints', () => {
    const { chain } = caSigner();
    const pem = certificatesToPem(chain);
    const loaded = loadCertificates(pem);
    assert.deepEqual(
      loaded.map((c) => c.fingerprint256),
      chain.map((c) => c.fingerprint256),
    );
    assert.equal(
      loadCertificates(new Uint8Array(chain[0]!.raw))[0]?.fingerprint256,
      chain[0]!.fingerprint256,
    );
    assert.equal(
      certificateThumbprint(chain[0]!),
      chain[0]!.fingerprint256.replaceAll(':', '').toLowerCase(),
    );
    throwsManifesto(() => loadCertificates('no certificate here'), 'CERTIFICATE_INVALID', 'usage');
    throwsManifesto(
      () => loadCertificates('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      'CERTIFICATE_INVALID',
      'usage',
    );
    assert.ok(new X509Certificate(pem)); // node reads the first certificate of the bundle
  });
});
