/**
 * The `vex` kind: OpenVEX documents (0.2.0, and the 0.0.x shape with string products), and CSAF 2.0
 * VEX documents (./csaf.ts), bare or (OpenVEX) in an in-toto statement.
 */
import { isStatement, readStatement } from '../in-toto.ts';
import { parseJson, unwrapEnvelope } from '../input.ts';
import { type KindContext, type KindDefinition, kindInvalid, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { isCsaf, readCsafVex } from './csaf.ts';
import {
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
  type VexComponent,
  type VexDocument,
  type VexProduct,
  type VexStatement,
} from './types.ts';

const openVexSchema = lazySchema((v) => {
  const identifiers = v.record(v.string(), v.string());
  const component = v.union([
    nonEmpty(v),
    v.object({
      '@id': v.optional(v.string()),
      identifiers: v.optional(identifiers),
      hashes: v.optional(v.record(v.string(), v.string())),
    }),
  ]);
  const product = v.union([
    nonEmpty(v),
    v.object({
      '@id': v.optional(v.string()),
      identifiers: v.optional(identifiers),
      hashes: v.optional(v.record(v.string(), v.string())),
      subcomponents: v.optional(v.array(component)),
    }),
  ]);
  const statement = v.object({
    vulnerability: v.union([
      nonEmpty(v),
      v.object({
        '@id': v.optional(v.string()),
        name: nonEmpty(v),
        description: v.optional(v.string()),
        aliases: v.optional(v.array(v.string())),
      }),
    ]),
    products: v.optional(v.array(product)),
    // OpenVEX 0.0.x wrote subcomponents beside the products.
    subcomponents: v.optional(v.array(component)),
    status: v.picklist(VEX_STATUSES),
    justification: v.optional(v.picklist(VEX_JUSTIFICATIONS)),
    impact_statement: v.optional(v.string()),
    action_statement: v.optional(v.string()),
    timestamp: v.optional(timestamp(v)),
  });
  return v.object({
    '@context': v.pipe(
      v.string(),
      v.check(
        (value) => value.startsWith('https://openvex.dev/ns'),
        'must start with https://openvex.dev/ns',
      ),
    ),
    '@id': nonEmpty(v),
    author: nonEmpty(v),
    role: v.optional(v.string()),
    timestamp: timestamp(v),
    last_updated: v.optional(timestamp(v)),
    version: v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be >= 0')),
    tooling: v.optional(v.string()),
    statements: v.array(statement),
  });
});

type ComponentInput =
  | string
  | {
      '@id'?: string | undefined;
      identifiers?: Record<string, string> | undefined;
      hashes?: Record<string, string> | undefined;
    };

function componentIds(component: ComponentInput): string[] {
  if (typeof component === 'string') return [component];
  const ids = [
    ...(component['@id'] === undefined ? [] : [component['@id']]),
    ...Object.values(component.identifiers ?? {}),
    ...Object.entries(component.hashes ?? {}).map(
      ([algorithm, hex]) => `${algorithm.replace('-', '')}:${hex}`,
    ),
  ];
  return [...new Set(ids)];
}

export function readVexDocument(document: unknown, context: KindContext): VexDocument {
  const unwrapped = unwrapEnvelope(document, context);
  let inner: KindContext = withFormat({ ...context, note: unwrapped.note }, 'openvex');
  let value = unwrapped.document;
  let subjects: VexProduct[] = [];
  if (isStatement(value)) {
    const statement = readStatement(value, inner, 'in-toto');
    value = statement.predicate;
    inner = { ...inner, pointer: '/predicate' };
    // The encapsulating statement's subjects are the products of statements that name none.
    subjects = statement.subjects.map((subject) => ({
      ids: [...(subject.name === '' ? [] : [subject.name]), ...subject.digests],
      subcomponents: [],
    }));
  }
  const vex = parseWith(openVexSchema(), value, inner);
  const documentTime = toUtcTimestamp(vex.timestamp) ?? vex.timestamp;
  const statements = vex.statements.map((statement, index): VexStatement => {
    const keys = ['statements', index];
    if (
      statement.status === 'not_affected' &&
      statement.justification === undefined &&
      !statement.impact_statement
    ) {
      throw kindInvalid(
        inner,
        [...keys, 'justification'],
        'is required for not_affected (or an impact_statement)',
      );
    }
    const extraSubcomponents: VexComponent[] = (statement.subcomponents ?? []).map((component) => ({
      ids: componentIds(component),
    }));
    const products: VexProduct[] = (statement.products ?? []).map((product) => ({
      ids: componentIds(product),
      subcomponents: [
        ...(typeof product === 'string' ? [] : (product.subcomponents ?? [])).map((component) => ({
          ids: componentIds(component),
        })),
        ...extraSubcomponents,
      ],
    }));
    const withSubjects =
      products.length > 0
        ? products
        : subjects.map((subject) => ({ ...subject, subcomponents: extraSubcomponents }));
    if (withSubjects.length === 0)
      throw kindInvalid(inner, [...keys, 'products'], 'must name at least one product');
    const vulnerability =
      typeof statement.vulnerability === 'string'
        ? { name: statement.vulnerability, aliases: [] }
        : { name: statement.vulnerability.name, aliases: statement.vulnerability.aliases ?? [] };
    return {
      vulnerability,
      products: withSubjects,
      status: statement.status,
      justification: statement.justification ?? null,
      impactStatement: statement.impact_statement ?? null,
      actionStatement: statement.action_statement ?? null,
      timestamp:
        statement.timestamp === undefined
          ? documentTime
          : (toUtcTimestamp(statement.timestamp) ?? documentTime),
    };
  });
  return {
    format: 'openvex',
    id: vex['@id'],
    author: vex.author,
    timestamp: documentTime,
    version: vex.version,
    statements,
  };
}

/** An OpenVEX document (bare, in an in-toto statement or envelope) or a CSAF VEX document. */
export function readVex(document: unknown, context: KindContext): VexDocument {
  return isCsaf(document) ? readCsafVex(document, context) : readVexDocument(document, context);
}

function summarise(vex: VexDocument): string[] {
  const counts = new Map<string, number>();
  for (const statement of vex.statements)
    counts.set(statement.status, (counts.get(statement.status) ?? 0) + 1);
  const lines = [
    `${vex.format === 'csaf' ? 'CSAF VEX' : 'OpenVEX'} ${vex.id} by ${vex.author} at ${vex.timestamp} (version ${vex.version}): ` +
      `${vex.statements.length} statement${vex.statements.length === 1 ? '' : 's'}` +
      (counts.size === 0
        ? ''
        : ` (${[...counts].map(([status, count]) => `${count} ${status}`).join(', ')})`),
  ];
  for (const statement of vex.statements.slice(0, 10)) {
    const why = statement.justification ?? statement.impactStatement ?? statement.actionStatement;
    lines.push(`  ${statement.vulnerability.name}: ${statement.status}${why === null ? '' : ` (${why})`}`);
  }
  if (vex.statements.length > 10) lines.push(`  +${vex.statements.length - 10} more`);
  return lines;
}

export const vexKind: KindDefinition<VexDocument> = {
  name: 'vex',
  aliases: [],
  description: 'vulnerability exploitability statements (OpenVEX, CSAF VEX)',
  formats: ['openvex', 'csaf'],
  validate(content) {
    return { format: vexKind.normalise(content, '').format };
  },
  normalise(content) {
    const context: KindContext = { kind: 'vex' };
    return readVex(parseJson(content, context), context);
  },
  summarise,
};
