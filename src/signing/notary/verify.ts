/**
 * Verifies a Notary Project JWS signature envelope (signing scheme `notary.x509`) against trusted
 * root certificates, following trust-store-trust-policy.md "Signature Verification" at the `strict`
 * level, in this order:
 *
 * 1. integrity: the envelope parses, headers are supported (`cty`, signing scheme, every `crit`
 *    header understood), `alg` matches the signing certificate's key, the signature verifies;
 * 2. the chain meets the certificate requirements (issuance, self-signed root, leaf and CA profiles);
 * 3. authenticity: a certificate of the chain is one of the trusted roots;
 * 4. validity: every certificate is valid now and was at the signing time (no timestamp authority
 *    support: a TSA countersignature, if present, is ignored, which is the stricter choice);
 * 5. expiry: `io.cncf.notary.expiry` has not passed;
 * 6. the payload's `targetArtifact` names the expected artifact (mediaType, digest, size).
 *
 * Trusted identities (x509.subject of the trust policy) are the caller's business: the signer
 * certificate is returned.
 */
import { X509Certificate } from 'node:crypto';
import type { Descriptor } from '../../oci/descriptor.ts';
import { tryParseDigest } from '../../oci/digest.ts';
import { isRecord } from '../../util/json-record.ts';
import { certificateNotValidAt, codeSigningChainProblem, subjectLine } from '../certificate-profile.ts';
import { formatSeconds, fromBase64, fromBase64Url, parseJson, parseRfc3339, utf8 } from '../encoding.ts';
import { verificationFailure } from '../errors.ts';
import { isNotaryAlgorithm, jwsVerify, type NotaryAlgorithm, notaryAlgorithmForKey } from './algorithms.ts';
import {
  CRITICAL_WHEN_PRESENT,
  ENVELOPE_MEMBERS,
  HEADER,
  NOTARY_PAYLOAD_MEDIA_TYPE,
  SIGNING_SCHEME_SIGNING_AUTHORITY,
  SIGNING_SCHEME_X509,
} from './constants.ts';

export interface VerifyNotaryOptions {
  /** The JWS envelope (the signature manifest's layer). */
  envelope: Uint8Array;
  /** The artifact the signature must be for (mediaType, digest, size are compared). */
  descriptor: Descriptor;
  /** Trusted certificates (normally roots; an intermediate pins that intermediate). */
  trustedRoots: readonly X509Certificate[];
  /** Default: now. */
  now?: Date | undefined;
}

export interface VerifiedNotarySignature {
  /** The signed descriptor, with its signed annotations. */
  targetArtifact: Descriptor;
  algorithm: NotaryAlgorithm;
  signingScheme: string;
  /** The signer's claimed (unauthenticated) signing time. */
  signingTime: Date;
  expiry?: Date | undefined;
  /** The certificate chain of the envelope, signing certificate first. */
  chain: X509Certificate[];
  /** The signing certificate (first of the chain). */
  signer: X509Certificate;
  /** The trusted certificate the chain leads to. */
  trustedRoot: X509Certificate;
  signingAgent?: string | undefined;
}

interface ParsedEnvelope {
  protectedText: string;
  payloadText: string;
  header: Record<string, unknown>;
  unprotected: Record<string, unknown>;
  payload: unknown;
  signature: Uint8Array;
  chain: X509Certificate[];
}

const malformed = (why: string) =>
  verificationFailure('SIGNATURE_MALFORMED', `malformed Notary Project signature envelope: ${why}`);

function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const envelope = parseJson(bytes);
  if (!isRecord(envelope)) throw malformed('not a JSON object');
  const extra = Object.keys(envelope).filter((k) => !ENVELOPE_MEMBERS.includes(k));
  if (extra.length > 0) throw malformed(`unexpected top-level members ${extra.join(', ')}`);
  const { payload, protected: protectedText, header: unprotected, signature } = envelope;
  if (typeof payload !== 'string' || typeof protectedText !== 'string' || typeof signature !== 'string') {
    throw malformed('payload, protected and signature must be strings');
  }
  if (!isRecord(unprotected)) throw malformed('the unprotected header is missing');
  const headerBytes = fromBase64Url(protectedText);
  const payloadBytes = fromBase64Url(payload);
  const signatureBytes = fromBase64Url(signature);
  if (!headerBytes || !payloadBytes || !signatureBytes) throw malformed('a member is not base64url');
  const header = parseJson(headerBytes);
  if (!isRecord(header)) throw malformed('the protected header is not a JSON object');
  const x5c = unprotected[HEADER.x5c];
  if (!Array.isArray(x5c) || x5c.length === 0) throw malformed('the x5c certificate chain is missing');
  const chain = x5c.map((entry, index) => {
    const der = typeof entry === 'string' ? fromBase64(entry) : undefined;
    if (!der) throw malformed(`x5c[${index}] is not base64`);
    try {
      return new X509Certificate(der);
    } catch {
      throw malformed(`x5c[${index}] is not an X.509 certificate`);
    }
  });
  return {
    protectedText,
    payloadText: payload,
    header,
    unprotected,
    payload: parseJson(payloadBytes),
    signature: signatureBytes,
    chain,
  };
}

interface CheckedHeader {
  alg: NotaryAlgorithm;
  signingScheme: string;
  signingTime: Date;
  expiry: Date | undefined;
}

function checkHeader(header: Record<string, unknown>): CheckedHeader {
  const alg = header[HEADER.alg];
  if (typeof alg !== 'string') throw malformed('the alg header is missing');
  if (!isNotaryAlgorithm(alg)) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `signature algorithm ${alg} is not one the Notary Project allows`,
    );
  }
  const cty = header[HEADER.cty];
  if (cty !== NOTARY_PAYLOAD_MEDIA_TYPE) {
    throw verificationFailure('SIGNATURE_UNSUPPORTED', `unsupported payload content type ${String(cty)}`);
  }
  const crit = header[HEADER.crit];
  if (!Array.isArray(crit) || !crit.every((c): c is string => typeof c === 'string')) {
    throw malformed('the crit header must be an array of header names');
  }
  for (const name of crit) {
    if (!(name in header)) throw malformed(`crit names ${name}, which is not in the protected header`);
    if (!CRITICAL_WHEN_PRESENT.includes(name)) {
      throw verificationFailure(
        'SIGNATURE_UNSUPPORTED',
        `the signature has a critical header manifesto does not understand: ${name}`,
      );
    }
  }
  for (const name of CRITICAL_WHEN_PRESENT) {
    if (name in header && !crit.includes(name)) throw malformed(`${name} must be listed in crit`);
  }
  if (HEADER.verificationPlugin in header) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `the signature requires the notation verification plugin ${String(header[HEADER.verificationPlugin])}`,
      'Verify it with notation and that plugin.',
    );
  }
  const signingScheme = header[HEADER.signingScheme];
  if (signingScheme === SIGNING_SCHEME_SIGNING_AUTHORITY) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `signing scheme ${SIGNING_SCHEME_SIGNING_AUTHORITY} is not supported yet`,
      'Verify it with notation.',
    );
  }
  if (signingScheme !== SIGNING_SCHEME_X509) {
    throw verificationFailure('SIGNATURE_UNSUPPORTED', `unknown signing scheme ${String(signingScheme)}`);
  }
  const signingTime = parseRfc3339(header[HEADER.signingTime]);
  if (!signingTime) throw malformed(`${HEADER.signingTime} is missing or not an RFC 3339 time`);
  let expiry: Date | undefined;
  if (HEADER.expiry in header) {
    expiry = parseRfc3339(header[HEADER.expiry]);
    if (!expiry) throw malformed(`${HEADER.expiry} is not an RFC 3339 time`);
  }
  return { alg, signingScheme, signingTime, expiry };
}

function payloadDescriptor(payload: unknown): Descriptor {
  if (!isRecord(payload) || !isRecord(payload.targetArtifact)) {
    throw malformed('the payload has no targetArtifact');
  }
  const { mediaType, digest, size, annotations, artifactType } = payload.targetArtifact;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || typeof size !== 'number') {
    throw malformed('targetArtifact needs mediaType, digest and size');
  }
  if (!tryParseDigest(digest)) throw malformed(`targetArtifact has an invalid digest ${digest}`);
  const target: Descriptor = { mediaType, digest, size };
  if (typeof artifactType === 'string') target.artifactType = artifactType;
  if (annotations !== undefined) {
    if (!isRecord(annotations) || !Object.values(annotations).every((v) => typeof v === 'string')) {
      throw malformed('targetArtifact annotations must map strings to strings');
    }
    target.annotations = annotations as Record<string, string>;
  }
  return target;
}

function trustedCertificate(
  chain: readonly X509Certificate[],
  trustedRoots: readonly X509Certificate[],
): X509Certificate | undefined {
  for (const certificate of [...chain].reverse()) {
    const raw = Buffer.from(certificate.raw);
    const trusted = trustedRoots.find((t) => raw.equals(Buffer.from(t.raw)));
    if (trusted) return trusted;
  }
  return undefined;
}

/** Verifies the envelope; returns what it asserts, or throws a 'verification' ManifestoError. */
export function verifyNotary(options: VerifyNotaryOptions): VerifiedNotarySignature {
  const now = options.now ?? new Date();
  const envelope = parseEnvelope(options.envelope);
  const header = checkHeader(envelope.header);
  const signer = envelope.chain[0]!;

  // 1. integrity
  const keyAlg = notaryAlgorithmForKey(signer.publicKey);
  if (keyAlg === undefined) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `the signing certificate "${subjectLine(signer)}" has a key the Notary Project does not allow`,
    );
  }
  if (keyAlg !== header.alg) {
    throw verificationFailure(
      'SIGNATURE_INVALID',
      `the signature claims algorithm ${header.alg} but the signing certificate's key requires ${keyAlg}`,
    );
  }
  const input = utf8(`${envelope.protectedText}.${envelope.payloadText}`);
  if (!jwsVerify(header.alg, input, signer.publicKey, envelope.signature)) {
    throw verificationFailure(
      'SIGNATURE_INVALID',
      `the signature does not verify with the key of certificate "${subjectLine(signer)}"`,
    );
  }
  const targetArtifact = payloadDescriptor(envelope.payload);

  // 2. certificate requirements
  const problem = codeSigningChainProblem(envelope.chain);
  if (problem)
    throw verificationFailure('CERTIFICATE_CHAIN_INVALID', `invalid certificate chain: ${problem}`);

  // 3. authenticity
  const trustedRoot = trustedCertificate(envelope.chain, options.trustedRoots);
  if (!trustedRoot) {
    const root = envelope.chain[envelope.chain.length - 1]!;
    throw verificationFailure(
      'SIGNER_UNTRUSTED',
      `the signature by "${subjectLine(signer)}" chains to "${subjectLine(root)}", which is not a trusted root`,
    );
  }

  // 4. validity now and at signing time
  for (const [time, when] of [
    [now, 'now'],
    [header.signingTime, `at the signing time ${formatSeconds(header.signingTime)}`],
  ] as const) {
    const invalid = certificateNotValidAt(envelope.chain, time);
    if (invalid) {
      throw verificationFailure(
        'CERTIFICATE_EXPIRED',
        `certificate "${subjectLine(invalid)}" is not valid ${when} (valid ${invalid.validFromDate.toISOString()} to ${invalid.validToDate.toISOString()})`,
      );
    }
  }

  // 5. expiry
  if (header.expiry && now.getTime() >= header.expiry.getTime()) {
    throw verificationFailure(
      'SIGNATURE_EXPIRED',
      `the signature expired at ${formatSeconds(header.expiry)}`,
    );
  }

  // 6. the artifact
  const expected = options.descriptor;
  if (
    targetArtifact.digest !== expected.digest ||
    targetArtifact.size !== expected.size ||
    targetArtifact.mediaType !== expected.mediaType
  ) {
    throw verificationFailure(
      'SIGNATURE_SUBJECT_MISMATCH',
      `the signature is for ${targetArtifact.digest} (${targetArtifact.mediaType}, ${targetArtifact.size} bytes), not ${expected.digest} (${expected.mediaType}, ${expected.size} bytes)`,
    );
  }

  const agent = envelope.unprotected[HEADER.signingAgent];
  return {
    targetArtifact,
    algorithm: header.alg,
    signingScheme: header.signingScheme,
    signingTime: header.signingTime,
    expiry: header.expiry,
    chain: envelope.chain,
    signer,
    trustedRoot,
    signingAgent: typeof agent === 'string' ? agent : undefined,
  };
}
