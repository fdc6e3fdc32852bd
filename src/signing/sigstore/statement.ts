/**
 * in-toto attestation Statements (github.com/in-toto/attestation spec v1) and manifesto's predicate
 * `https://manifesto.dev/metadata/v1`: which metadata version of an image is vouched for.
 *
 * ```json
 * {
 *   "_type": "https://in-toto.io/Statement/v1",
 *   "subject": [{ "name": "registry.example.com/team/app", "digest": { "sha256": "<image>" } }],
 *   "predicateType": "https://manifesto.dev/metadata/v1",
 *   "predicate": {
 *     "type": "seccomp",
 *     "content": { "digest": "sha256:...", "size": 1234, "mediaType": "application/json" },
 *     "version": "sha256:<metadata version manifest>",
 *     "created": "2026-11-23T06:10:00.123Z",
 *     "supersedes": "sha256:<previous version manifest>",
 *     "expires": "2027-11-23T06:10:00Z"
 *   }
 * }
 * ```
 */
import { usageError } from '../../errors/errors.ts';
import { parseDigest, tryParseDigest } from '../../oci/digest.ts';
import { isRecord } from '../../util/json-record.ts';
import { parseRfc3339 } from '../encoding.ts';
import { verificationFailure } from '../errors.ts';
import { IN_TOTO_STATEMENT_V1, IN_TOTO_STATEMENT_V01 } from './constants.ts';

export interface InTotoSubject {
  name?: string | undefined;
  /** Algorithm to lower-case hex, e.g. `{ "sha256": "..." }`. */
  digest: Record<string, string>;
}

export interface InTotoStatement {
  _type: string;
  subject: InTotoSubject[];
  predicateType: string;
  predicate?: Record<string, unknown> | undefined;
}

export interface MetadataPredicate {
  /** The metadata type name, e.g. `seccomp`. */
  type: string;
  /** The metadata content (the version's layer). */
  content: { digest: string; size: number; mediaType: string };
  /** Manifest digest of the metadata version, when the statement is about a stored version. */
  version?: string | undefined;
  /** When the version was created (RFC 3339). */
  created: string;
  /** Manifest digest of the version this one supersedes. */
  supersedes?: string | undefined;
  /** After this time (RFC 3339) verifiers treat the attestation as expired. */
  expires?: string | undefined;
}

/** `sha256:<hex>` as an in-toto digest set. */
export function digestSet(digest: string): Record<string, string> {
  const { algorithm, hex } = parseDigest(digest);
  return { [algorithm]: hex };
}

export function buildStatement(
  subject: { digest: string; name?: string | undefined },
  predicateType: string,
  predicate: Record<string, unknown>,
): InTotoStatement {
  const entry: InTotoSubject =
    subject.name !== undefined && subject.name !== ''
      ? { name: subject.name, digest: digestSet(subject.digest) }
      : { digest: digestSet(subject.digest) };
  return { _type: IN_TOTO_STATEMENT_V1, subject: [entry], predicateType, predicate };
}

export interface MetadataPredicateInput {
  type: string;
  content: { digest: string; size: number; mediaType: string };
  version?: string | undefined;
  created: Date;
  supersedes?: string | undefined;
  expires?: Date | undefined;
}

/** A validated metadata predicate (times as RFC 3339 UTC with milliseconds). */
export function metadataPredicate(input: MetadataPredicateInput): MetadataPredicate {
  parseDigest(input.content.digest);
  if (input.version !== undefined) parseDigest(input.version);
  if (input.supersedes !== undefined) parseDigest(input.supersedes);
  if (!Number.isSafeInteger(input.content.size) || input.content.size < 0) {
    throw usageError(
      'PREDICATE_INVALID',
      `invalid content size ${input.content.size}`,
      'The size is the content length in bytes.',
    );
  }
  if (input.expires !== undefined && input.expires.getTime() <= input.created.getTime()) {
    throw usageError(
      'EXPIRY_INVALID',
      'the attestation expiry must be after its creation time',
      'Give an expiry in the future.',
    );
  }
  const predicate: MetadataPredicate = {
    type: input.type,
    content: { digest: input.content.digest, size: input.content.size, mediaType: input.content.mediaType },
    created: input.created.toISOString(),
  };
  if (input.version !== undefined) predicate.version = input.version;
  if (input.supersedes !== undefined) predicate.supersedes = input.supersedes;
  if (input.expires !== undefined) predicate.expires = input.expires.toISOString();
  return predicate;
}

const malformed = (why: string) =>
  verificationFailure('SIGNATURE_MALFORMED', `malformed in-toto statement: ${why}`);

/** Parses a statement (v1 or v0.1); throws SIGNATURE_MALFORMED. */
export function parseStatement(value: unknown): InTotoStatement {
  if (!isRecord(value)) throw malformed('not a JSON object');
  const type = value._type;
  if (type !== IN_TOTO_STATEMENT_V1 && type !== IN_TOTO_STATEMENT_V01) {
    throw malformed(`unknown _type ${String(type)}`);
  }
  if (!Array.isArray(value.subject) || value.subject.length === 0) throw malformed('no subject');
  const subject = value.subject.map((entry): InTotoSubject => {
    if (!isRecord(entry) || !isRecord(entry.digest)) throw malformed('a subject has no digest');
    const digest: Record<string, string> = {};
    for (const [algorithm, hex] of Object.entries(entry.digest)) {
      if (typeof hex !== 'string') throw malformed('subject digests must be strings');
      digest[algorithm] = hex;
    }
    return { name: typeof entry.name === 'string' ? entry.name : undefined, digest };
  });
  if (typeof value.predicateType !== 'string' || value.predicateType === '')
    throw malformed('no predicateType');
  const predicate = value.predicate;
  if (predicate !== undefined && !isRecord(predicate)) throw malformed('the predicate is not an object');
  return { _type: type, subject, predicateType: value.predicateType, predicate };
}

/** Whether one subject of the statement has the digest `sha256:<hex>` (or sha512). */
export function statementCovers(statement: InTotoStatement, digest: string): boolean {
  const parsed = tryParseDigest(digest);
  if (!parsed) return false;
  return statement.subject.some((s) => s.digest[parsed.algorithm]?.toLowerCase() === parsed.hex);
}

const predicateMalformed = (why: string) =>
  verificationFailure('SIGNATURE_MALFORMED', `malformed manifesto metadata predicate: ${why}`);

/** Reads manifesto's predicate; throws SIGNATURE_MALFORMED when it does not have the expected shape. */
export function parseMetadataPredicate(value: unknown): MetadataPredicate {
  if (!isRecord(value)) throw predicateMalformed('not an object');
  const { type, content, version, created, supersedes, expires } = value;
  if (typeof type !== 'string' || type === '') throw predicateMalformed('no type');
  if (!isRecord(content)) throw predicateMalformed('no content');
  const { digest, size, mediaType } = content;
  if (typeof digest !== 'string' || !tryParseDigest(digest))
    throw predicateMalformed('invalid content.digest');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw predicateMalformed('invalid content.size');
  }
  if (typeof mediaType !== 'string') throw predicateMalformed('invalid content.mediaType');
  if (!parseRfc3339(created)) throw predicateMalformed('created is not an RFC 3339 time');
  const predicate: MetadataPredicate = {
    type,
    content: { digest, size, mediaType },
    created: created as string,
  };
  for (const [name, field] of [
    ['version', version],
    ['supersedes', supersedes],
  ] as const) {
    if (field === undefined) continue;
    if (typeof field !== 'string' || !tryParseDigest(field)) throw predicateMalformed(`invalid ${name}`);
    predicate[name] = field;
  }
  if (expires !== undefined) {
    if (!parseRfc3339(expires)) throw predicateMalformed('expires is not an RFC 3339 time');
    predicate.expires = expires as string;
  }
  return predicate;
}
