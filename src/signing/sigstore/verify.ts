/**
 * Verifies a Sigstore bundle holding a DSSE-wrapped in-toto statement against trusted public keys,
 * as `cosign verify-attestation --key KEY --insecure-ignore-tlog=true` does:
 *
 * 1. the bundle parses and passes @sigstore/bundle's structural checks (v0.1 to v0.3);
 * 2. the signer: a `publicKey` hint that names none of the trusted keys, or a certificate whose key
 *    is not one of them, is untrusted (keyless Fulcio/Rekor verification is not implemented);
 * 3. a DSSE signature verifies with a trusted key;
 * 4. the statement is about the expected image digest (and of the expected predicate type);
 * 5. for manifesto's predicate: it parses, and its `expires` has not passed.
 *
 * Transparency log entries and RFC 3161 timestamps in the bundle are not checked (they are counted).
 */
import { type KeyObject, X509Certificate } from 'node:crypto';
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { isRecord } from '../../util/json-record.ts';
import { parseJson, parseRfc3339 } from '../encoding.ts';
import { verificationFailure } from '../errors.ts';
import { publicKeyHint, publicKeysEqual } from '../keys.ts';
import { IN_TOTO_PAYLOAD_TYPE, MANIFESTO_PREDICATE_TYPE } from './constants.ts';
import { dsseVerify } from './dsse.ts';
import {
  type InTotoStatement,
  type MetadataPredicate,
  parseMetadataPredicate,
  parseStatement,
  statementCovers,
} from './statement.ts';

export interface VerifySigstoreOptions {
  /** The bundle JSON. */
  bundle: Uint8Array;
  /** The image the statement must be about (its digest). */
  subject: { digest: string };
  /** Trusted public keys. */
  publicKeys: readonly KeyObject[];
  /** Require this predicate type. */
  predicateType?: string | undefined;
  /** Default: now (for manifesto's `expires`). */
  now?: Date | undefined;
}

export interface VerifiedSigstoreAttestation {
  statement: InTotoStatement;
  predicateType: string;
  predicate: Record<string, unknown> | undefined;
  /** Set when the predicate is manifesto's. */
  metadata?: MetadataPredicate | undefined;
  /** The trusted key that verified the signature. */
  publicKey: KeyObject;
  keyHint: string;
  bundleMediaType: string;
  /** Transparency log entries in the bundle (not verified). */
  tlogEntries: number;
}

function parseBundle(bytes: Uint8Array): Bundle {
  const json = parseJson(bytes);
  if (!isRecord(json))
    throw verificationFailure('SIGNATURE_MALFORMED', 'the Sigstore bundle is not a JSON object');
  try {
    return bundleFromJSON(json);
  } catch (error) {
    const fields =
      isRecord(error) && Array.isArray(error.fields) ? ` (${(error.fields as unknown[]).join(', ')})` : '';
    throw verificationFailure(
      'SIGNATURE_MALFORMED',
      `invalid Sigstore bundle: ${(error as Error).message}${fields}`,
    );
  }
}

/** The trusted keys the bundle's verification material allows, or an error saying why none. */
function candidateKeys(bundle: Bundle, publicKeys: readonly KeyObject[]): KeyObject[] {
  const material = bundle.verificationMaterial.content;
  switch (material.$case) {
    case 'publicKey': {
      const hint = material.publicKey.hint;
      if (hint === '') return [...publicKeys];
      const matching = publicKeys.filter((k) => publicKeyHint(k) === hint);
      if (matching.length === 0) {
        throw verificationFailure(
          'SIGNER_UNTRUSTED',
          `the bundle was signed with key ${hint}, which is not a trusted key`,
        );
      }
      return matching;
    }
    case 'certificate':
    case 'x509CertificateChain': {
      const raw =
        material.$case === 'certificate'
          ? material.certificate.rawBytes
          : material.x509CertificateChain.certificates[0]?.rawBytes;
      const certificateKey = certificatePublicKey(raw);
      const matching = publicKeys.filter((k) => publicKeysEqual(k, certificateKey));
      if (matching.length === 0) {
        throw verificationFailure(
          'SIGNER_UNTRUSTED',
          'the bundle is signed with a certificate whose key is not a trusted key',
          'Keyless (Fulcio certificate) bundles are not verified by manifesto yet; verify them with cosign.',
        );
      }
      return matching;
    }
    default: {
      const unknown: never = material;
      throw verificationFailure('SIGNATURE_UNSUPPORTED', `unknown verification material ${String(unknown)}`);
    }
  }
}

function certificatePublicKey(raw: Uint8Array | undefined): KeyObject {
  try {
    return new X509Certificate(Buffer.from(raw ?? [])).publicKey;
  } catch {
    throw verificationFailure('SIGNATURE_MALFORMED', 'the bundle certificate cannot be parsed');
  }
}

/** Verifies the bundle; returns the statement, or throws a 'verification' ManifestoError. */
export function verifySigstoreBundle(options: VerifySigstoreOptions): VerifiedSigstoreAttestation {
  const now = options.now ?? new Date();
  const bundle = parseBundle(options.bundle);
  if (bundle.content.$case !== 'dsseEnvelope') {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      'the bundle holds a message signature, not a DSSE attestation',
      'Verify image signatures (cosign sign) with cosign verify.',
    );
  }
  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `unsupported DSSE payload type ${envelope.payloadType}`,
    );
  }

  const keys = candidateKeys(bundle, options.publicKeys);
  const payload = new Uint8Array(envelope.payload);
  let signer: KeyObject | undefined;
  for (const signature of envelope.signatures) {
    signer = keys.find((k) => dsseVerify(envelope.payloadType, payload, k, new Uint8Array(signature.sig)));
    if (signer) break;
  }
  if (!signer) {
    throw verificationFailure(
      'SIGNATURE_INVALID',
      keys.length === 0
        ? 'no trusted public key was given'
        : 'the DSSE signature does not verify with the trusted key',
    );
  }

  const statement = parseStatement(parseJson(payload));
  if (!statementCovers(statement, options.subject.digest)) {
    const names = statement.subject.map((s) =>
      Object.entries(s.digest)
        .map(([a, h]) => `${a}:${h}`)
        .join(' '),
    );
    throw verificationFailure(
      'SIGNATURE_SUBJECT_MISMATCH',
      `the attestation is about ${names.join(', ')}, not ${options.subject.digest}`,
    );
  }
  if (options.predicateType !== undefined && statement.predicateType !== options.predicateType) {
    throw verificationFailure(
      'SIGNATURE_PREDICATE_MISMATCH',
      `the attestation's predicate type is ${statement.predicateType}, not ${options.predicateType}`,
    );
  }

  let metadata: MetadataPredicate | undefined;
  if (statement.predicateType === MANIFESTO_PREDICATE_TYPE) {
    metadata = parseMetadataPredicate(statement.predicate);
    const expires = parseRfc3339(metadata.expires);
    if (expires && now.getTime() >= expires.getTime()) {
      throw verificationFailure('SIGNATURE_EXPIRED', `the attestation expired at ${metadata.expires}`);
    }
  }

  return {
    statement,
    predicateType: statement.predicateType,
    predicate: statement.predicate,
    metadata,
    publicKey: signer,
    keyHint: publicKeyHint(signer),
    bundleMediaType: bundle.mediaType,
    tlogEntries: bundle.verificationMaterial.tlogEntries.length,
  };
}
