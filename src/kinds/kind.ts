/**
 * A well-known kind of metadata (`vuln`, `sbom`, `provenance`, ...): how content stored under that
 * type name is validated on `put`, normalised on read and summarised for people. Free-form type
 * names have no kind and stay free-form.
 */
import { ManifestoError } from '../errors/errors.ts';

export interface KindDefinition<N> {
  /** The type name: 'vuln', 'sbom', ... */
  name: string;
  /** Other type names with the same kind (e.g. 'approvals' for 'approval'). */
  aliases: readonly string[];
  /** One line for help and docs. */
  description: string;
  /** The input formats this kind accepts, e.g. ['trivy', 'grype', 'sarif', 'cyclonedx', 'cosign-vuln']. */
  formats: readonly string[];
  /**
   * Detects the input format and validates the content; throws a KindInvalidError (category
   * 'usage', code 'KIND_INVALID') naming the JSON pointer of the field at fault.
   */
  validate(content: Uint8Array, mediaType: string): { format: string };
  /** Validates and converts the content to the kind's one normalised shape. */
  normalise(content: Uint8Array, mediaType: string): N;
  /** Human-readable lines describing normalised content. */
  summarise(normalised: N): string[];
}

/** Where a problem is: the kind, the detected format (if any) and a JSON pointer prefix. */
export interface KindContext {
  kind: string;
  format?: string | undefined;
  /** JSON pointer of the value being checked within the document ('' for the document itself). */
  pointer?: string | undefined;
  /** Appended to messages, e.g. 'in the DSSE payload'. */
  note?: string | undefined;
}

export const KIND_INVALID = 'KIND_INVALID';

/** Content that does not have the shape its kind requires. */
export class KindInvalidError extends ManifestoError {
  readonly kind: string;
  readonly format: string | undefined;
  /** JSON pointer of the field at fault ('' for the whole document), or 'line N' for text kinds. */
  readonly pointer: string;
  readonly problem: string;

  constructor(context: KindContext, pointer: string, problem: string) {
    const label = context.format === undefined ? context.kind : `${context.kind} (${context.format})`;
    const where = pointer === '' ? 'the document' : pointer;
    const note = context.note === undefined ? '' : ` (${context.note})`;
    super(KIND_INVALID, `${label}: ${where} ${problem}${note}`, {
      category: 'usage',
      hint: `Fix the content, store it as it is with --no-validate, or use a type name that is not well-known (${context.kind} content is validated).`,
    });
    this.name = 'KindInvalidError';
    this.kind = context.kind;
    this.format = context.format;
    this.pointer = pointer;
    this.problem = problem;
  }
}

/** Escapes one JSON pointer reference token (RFC 6901). */
export function pointerToken(key: string | number): string {
  return String(key).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function joinPointer(base: string | undefined, ...keys: readonly (string | number)[]): string {
  return (base ?? '') + keys.map((key) => `/${pointerToken(key)}`).join('');
}

/** Throws KIND_INVALID for the value at `keys` below the context's pointer. */
export function kindInvalid(
  context: KindContext,
  keys: readonly (string | number)[],
  problem: string,
): KindInvalidError {
  return new KindInvalidError(context, joinPointer(context.pointer, ...keys), problem);
}

export function withFormat(context: KindContext, format: string): KindContext {
  return { ...context, format };
}

export function below(context: KindContext, ...keys: readonly (string | number)[]): KindContext {
  return { ...context, pointer: joinPointer(context.pointer, ...keys) };
}
