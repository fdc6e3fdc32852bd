/**
 * Reading Node's system errors (`ENOENT`, `EEXIST`, `EPERM`...): the `code` is all that tells them
 * apart, and `unknown` caught values must be checked before it is read.
 */

/** The error's `code` (a Node system or library error code), or undefined when it has none. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

/** Whether the path does not exist: ENOENT, or ENOTDIR (a folder on the way is a file). */
export function isMissingPath(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
