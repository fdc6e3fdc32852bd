/**
 * Schemas are written once with valibot (loaded lazily, see lazy.ts) and built on first use. A
 * failed check becomes a KindInvalidError naming the JSON pointer of the first field at fault.
 */
import type { BaseIssue, GenericSchema, InferOutput } from 'valibot';
import { joinPointer, type KindContext, KindInvalidError } from './kind.ts';
import { type ValibotLibrary, valibotLibrary } from './lazy.ts';
import { isDate, isTimestamp } from './time.ts';

export type { ValibotLibrary };

/** A schema built on first use, with the valibot library given to the builder. */
export function lazySchema<S extends GenericSchema>(build: (v: ValibotLibrary) => S): () => S {
  let schema: S | undefined;
  return () => {
    schema ??= build(valibotLibrary());
    return schema;
  };
}

const OBJECT_TYPES = new Set(['object', 'strict_object', 'loose_object']);

/** Checks `input` against `schema`; returns the typed value or throws KIND_INVALID. */
export function parseWith<S extends GenericSchema>(
  schema: S,
  input: unknown,
  context: KindContext,
): InferOutput<S> {
  // valibot's object schemas accept arrays (they are objects to `typeof`); a document is not one.
  if (Array.isArray(input) && OBJECT_TYPES.has(schema.type)) {
    throw new KindInvalidError(context, context.pointer ?? '', 'must be an object (got Array)');
  }
  const result = valibotLibrary().safeParse(schema, input, { abortEarly: true });
  if (result.success) return result.output;
  const { issue, keys } = mostSpecific(result.issues[0]);
  throw new KindInvalidError(context, joinPointer(context.pointer, ...keys), describe(issue, keys.length));
}

interface Located {
  issue: BaseIssue<unknown>;
  keys: string[];
}

/**
 * For unions: the option that got furthest into the value explains best what is wrong. The
 * paths of a union's sub-issues are relative to the union's value.
 */
function mostSpecific(issue: BaseIssue<unknown>): Located {
  const keys = (issue.path ?? []).map((item) => String(item.key));
  let best: Located = { issue, keys };
  for (const sub of issue.issues ?? []) {
    const candidate = mostSpecific(sub);
    if (candidate.keys.length > 0) {
      const located = { issue: candidate.issue, keys: [...keys, ...candidate.keys] };
      if (located.keys.length > best.keys.length) best = located;
    }
  }
  return best;
}

const ARTICLES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  Object: 'an object',
  Array: 'an array',
  null: 'null',
};

function listOf(expected: string): string {
  return expected
    .replace(/^\(|\)$/g, '')
    .split(' | ')
    .map((option) => option.replace(/^"(.*)"$/, '$1'))
    .join(', ');
}

function describe(issue: BaseIssue<unknown>, depth: number): string {
  if (issue.kind !== 'schema') return issue.message;
  const received = issue.received;
  if (received === 'undefined' && depth > 0) return 'is required';
  if (issue.type === 'strict_object' && issue.expected === 'never') return 'is not a known field';
  if (issue.type === 'picklist' || issue.type === 'enum') {
    return `must be one of ${listOf(issue.expected ?? '')} (got ${received})`;
  }
  if (issue.type === 'literal') return `must be ${issue.expected} (got ${received})`;
  const expected = issue.expected ?? 'something else';
  if (issue.type === 'union' || issue.type === 'variant') {
    return `must be ${listOf(expected)
      .split(', ')
      .map((option) => ARTICLES[option] ?? option)
      .join(' or ')} (got ${received})`;
  }
  return `must be ${ARTICLES[expected] ?? expected} (got ${received})`;
}

// Building blocks shared by the kinds' schemas.

/** A string with at least one non-space character. */
export function nonEmpty(v: ValibotLibrary) {
  return v.pipe(
    v.string(),
    v.check((value) => value.trim() !== '', 'must not be empty'),
  );
}

/** An RFC 3339 date-time. */
export function timestamp(v: ValibotLibrary) {
  return v.pipe(
    v.string(),
    v.check(isTimestamp, 'must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z'),
  );
}

/** A calendar date (YYYY-MM-DD) or an RFC 3339 date-time. */
export function dateOrTimestamp(v: ValibotLibrary) {
  return v.pipe(
    v.string(),
    v.check(
      (value) => isDate(value) || isTimestamp(value),
      'must be a date (2026-01-31) or an RFC 3339 timestamp (2026-01-31T12:00:00Z)',
    ),
  );
}

/** One of fixed strings, with a message listing them in the given order. */
export function oneOf<const T extends readonly [string, ...string[]]>(v: ValibotLibrary, options: T) {
  return v.picklist(options);
}

/** A CVSS base score. */
export function score(v: ValibotLibrary) {
  return v.pipe(
    v.number(),
    v.check((value) => value >= 0 && value <= 10, 'must be a CVSS score between 0 and 10'),
  );
}
