import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSelfSignedCertificate } from '../../../src/signing/certificates.ts';
import {
  describeKey,
  generateKeyPair,
  isKeyAlgorithm,
  KEY_ALGORITHMS,
  loadPrivateKey,
  loadPublicKey,
  privateKeyToPem,
  publicKeyDer,
  publicKeyHint,
  publicKeysEqual,
  publicKeyToPem,
} from '../../../src/signing/keys.ts';
import { COSIGN_P256_PUBLIC_KEY } from './peer-fixtures.ts';
import { SUBJECT, throwsManifesto } from './support.ts';

describe('signing keys', () => {
  it('generates ECDSA P-256 by default, P-384 and Ed25519 on request', () => {
    assert.deepEqual(describeKey(generateKeyPair().privateKey), {
      type: 'ec',
      curve: 'P-256',
      bits: 256,
      name: 'ECDSA P-256',
    });
    assert.equal(describeKey(generateKeyPair('ecdsa-p384').publicKey).name, 'ECDSA P-384');
    assert.deepEqual(describeKey(generateKeyPair('ed25519').privateKey), {
      type: 'ed25519',
      name: 'Ed25519',
    });
    assert.deepEqual(KEY_ALGORITHMS, ['ecdsa-p256', 'ecdsa-p384', 'ed25519']);
    assert.equal(isKeyAlgorithm('ecdsa-p384'), true);
    assert.equal(isKeyAlgorithm('rsa'), false);
  });

  for (const algorithm of KEY_ALGORITHMS) {
    it(`round-trips a ${algorithm} key through PKCS#8 and SPKI PEM`, () => {
      const { privateKey, publicKey } = generateKeyPair(algorithm);
      const pem = privateKeyToPem(privateKey);
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
      const loaded = loadPrivateKey(pem);
      const publicPem = publicKeyToPem(privateKey);
      assert.match(publicPem, /^-----BEGIN PUBLIC KEY-----\n/);
      const loadedPublic = loadPublicKey(publicPem);
      assert.ok(publicKeysEqual(loadedPublic, publicKey));
      // the loaded private key signs what the original public key verifies
      const hash = algorithm === 'ed25519' ? null : 'sha256';
      const signature = sign(hash, Buffer.from('data'), loaded);
      assert.equal(verify(hash, Buffer.from('data'), publicKey, signature), true);
    });
  }

  it('encrypts a private key with a passphrase and needs the right one to load it', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const pem = privateKeyToPem(privateKey, { passphrase: 'correct horse' });
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    assert.doesNotMatch(pem, /BEGIN PRIVATE KEY/);
    const loaded = loadPrivateKey(pem, { passphrase: 'correct horse' });
    assert.ok(publicKeysEqual(loaded, publicKey));
    const missing = throwsManifesto(
      () => loadPrivateKey(pem, { source: 'qa.key' }),
      'KEY_PASSPHRASE_REQUIRED',
      'usage',
    );
    assert.match(missing.message, /qa\.key is encrypted/);
    throwsManifesto(() => loadPrivateKey(pem, { passphrase: 'wrong' }), 'KEY_PASSPHRASE_INCORRECT', 'usage');
    // an empty passphrase means "not encrypted"
    assert.match(privateKeyToPem(privateKey, { passphrase: '' }), /^-----BEGIN PRIVATE KEY-----/);
  });

  it('loads SEC1, PKCS#1 and DER private keys, and the first key of a file with more blocks', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sec1 = ec.export({ type: 'sec1', format: 'pem' }).toString();
    assert.ok(publicKeysEqual(loadPrivateKey(sec1), ec));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const pkcs1 = rsa.export({ type: 'pkcs1', format: 'pem' }).toString();
    assert.deepEqual(describeKey(loadPrivateKey(pkcs1)), { type: 'rsa', bits: 2048, name: 'RSA 2048' });
    const der = new Uint8Array(ec.export({ type: 'pkcs8', format: 'der' }));
    assert.ok(publicKeysEqual(loadPrivateKey(der), ec));
    const certificate = createSelfSignedCertificate({ privateKey: ec, subject: SUBJECT });
    assert.ok(publicKeysEqual(loadPrivateKey(`${certificate.toString()}${privateKeyToPem(ec)}`), ec));
  });

  it('refuses cosign-encrypted keys, files without keys, garbage and unsupported key types', () => {
    const cosignKey =
      '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
    const error = throwsManifesto(() => loadPrivateKey(cosignKey), 'KEY_UNSUPPORTED', 'usage');
    assert.match(error.hint ?? '', /cosign import-key-pair/);
    throwsManifesto(() => loadPrivateKey(COSIGN_P256_PUBLIC_KEY), 'KEY_INVALID', 'usage');
    throwsManifesto(
      () => loadPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      'KEY_INVALID',
      'usage',
    );
    throwsManifesto(() => loadPrivateKey(new Uint8Array([1, 2, 3])), 'KEY_INVALID', 'usage');
    const x25519 = generateKeyPairSync('x25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    throwsManifesto(() => loadPrivateKey(x25519), 'KEY_UNSUPPORTED', 'usage');
    const smallRsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    throwsManifesto(() => loadPrivateKey(smallRsa), 'KEY_UNSUPPORTED', 'usage');
    const p224 = generateKeyPairSync('ec', { namedCurve: 'secp224r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    throwsManifesto(() => loadPrivateKey(p224), 'KEY_UNSUPPORTED', 'usage');
  });

  it('loads public keys from SPKI, PKCS#1, a certificate (PEM or DER) and SPKI DER', () => {
    const { privateKey, publicKey } = generateKeyPair('ecdsa-p384');
    const certificate = createSelfSignedCertificate({ privateKey, subject: SUBJECT });
    assert.ok(publicKeysEqual(loadPublicKey(certificate.toString()), publicKey));
    assert.ok(publicKeysEqual(loadPublicKey(new Uint8Array(certificate.raw)), publicKey));
    assert.ok(publicKeysEqual(loadPublicKey(publicKeyDer(publicKey)), publicKey));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey;
    assert.ok(publicKeysEqual(loadPublicKey(rsa.export({ type: 'pkcs1', format: 'pem' }).toString()), rsa));
    assert.equal(describeKey(loadPublicKey(COSIGN_P256_PUBLIC_KEY)).name, 'ECDSA P-256');
    throwsManifesto(() => loadPublicKey('hello'), 'KEY_INVALID', 'usage');
    throwsManifesto(() => loadPublicKey(new Uint8Array([0x30, 0x00])), 'KEY_INVALID', 'usage');
  });

  it('computes the Sigstore key hint as cosign does: base64 SHA-256 of the SPKI DER', () => {
    // cosign wrote this hint into the bundle it made with this public key (peer-fixtures.ts)
    assert.equal(
      publicKeyHint(loadPublicKey(COSIGN_P256_PUBLIC_KEY)),
      '4EMR5xXOofqO3Q2Y60KRZWWbyK+KPNKA+6jCCumsLkU=',
    );
    const { privateKey, publicKey } = generateKeyPair();
    const expected = createHash('sha256').update(publicKeyDer(publicKey)).digest('base64');
    assert.equal(publicKeyHint(privateKey), expected);
    assert.equal(publicKeyHint(publicKey), expected);
  });

  it('refuses to export a public key as a private key', () => {
    throwsManifesto(() => privateKeyToPem(generateKeyPair().publicKey), 'KEY_NOT_PRIVATE', 'usage');
  });
});
