/**
 * X.509 certificates for signing keys, built in DER by hand (RFC 5280) and signed with node:crypto,
 * then parsed back with node:crypto's X509Certificate. Two profiles:
 *
 * - 'code-signing' (default): what the Notary Project requires of a signing certificate, and of a
 *   self-signed certificate used alone as its own root: basicConstraints cA false (critical),
 *   keyUsage digitalSignature only (critical), extendedKeyUsage codeSigning. This is what
 *   `notation cert generate-test` makes.
 * - 'ca': basicConstraints cA true (critical), keyUsage keyCertSign and cRLSign (critical).
 *
 * The subject follows notation's trust policy rules: `trustedIdentities` entries
 * (`x509.subject: C=.., ST=.., O=..`) must name at least C, ST and O, so set those for certificates
 * meant for notation.
 */
import { createHash, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isManifestoError } from '../errors/errors.ts';
import { certificateDetails } from './certificate-profile.ts';
import {
  bitString,
  booleanValue,
  children,
  explicit,
  implicit,
  nullValue,
  octetString,
  oid,
  printableString,
  readOne,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.ts';
import { keyProblem } from './errors.ts';
import { describeKey, publicKeyDer, publicKeyOf, publicKeysEqual } from './keys.ts';

export interface DistinguishedName {
  commonName: string;
  organization?: string | undefined;
  organizationalUnit?: string | undefined;
  locality?: string | undefined;
  /** State or province. */
  state?: string | undefined;
  /** Two-letter ISO 3166 country code. */
  country?: string | undefined;
}

export type CertificateProfile = 'code-signing' | 'ca';

export interface Validity {
  /** Default: one minute ago (tolerates small clock differences with verifiers). */
  notBefore?: Date | undefined;
  /** Default: notBefore plus `days`. */
  notAfter?: Date | undefined;
  /** Default 365. */
  days?: number | undefined;
}

export interface SelfSignedCertificateOptions {
  /** The key the certificate is for; it also signs the certificate. */
  privateKey: KeyObject;
  subject: DistinguishedName;
  profile?: CertificateProfile | undefined;
  validity?: Validity | undefined;
  /** For tests: the current time (default now). */
  now?: Date | undefined;
}

export interface IssueCertificateOptions {
  /** The key being certified. */
  publicKey: KeyObject;
  subject: DistinguishedName;
  issuer: { certificate: X509Certificate; privateKey: KeyObject };
  profile?: CertificateProfile | undefined;
  /** pathLenConstraint of a CA certificate. */
  pathLength?: number | undefined;
  validity?: Validity | undefined;
  now?: Date | undefined;
}

const NAME_OIDS = {
  country: '2.5.4.6',
  state: '2.5.4.8',
  locality: '2.5.4.7',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
} as const;

const EXTENSION = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

/** The subject Name, RDNs in the order notation uses: C, ST, L, O, OU, CN. */
export function encodeName(name: DistinguishedName): Uint8Array {
  if (!name.commonName)
    throw keyProblem('CERTIFICATE_INVALID', 'a certificate subject needs a common name (CN)');
  if (name.country !== undefined && !/^[A-Z]{2}$/.test(name.country)) {
    throw keyProblem(
      'CERTIFICATE_INVALID',
      `invalid country "${name.country}": use a two-letter upper-case ISO 3166 code`,
    );
  }
  const rdns: Uint8Array[] = [];
  const add = (id: string, value: string | undefined, printable = false) => {
    if (value === undefined || value === '') return;
    rdns.push(set(sequence(oid(id), printable ? printableString(value) : utf8String(value))));
  };
  add(NAME_OIDS.country, name.country, true);
  add(NAME_OIDS.state, name.state);
  add(NAME_OIDS.locality, name.locality);
  add(NAME_OIDS.organization, name.organization);
  add(NAME_OIDS.organizationalUnit, name.organizationalUnit);
  add(NAME_OIDS.commonName, name.commonName);
  return sequence(...rdns);
}

interface SignatureScheme {
  algorithm: Uint8Array;
  sign(tbs: Uint8Array, key: KeyObject): Uint8Array;
}

/** The certificate signature algorithm for the issuer's key (SHA-2 sized to the curve). */
function signatureScheme(issuerKey: KeyObject): SignatureScheme {
  const key = describeKey(issuerKey);
  switch (key.type) {
    case 'ec': {
      const [id, hash] =
        key.curve === 'P-256'
          ? ['1.2.840.10045.4.3.2', 'sha256']
          : key.curve === 'P-384'
            ? ['1.2.840.10045.4.3.3', 'sha384']
            : ['1.2.840.10045.4.3.4', 'sha512'];
      return {
        algorithm: sequence(oid(id)),
        sign: (tbs, k) => new Uint8Array(sign(hash, tbs, { key: k, dsaEncoding: 'der' })),
      };
    }
    case 'ed25519':
      return {
        algorithm: sequence(oid('1.3.101.112')),
        sign: (tbs, k) => new Uint8Array(sign(null, tbs, k)),
      };
    case 'rsa':
      return {
        algorithm: sequence(oid('1.2.840.113549.1.1.11'), nullValue()),
        sign: (tbs, k) => new Uint8Array(sign('sha256', tbs, k)),
      };
    default: {
      const unknown: never = key;
      throw keyProblem('KEY_UNSUPPORTED', `unsupported issuer key ${JSON.stringify(unknown)}`);
    }
  }
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
function keyIdentifier(publicKey: KeyObject): Uint8Array {
  const spki = children(readOne(publicKeyDer(publicKey)));
  const bits = spki[1]?.content.subarray(1) ?? new Uint8Array();
  return new Uint8Array(createHash('sha1').update(bits).digest());
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(oid(id), booleanValue(true), octetString(value))
    : sequence(oid(id), octetString(value));
}

function profileExtensions(profile: CertificateProfile, pathLength: number | undefined): Uint8Array[] {
  if (profile === 'ca') {
    return [
      extension(
        EXTENSION.basicConstraints,
        true,
        sequence(booleanValue(true), ...(pathLength === undefined ? [] : [smallInteger(pathLength)])),
      ),
      // keyCertSign (bit 5) and cRLSign (bit 6): 0b00000110, 1 unused bit
      extension(EXTENSION.keyUsage, true, bitString(Uint8Array.of(0x06), 1)),
    ];
  }
  return [
    extension(EXTENSION.basicConstraints, true, sequence()),
    // digitalSignature (bit 0): 0b10000000, 7 unused bits
    extension(EXTENSION.keyUsage, true, bitString(Uint8Array.of(0x80), 7)),
    extension(EXTENSION.extKeyUsage, false, sequence(oid(EXTENSION.codeSigning))),
  ];
}

function serialNumber(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40; // positive and exactly 16 bytes long
  return bytes;
}

function validityPeriod(validity: Validity | undefined, now: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = validity?.notBefore ?? new Date(now.getTime() - 60_000);
  const notAfter = validity?.notAfter ?? new Date(notBefore.getTime() + (validity?.days ?? 365) * 86_400_000);
  if (notAfter.getTime() <= notBefore.getTime()) {
    throw keyProblem('CERTIFICATE_INVALID', 'the certificate validity ends before it starts');
  }
  return { notBefore, notAfter };
}

interface BuildOptions {
  subjectKey: KeyObject;
  subjectName: Uint8Array;
  issuerName: Uint8Array;
  issuerKey: KeyObject;
  issuerKeyId: Uint8Array;
  profile: CertificateProfile;
  pathLength: number | undefined;
  notBefore: Date;
  notAfter: Date;
}

function build(options: BuildOptions): X509Certificate {
  const scheme = signatureScheme(options.issuerKey);
  describeKey(options.subjectKey);
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serialNumber()),
    scheme.algorithm,
    options.issuerName,
    sequence(time(options.notBefore), time(options.notAfter)),
    options.subjectName,
    publicKeyDer(options.subjectKey),
    explicit(
      3,
      sequence(
        ...profileExtensions(options.profile, options.pathLength),
        extension(EXTENSION.subjectKeyIdentifier, false, octetString(keyIdentifier(options.subjectKey))),
        extension(EXTENSION.authorityKeyIdentifier, false, sequence(implicit(0, options.issuerKeyId))),
      ),
    ),
  );
  const signature = scheme.sign(tbs, options.issuerKey);
  return new X509Certificate(sequence(tbs, scheme.algorithm, bitString(signature)));
}

/** A self-signed certificate for `privateKey` (by default a code-signing certificate). */
export function createSelfSignedCertificate(options: SelfSignedCertificateOptions): X509Certificate {
  if (options.privateKey.type !== 'private') {
    throw keyProblem('KEY_NOT_PRIVATE', 'a self-signed certificate needs the private key');
  }
  const name = encodeName(options.subject);
  const { notBefore, notAfter } = validityPeriod(options.validity, options.now ?? new Date());
  const publicKey = publicKeyOf(options.privateKey);
  return build({
    subjectKey: publicKey,
    subjectName: name,
    issuerName: name,
    issuerKey: options.privateKey,
    issuerKeyId: keyIdentifier(publicKey),
    profile: options.profile ?? 'code-signing',
    pathLength: undefined,
    notBefore,
    notAfter,
  });
}

/** A certificate for `publicKey` issued (signed) by a CA certificate and its private key. */
export function issueCertificate(options: IssueCertificateOptions): X509Certificate {
  const { certificate, privateKey } = options.issuer;
  if (!publicKeysEqual(certificate.publicKey, privateKey)) {
    throw keyProblem(
      'KEY_CERTIFICATE_MISMATCH',
      'the issuer private key does not belong to the issuer certificate',
    );
  }
  const issuer = certificateDetails(certificate);
  const { notBefore, notAfter } = validityPeriod(options.validity, options.now ?? new Date());
  return build({
    subjectKey: publicKeyOf(options.publicKey),
    subjectName: encodeName(options.subject),
    issuerName: issuer.subjectName,
    issuerKey: privateKey,
    issuerKeyId: issuer.subjectKeyIdentifier ?? keyIdentifier(certificate.publicKey),
    profile: options.profile ?? 'code-signing',
    pathLength: options.pathLength,
    notBefore,
    notAfter,
  });
}

/** PEM of certificates, concatenated in the order given. */
export function certificatesToPem(certificates: readonly X509Certificate[]): string {
  return certificates.map((c) => c.toString()).join('');
}

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every certificate of a PEM bundle (in order), or the one certificate of DER input. Throws
 * CERTIFICATE_INVALID (usage) when there is none or one cannot be parsed.
 */
export function loadCertificates(
  input: string | Uint8Array,
  source = 'the certificate file',
): X509Certificate[] {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  try {
    if (text.includes('-----BEGIN ')) {
      const blocks = text.match(CERTIFICATE_PEM) ?? [];
      if (blocks.length === 0) throw keyProblem('CERTIFICATE_INVALID', `${source} holds no PEM certificate`);
      return blocks.map((block) => new X509Certificate(block));
    }
    return [new X509Certificate(Buffer.from(input))];
  } catch (error) {
    if (isManifestoError(error)) throw error;
    throw keyProblem(
      'CERTIFICATE_INVALID',
      `cannot read ${source}: ${(error as Error).message}`,
      undefined,
      error,
    );
  }
}

/** SHA-256 of the certificate's DER, lower-case hex (the Notary Project thumbprint). */
export function certificateThumbprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('hex');
}
