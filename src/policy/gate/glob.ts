/** Glob patterns for policy values (builder ids, source repositories): `*` any run, `?` one character. */
export function globMatches(pattern: string, value: string): boolean {
  let expression = '^';
  for (const ch of pattern) {
    if (ch === '*') expression += '.*';
    else if (ch === '?') expression += '.';
    else expression += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${expression}$`, 's').test(value);
}
