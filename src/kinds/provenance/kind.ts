/** The `provenance` kind: SLSA provenance v1 and v0.2, in in-toto statements or bare predicates. */
import { isRecord } from '../../util/json-record.ts';
import { isStatement, readStatement, samePredicateType } from '../in-toto.ts';
import { parseJson, unwrapEnvelope } from '../input.ts';
import { type KindContext, type KindDefinition, KindInvalidError, kindInvalid } from '../kind.ts';
import { looksLikeSlsaV1, normaliseSlsaV1, SLSA_V1_PREDICATE_TYPE } from './slsa-v1.ts';
import { looksLikeSlsaV02, normaliseSlsaV02, SLSA_V02_PREDICATE_TYPE } from './slsa-v02.ts';
import type { Provenance } from './types.ts';

const EXPECTED =
  'must be SLSA provenance (v1 or v0.2): an in-toto statement, a DSSE envelope or sigstore bundle holding one, or a bare predicate';

export function readProvenanceDocument(document: unknown, context: KindContext): Provenance {
  const unwrapped = unwrapEnvelope(document, context);
  const inner: KindContext = { ...context, note: unwrapped.note };
  if (isStatement(unwrapped.document)) {
    const statement = readStatement(unwrapped.document, inner, 'in-toto');
    const predicateContext = { ...inner, pointer: '/predicate' };
    if (samePredicateType(statement.predicateType, SLSA_V1_PREDICATE_TYPE)) {
      return normaliseSlsaV1(statement.predicate, predicateContext, statement.subjects);
    }
    if (samePredicateType(statement.predicateType, SLSA_V02_PREDICATE_TYPE)) {
      return normaliseSlsaV02(statement.predicate, predicateContext, statement.subjects);
    }
    throw kindInvalid(
      { ...inner, format: 'in-toto' },
      ['predicateType'],
      `must be ${SLSA_V1_PREDICATE_TYPE} or ${SLSA_V02_PREDICATE_TYPE} (got ${JSON.stringify(statement.predicateType)})`,
    );
  }
  const value = unwrapped.document;
  if (isRecord(value) && looksLikeSlsaV1(value)) return normaliseSlsaV1(value, inner, []);
  if (isRecord(value) && looksLikeSlsaV02(value)) return normaliseSlsaV02(value, inner, []);
  throw new KindInvalidError(inner, '', EXPECTED);
}

function summarise(provenance: Provenance): string[] {
  const lines = [`built by ${provenance.builderId} (${provenance.format})`];
  if (provenance.sourceRepo !== null) {
    const ref = provenance.sourceRef === null ? '' : ` ${provenance.sourceRef}`;
    const commit = provenance.commit === null ? '' : ` at ${provenance.commit.slice(0, 12)}`;
    lines.push(`from ${provenance.sourceRepo}${ref}${commit}`);
  }
  lines.push(`build type ${provenance.buildType}`);
  if (provenance.invocationId !== null) lines.push(`run ${provenance.invocationId}`);
  if (provenance.startedOn !== null || provenance.finishedOn !== null) {
    lines.push(`started ${provenance.startedOn ?? '?'}, finished ${provenance.finishedOn ?? '?'}`);
  }
  for (const subject of provenance.subjects.slice(0, 3)) {
    lines.push(`subject ${subject.name} ${subject.digests.join(' ')}`.trimEnd());
  }
  if (provenance.subjects.length > 3) lines.push(`+${provenance.subjects.length - 3} more subjects`);
  return lines;
}

export const provenanceKind: KindDefinition<Provenance> = {
  name: 'provenance',
  aliases: [],
  description: 'build provenance (SLSA v1 or v0.2, in-toto statement or bare predicate)',
  formats: ['slsa-v1', 'slsa-v0.2'],
  validate(content) {
    return { format: provenanceKind.normalise(content, '').format };
  },
  normalise(content) {
    const context: KindContext = { kind: 'provenance' };
    return readProvenanceDocument(parseJson(content, context), context);
  },
  summarise,
};
