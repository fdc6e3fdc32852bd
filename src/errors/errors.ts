/**
 * Typed errors. Every failure manifesto reports is a ManifestoError with:
 * - `code`: a stable, documented identifier from the catalogue (catalogue.ts), e.g.
 *   `REFERENCE_INVALID`, `MANIFEST_UNKNOWN`; a code not in the catalogue does not compile,
 * - `category`: what kind of failure it is (the code's, unless a use picks one of its `alsoAs`);
 *   front ends map the category to an exit code or HTTP status (categories.ts),
 * - `hint`: what the user can do about it (one line, optional; the code's default hint if none given),
 * - `cause`: the underlying error, if any,
 * - for registry replies: the HTTP `status` and the registry's own error list.
 */
import { type CategoryOf, type CodeOf, type ErrorCode, errorSpec } from './catalogue.ts';
import { type ErrorCategory, exitCodeFor, httpStatusFor } from './categories.ts';

export type { CategoryOf, CodeOf, ErrorCode } from './catalogue.ts';
export { type ErrorCategory, EXIT_CODES, exitCodeFor, HTTP_STATUSES, httpStatusFor } from './categories.ts';

/** One entry of an OCI distribution error reply: `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface ManifestoErrorOptions<C extends ErrorCode = ErrorCode> {
  /** Defaults to the code's category; only a category the catalogue allows for the code. */
  category?: NoInfer<CategoryOf<C>> | undefined;
  hint?: string | undefined;
  cause?: unknown;
  status?: number | undefined;
  registryErrors?: readonly RegistryErrorDetail[] | undefined;
}

export class ManifestoError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  readonly registryErrors: readonly RegistryErrorDetail[];

  constructor(code: C, message: string, options: ManifestoErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = errorSpec(code);
    this.name = 'ManifestoError';
    this.code = code;
    this.category = options.category ?? spec.category;
    this.hint = options.hint ?? spec.hint;
    this.status = options.status;
    this.registryErrors = options.registryErrors ?? [];
  }

  /** The CLI's exit code (categories.ts). */
  get exitCode(): number {
    return exitCodeFor(this.category);
  }

  /** The HTTP status a server answers with (categories.ts). */
  get httpStatus(): number {
    return httpStatusFor(this.category);
  }

  /** A stable JSON shape for `--json` output and logs. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      category: this.category,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.registryErrors.length === 0 ? {} : { registryErrors: this.registryErrors }),
    };
  }
}

export function isManifestoError(error: unknown): error is ManifestoError {
  return error instanceof ManifestoError;
}

/** Shorthands for the common categories; each takes only the codes of its category. */
export function usageError(
  code: CodeOf<'usage'>,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'usage', hint, cause });
}

export function notFoundError(
  code: CodeOf<'not-found'>,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'not-found', hint, cause });
}

export function integrityError(
  code: CodeOf<'integrity'>,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'integrity', hint, cause });
}

export function conflictError(
  code: CodeOf<'conflict'>,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'conflict', hint, cause });
}

export function unsupportedError(
  code: CodeOf<'unsupported'>,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'unsupported', hint, cause });
}

/**
 * The one way to build `INTERNAL` (a bug): anything that is not a ManifestoError by the time it
 * reaches a front end, with the catalogue's hint. A ManifestoError is returned as it is.
 */
export function internalError(error: unknown): ManifestoError {
  if (isManifestoError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ManifestoError('INTERNAL', message, { cause: error });
}
