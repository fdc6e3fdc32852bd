/**
 * Typed errors. Every failure manifesto reports is a ManifestoError with:
 * - `code`: a stable, documented identifier (e.g. `REFERENCE_INVALID`, `MANIFEST_UNKNOWN`),
 * - `category`: what kind of failure it is; the CLI maps the category to an exit code,
 * - `hint`: what the user can do about it (one line, optional),
 * - `cause`: the underlying error, if any,
 * - for registry replies: the HTTP `status` and the registry's own error list.
 */

export type ErrorCategory =
  | 'usage' // bad arguments, malformed reference, invalid type name, bad input file
  | 'not-found' // image, repository, manifest, blob, metadata type or version absent
  | 'auth' // 401/403, missing or rejected credentials
  | 'conflict' // a write could not be confirmed, concurrent modification, refused overwrite
  | 'unavailable' // network failure, timeouts, 5xx/429 after retries
  | 'integrity' // digest mismatch, malformed registry data, size limit exceeded by the registry
  | 'ambiguous' // the request does not single out one thing (e.g. per-platform metadata on an index)
  | 'verification' // signature or trust-policy verification failed
  | 'denied' // a policy gate denied
  | 'partial' // some items of a fan-out or bulk operation failed
  | 'unsupported' // the registry or backend cannot do what was asked
  | 'internal'; // a bug

/** Exit codes of the CLI, one per category. Documented in the README; never renumber. */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = {
  internal: 1,
  usage: 2,
  'not-found': 3,
  auth: 4,
  conflict: 5,
  unavailable: 6,
  integrity: 7,
  ambiguous: 8,
  verification: 9,
  denied: 10,
  partial: 11,
  unsupported: 12,
};

/** One entry of an OCI distribution error reply: `{"errors":[{"code","message","detail"}]}`. */
export interface RegistryErrorDetail {
  code: string;
  message?: string;
  detail?: unknown;
}

export interface ManifestoErrorOptions {
  category: ErrorCategory;
  hint?: string | undefined;
  cause?: unknown;
  status?: number | undefined;
  registryErrors?: readonly RegistryErrorDetail[] | undefined;
}

export class ManifestoError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  readonly registryErrors: readonly RegistryErrorDetail[];

  constructor(code: string, message: string, options: ManifestoErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ManifestoError';
    this.code = code;
    this.category = options.category;
    this.hint = options.hint;
    this.status = options.status;
    this.registryErrors = options.registryErrors ?? [];
  }

  get exitCode(): number {
    return EXIT_CODES[this.category];
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

/** Shorthands for the common categories. */
export function usageError(code: string, message: string, hint?: string, cause?: unknown): ManifestoError {
  return new ManifestoError(code, message, { category: 'usage', hint, cause });
}

export function notFoundError(code: string, message: string, hint?: string, cause?: unknown): ManifestoError {
  return new ManifestoError(code, message, { category: 'not-found', hint, cause });
}

export function integrityError(
  code: string,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'integrity', hint, cause });
}

export function conflictError(code: string, message: string, hint?: string, cause?: unknown): ManifestoError {
  return new ManifestoError(code, message, { category: 'conflict', hint, cause });
}

export function unsupportedError(
  code: string,
  message: string,
  hint?: string,
  cause?: unknown,
): ManifestoError {
  return new ManifestoError(code, message, { category: 'unsupported', hint, cause });
}

export function internalError(message: string, cause?: unknown): ManifestoError {
  return new ManifestoError('INTERNAL', message, {
    category: 'internal',
    cause,
    hint: 'This is a bug in manifesto; please report it with the command you ran.',
  });
}
