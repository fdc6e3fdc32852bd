/**
 * What kind of failure an error is, and the one place each kind is turned into what a front end
 * reports: an exit code for the CLI, an HTTP status for the coming server. Every error code of the
 * catalogue (catalogue.ts) belongs to one of these categories, so a front end never looks at codes
 * to decide how to fail: 12 categories, ~170 codes.
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

/** Every category, in exit-code order. */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  'internal',
  'usage',
  'not-found',
  'auth',
  'conflict',
  'unavailable',
  'integrity',
  'ambiguous',
  'verification',
  'denied',
  'partial',
  'unsupported',
];

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

/**
 * HTTP statuses for a server front end, one per category. The status says who can act on it:
 * - 4xx: the caller can fix the request (usage 400, ambiguous 422: name one platform or image;
 *   not-found 404; conflict 409: retry; verification 422 and denied 403: the content or the policy).
 * - auth 403, not 401: the registry refused the credentials the server used; a 401 would ask the
 *   HTTP client to authenticate to the server itself.
 * - 5xx: the upstream or the server (unavailable 503: retry later; integrity 502: the registry or
 *   layout sent bad data; unsupported 501: the backend cannot do it; internal 500: a bug).
 * - partial 207: some items succeeded and the body lists each item's outcome.
 */
export const HTTP_STATUSES: Readonly<Record<ErrorCategory, number>> = {
  internal: 500,
  usage: 400,
  'not-found': 404,
  auth: 403,
  conflict: 409,
  unavailable: 503,
  integrity: 502,
  ambiguous: 422,
  verification: 422,
  denied: 403,
  partial: 207,
  unsupported: 501,
};

/** The CLI's exit code for an error of this category. */
export function exitCodeFor(category: ErrorCategory): number {
  return EXIT_CODES[category];
}

/** The HTTP status a server answers for an error of this category. */
export function httpStatusFor(category: ErrorCategory): number {
  return HTTP_STATUSES[category];
}
