// Test PKI without dependencies: a self-signed CA and leaf certificates (ECDSA P-256, SHA-256),
// DER-encoded by hand and signed with node:crypto. Used for the TLS registry and for the token
// server's JWT signing certificate (distribution verifies a token's `x5c` chain against its bundle).
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { isIP } from 'node:net';

export interface TestCertificate {
  /** DER of the certificate. */
  der: Buffer;
  /** PEM of the certificate. */
  pem: string;
  /** PKCS#8 PEM of the private key. */
  keyPem: string;
  privateKey: KeyObject;
  subject: string;
}

export interface LeafOptions {
  /** Subject common name. */
  commonName: string;
  /** DNS names and IP addresses for subjectAltName (server certificates). */
  altNames?: string[];
  /** Adds extendedKeyUsage serverAuth. */
  server?: boolean;
  validDays?: number;
}

const OID = {
  commonName: '2.5.4.3',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);
const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);
const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);
const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), bytes);
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);

function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1] ?? 0) < 0x80) start++;
  const minimal = bytes.subarray(start);
  return tlv(0x02, (minimal[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const text = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

const name = (commonName: string): Buffer =>
  sequence(set(sequence(oid(OID.commonName), tlv(0x0c, Buffer.from(commonName, 'utf8')))));

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  critical ? sequence(oid(id), booleanTrue(), octetString(value)) : sequence(oid(id), octetString(value));

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand '::' then pack 8 groups.
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function subjectAltName(names: string[]): Buffer {
  return sequence(
    ...names.map((n) => (isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n, 'ascii')))),
  );
}

function keyIdentifier(key: KeyObject): Buffer {
  return createHash('sha1')
    .update(createPublicKey(key).export({ type: 'spki', format: 'der' }))
    .digest();
}

function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40; // positive, minimal, non-zero
  return bytes;
}

const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)
    ?.join('\n')}\n-----END CERTIFICATE-----\n`;

interface Issuer {
  subject: string;
  privateKey: KeyObject;
  keyId: Buffer;
}

function issue(
  subject: string,
  subjectKey: KeyObject,
  issuer: Issuer | undefined,
  extensions: Buffer[],
  validDays: number,
): Buffer {
  const signer: Issuer = issuer ?? { subject, privateKey: subjectKey, keyId: keyIdentifier(subjectKey) };
  const signatureAlgorithm = sequence(oid(OID.ecdsaWithSha256));
  const now = Date.now();
  const spki = createPublicKey(subjectKey).export({ type: 'spki', format: 'der' });
  const allExtensions = [
    ...extensions,
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(subjectKey))),
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, signer.keyId))),
  ];
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serialNumber()),
    signatureAlgorithm,
    name(signer.subject),
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + validDays * 86_400_000))),
    name(subject),
    spki,
    explicit(3, sequence(...allExtensions)),
  );
  const signature = sign('sha256', tbs, { key: signer.privateKey, dsaEncoding: 'der' });
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}

function newKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function certificate(der: Buffer, privateKey: KeyObject, subject: string): TestCertificate {
  return {
    der,
    pem: toPem(der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    privateKey,
    subject,
  };
}

export interface TestCertificateAuthority extends TestCertificate {
  issueLeaf(options: LeafOptions): TestCertificate;
}

/** A self-signed CA (basicConstraints CA:true, keyCertSign) that issues leaf certificates. */
export function createCertificateAuthority(
  commonName = 'manifesto test CA',
  validDays = 7,
): TestCertificateAuthority {
  const privateKey = newKey();
  const der = issue(
    commonName,
    privateKey,
    undefined,
    [
      extension(OID.basicConstraints, true, sequence(booleanTrue())),
      // digitalSignature (bit 0), keyCertSign (bit 5), cRLSign (bit 6): 0b10000110, 1 unused bit
      extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
    ],
    validDays,
  );
  const ca = certificate(der, privateKey, commonName);
  const issuer: Issuer = { subject: commonName, privateKey, keyId: keyIdentifier(privateKey) };
  return {
    ...ca,
    issueLeaf(options: LeafOptions): TestCertificate {
      const key = newKey();
      const extensions = [
        extension(OID.basicConstraints, true, sequence()),
        // digitalSignature only: 0b10000000, 7 unused bits
        extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
      ];
      if (options.server) extensions.push(extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))));
      if (options.altNames?.length) {
        extensions.push(extension(OID.subjectAltName, false, subjectAltName(options.altNames)));
      }
      const leafDer = issue(options.commonName, key, issuer, extensions, options.validDays ?? validDays);
      return certificate(leafDer, key, options.commonName);
    },
  };
}
