/** in-toto attestation statements (v0.1 and v1), which wrap provenance, vuln and VEX predicates. */
import { isRecord } from '../util/json-record.ts';
import { type KindContext, withFormat } from './kind.ts';
import { lazySchema, nonEmpty, parseWith } from './schema.ts';

export const IN_TOTO_STATEMENT_PREFIX = 'https://in-toto.io/Statement/';

export interface StatementSubject {
  name: string;
  /** `algorithm:hex` for each digest of the subject. */
  digests: string[];
}

export interface Statement {
  predicateType: string;
  predicate: Record<string, unknown>;
  subjects: StatementSubject[];
}

export function isStatement(document: unknown): document is Record<string, unknown> {
  return (
    isRecord(document) &&
    typeof document._type === 'string' &&
    document._type.startsWith(IN_TOTO_STATEMENT_PREFIX)
  );
}

const statementSchema = lazySchema((v) =>
  v.object({
    _type: v.pipe(
      v.string(),
      v.check(
        (value) => value.startsWith(IN_TOTO_STATEMENT_PREFIX),
        `must start with ${IN_TOTO_STATEMENT_PREFIX}`,
      ),
    ),
    subject: v.array(
      v.object({
        name: v.optional(v.string()),
        digest: v.record(v.string(), v.string()),
      }),
    ),
    predicateType: nonEmpty(v),
    predicate: v.record(v.string(), v.unknown()),
  }),
);

/** Checks the statement's envelope fields (not the predicate: the kind does that). */
export function readStatement(document: unknown, context: KindContext, format: string): Statement {
  const statement = parseWith(statementSchema(), document, withFormat(context, format));
  return {
    predicateType: statement.predicateType,
    predicate: statement.predicate,
    subjects: statement.subject.map((subject) => ({
      name: subject.name ?? '',
      digests: Object.entries(subject.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`),
    })),
  };
}

/** Predicate type URIs are written with and without the scheme, and with and without a version. */
export function samePredicateType(actual: string, expected: string): boolean {
  const strip = (uri: string) => uri.replace(/^https?:\/\//, '').replace(/\/$/, '');
  return strip(actual) === strip(expected);
}
