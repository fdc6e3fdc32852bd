/**
 * Verifies a bare DSSE envelope holding an in-toto statement against trusted public keys, as
 * `cosign verify-attestation --key KEY --insecure-ignore-tlog=true` does for the attestations cosign
 * stores under its legacy `sha256-<hex>.att` tag (`{payloadType, payload, signatures: [{keyid, sig}]}`,
 * payload and signatures in base64): a signature verifies with a trusted key (DSSE PAE, dsse.ts), the
 * statement is about the expected image and of the expected predicate type.
 */
import type { KeyObject } from 'node:crypto';
import { isRecord } from '../../util/json-record.ts';
import { parseJson } from '../encoding.ts';
import { verificationFailure } from '../errors.ts';
import { publicKeyHint } from '../keys.ts';
import { IN_TOTO_PAYLOAD_TYPE } from './constants.ts';
import { dsseVerify } from './dsse.ts';
import { type InTotoStatement, parseStatement, statementCovers } from './statement.ts';

export interface VerifyEnvelopeOptions {
  envelope: Uint8Array;
  subject: { digest: string };
  publicKeys: readonly KeyObject[];
  predicateType?: string | undefined;
}

export interface VerifiedEnvelope {
  statement: InTotoStatement;
  publicKey: KeyObject;
  keyHint: string;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export function verifyDsseEnvelope(options: VerifyEnvelopeOptions): VerifiedEnvelope {
  const envelope = parseJson(options.envelope);
  const malformed = (why: string) =>
    verificationFailure('SIGNATURE_MALFORMED', `invalid DSSE envelope: ${why}`);
  if (!isRecord(envelope)) throw malformed('not a JSON object');
  const { payloadType, payload, signatures } = envelope;
  if (typeof payloadType !== 'string' || typeof payload !== 'string' || !BASE64.test(payload))
    throw malformed('no base64 payload and payloadType');
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw verificationFailure('SIGNATURE_UNSUPPORTED', `unsupported DSSE payload type ${payloadType}`);
  if (!Array.isArray(signatures)) throw malformed('no signatures');
  const bytes = new Uint8Array(Buffer.from(payload, 'base64'));
  let signer: KeyObject | undefined;
  for (const entry of signatures) {
    if (!isRecord(entry) || typeof entry.sig !== 'string' || !BASE64.test(entry.sig)) continue;
    const sig = new Uint8Array(Buffer.from(entry.sig, 'base64'));
    signer = options.publicKeys.find((k) => dsseVerify(payloadType, bytes, k, sig));
    if (signer) break;
  }
  if (!signer) {
    throw verificationFailure(
      options.publicKeys.length === 0 ? 'SIGNER_UNTRUSTED' : 'SIGNATURE_INVALID',
      'the DSSE signature does not verify with a trusted key',
    );
  }
  const statement = parseStatement(parseJson(bytes));
  if (!statementCovers(statement, options.subject.digest)) {
    throw verificationFailure(
      'SIGNATURE_SUBJECT_MISMATCH',
      `the attestation is not about ${options.subject.digest}`,
    );
  }
  if (options.predicateType !== undefined && statement.predicateType !== options.predicateType) {
    throw verificationFailure(
      'SIGNATURE_PREDICATE_MISMATCH',
      `the attestation's predicate type is ${statement.predicateType}, not ${options.predicateType}`,
    );
  }
  return { statement, publicKey: signer, keyHint: publicKeyHint(signer) };
}
