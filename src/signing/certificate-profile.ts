/**
 * What node:crypto's X509Certificate does not expose, read from the DER: the raw subject and issuer
 * names, the signature algorithm, and the extensions the Notary Project certificate requirements look
 * at (basicConstraints, keyUsage, extendedKeyUsage, each with its critical flag). And the checks of
 * those requirements (notaryproject specs/signature-specification.md, "Certificate Requirements"),
 * as notation-core-go applies them.
 */
import type { X509Certificate } from 'node:crypto';
import {
  children,
  expectTag,
  readBits,
  readBoolean,
  readOid,
  readOne,
  readSmallInteger,
  TAG,
} from './der.ts';
import { describeKey } from './keys.ts';

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  ecdsaWithSha1: '1.2.840.10045.4.1',
} as const;

export type KeyUsageBit =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/** RFC 5280 4.2.1.3, in bit order. */
const KEY_USAGE_BITS: readonly KeyUsageBit[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

export interface CertificateExtensions {
  basicConstraints?: { critical: boolean; ca: boolean; pathLength?: number | undefined } | undefined;
  keyUsage?: { critical: boolean; usages: ReadonlySet<KeyUsageBit> } | undefined;
  extKeyUsage?: { critical: boolean; oids: readonly string[] } | undefined;
  subjectKeyIdentifier?: Uint8Array | undefined;
}

export interface CertificateDetails extends CertificateExtensions {
  /** DER of the subject Name, as it appears in the certificate. */
  subjectName: Uint8Array;
  /** DER of the issuer Name. */
  issuerName: Uint8Array;
  signatureAlgorithm: string;
}

/** Reads the DER of a certificate; throws (a DerError) when it is not a well-formed certificate. */
export function certificateDetails(certificate: X509Certificate): CertificateDetails {
  const outer = children(expectTag(readOne(new Uint8Array(certificate.raw)), TAG.sequence, 'Certificate'));
  const tbs = children(expectTag(outer[0], TAG.sequence, 'TBSCertificate'));
  const algorithm = children(expectTag(outer[1], TAG.sequence, 'AlgorithmIdentifier'));
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  i += 2; // serialNumber, signature
  const issuerName = expectTag(tbs[i++], TAG.sequence, 'issuer Name').bytes;
  i++; // validity
  const subjectName = expectTag(tbs[i++], TAG.sequence, 'subject Name').bytes;
  const details: CertificateDetails = {
    subjectName,
    issuerName,
    signatureAlgorithm: readOid(expectTag(algorithm[0], TAG.oid, 'signature algorithm')),
  };
  const extensionsWrapper = tbs.slice(i).find((e) => e.tag === 0xa3);
  if (!extensionsWrapper) return details;
  const list = children(expectTag(children(extensionsWrapper)[0], TAG.sequence, 'Extensions'));
  for (const extension of list) {
    const parts = children(expectTag(extension, TAG.sequence, 'Extension'));
    const id = readOid(expectTag(parts[0], TAG.oid, 'extension id'));
    const critical = parts.length === 3 ? readBoolean(expectTag(parts[1], TAG.boolean, 'critical')) : false;
    const value = expectTag(parts[parts.length - 1], TAG.octetString, 'extension value').content;
    switch (id) {
      case OID.basicConstraints: {
        const fields = children(expectTag(readOne(value), TAG.sequence, 'BasicConstraints'));
        let ca = false;
        let pathLength: number | undefined;
        for (const field of fields) {
          if (field.tag === TAG.boolean) ca = readBoolean(field);
          else if (field.tag === TAG.integer) pathLength = readSmallInteger(field);
        }
        details.basicConstraints = { critical, ca, pathLength };
        break;
      }
      case OID.keyUsage: {
        const bits = readBits(readOne(value));
        const usages = new Set<KeyUsageBit>();
        bits.forEach((set, index) => {
          const name = KEY_USAGE_BITS[index];
          if (set && name) usages.add(name);
        });
        details.keyUsage = { critical, usages };
        break;
      }
      case OID.extKeyUsage:
        details.extKeyUsage = {
          critical,
          oids: children(expectTag(readOne(value), TAG.sequence, 'ExtKeyUsageSyntax')).map(readOid),
        };
        break;
      case OID.subjectKeyIdentifier:
        details.subjectKeyIdentifier = expectTag(readOne(value), TAG.octetString, 'KeyIdentifier').content;
        break;
      default:
        break;
    }
  }
  return details;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Whether `child` names `parent` as its issuer and carries a valid signature by `parent`'s key. */
export function isIssuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    if (!sameBytes(certificateDetails(child).issuerName, certificateDetails(parent).subjectName))
      return false;
    return child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

export function isSelfSigned(certificate: X509Certificate): boolean {
  return isIssuedBy(certificate, certificate);
}

/** Display name of a certificate: its subject on one line ("C=US, ST=WA, O=..., CN=..."). */
export function subjectLine(certificate: X509Certificate): string {
  return certificate.subject.split('\n').join(', ');
}

/** A signing leaf may assert digitalSignature (and nonRepudiation), nothing else. */
const ALLOWED_LEAF_USAGES: ReadonlySet<KeyUsageBit> = new Set(['digitalSignature', 'nonRepudiation']);
const FORBIDDEN_LEAF_USAGES: readonly KeyUsageBit[] = KEY_USAGE_BITS.filter(
  (bit) => !ALLOWED_LEAF_USAGES.has(bit),
);

const FORBIDDEN_CODE_SIGNING_EKUS: Readonly<Record<string, string>> = {
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  [OID.emailProtection]: 'emailProtection',
  [OID.timeStamping]: 'timeStamping',
  [OID.ocspSigning]: 'OCSPSigning',
};

function leafProblem(certificate: X509Certificate, details: CertificateDetails): string | undefined {
  const name = `certificate "${subjectLine(certificate)}"`;
  if (details.basicConstraints?.ca) return `${name} is a CA certificate; a signing certificate must not be`;
  if (!details.keyUsage) return `${name} has no keyUsage extension`;
  if (!details.keyUsage.critical) return `${name}: the keyUsage extension must be critical`;
  if (!details.keyUsage.usages.has('digitalSignature')) {
    return `${name}: keyUsage must include digitalSignature`;
  }
  const extra = FORBIDDEN_LEAF_USAGES.filter((u) => details.keyUsage?.usages.has(u));
  if (extra.length > 0)
    return `${name}: keyUsage must be digitalSignature only, it also has ${extra.join(', ')}`;
  for (const oid of details.extKeyUsage?.oids ?? []) {
    const forbidden = FORBIDDEN_CODE_SIGNING_EKUS[oid];
    if (forbidden) return `${name}: extendedKeyUsage must not contain ${forbidden}`;
  }
  try {
    const key = describeKey(certificate.publicKey);
    if (key.type === 'ed25519') return `${name} has an Ed25519 key, which the Notary Project does not allow`;
  } catch (error) {
    return `${name}: ${(error as Error).message}`;
  }
  return undefined;
}

function caProblem(
  certificate: X509Certificate,
  details: CertificateDetails,
  depth: number,
): string | undefined {
  const name = `CA certificate "${subjectLine(certificate)}"`;
  const constraints = details.basicConstraints;
  if (!constraints?.ca) return `${name} lacks basicConstraints with cA true`;
  if (!constraints.critical) return `${name}: basicConstraints must be critical`;
  if (constraints.pathLength !== undefined && constraints.pathLength < depth) {
    return `${name}: its pathLenConstraint ${constraints.pathLength} is shorter than the chain below it`;
  }
  if (!details.keyUsage) return `${name} has no keyUsage extension`;
  if (!details.keyUsage.critical) return `${name}: the keyUsage extension must be critical`;
  if (!details.keyUsage.usages.has('keyCertSign')) return `${name}: keyUsage must include keyCertSign`;
  return undefined;
}

/**
 * Checks an ordered chain (signing certificate first, root last) against the Notary Project
 * certificate requirements, without trust or time: issuance, a self-signed root, the leaf and CA
 * profiles, no SHA-1. Returns the first problem found, or undefined when the chain is acceptable.
 */
export function codeSigningChainProblem(chain: readonly X509Certificate[]): string | undefined {
  if (chain.length === 0) return 'the certificate chain is empty';
  let details: CertificateDetails[];
  try {
    details = chain.map(certificateDetails);
  } catch (error) {
    return `a certificate of the chain cannot be parsed: ${(error as Error).message}`;
  }
  for (const [index, certificate] of chain.entries()) {
    const detail = details[index]!;
    if (detail.signatureAlgorithm === OID.sha1WithRsa || detail.signatureAlgorithm === OID.ecdsaWithSha1) {
      return `certificate "${subjectLine(certificate)}" is signed with SHA-1`;
    }
    const last = index === chain.length - 1;
    if (last) {
      if (!isSelfSigned(certificate)) {
        return `the chain must end with a self-signed root certificate; "${subjectLine(certificate)}" is not`;
      }
    } else {
      if (isSelfSigned(certificate)) {
        return `certificate "${subjectLine(certificate)}" is self-signed but is not the last of the chain`;
      }
      const parent = chain[index + 1]!;
      if (!isIssuedBy(certificate, parent)) {
        return `certificate "${subjectLine(certificate)}" is not issued by "${subjectLine(parent)}"`;
      }
    }
    const problem =
      index === 0 ? leafProblem(certificate, detail) : caProblem(certificate, detail, index - 1);
    if (problem) return problem;
  }
  return undefined;
}

/** The first certificate of the chain not valid at `time`, if any. */
export function certificateNotValidAt(
  chain: readonly X509Certificate[],
  time: Date,
): X509Certificate | undefined {
  const t = time.getTime();
  return chain.find((c) => t < c.validFromDate.getTime() || t > c.validToDate.getTime());
}
