// The README's list of error codes, made from the catalogue (src/errors/catalogue.ts), so the two
// cannot drift: a unit test (test/unit/errors/readme-codes.test.ts) fails when they differ.
//
//   node scripts/error-codes.ts           prints the section
//   node scripts/error-codes.ts --write   rewrites it in README.md (between the two markers)
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { categoriesOf, ERROR_CATALOGUE, type ErrorCode } from '../src/errors/catalogue.ts';
import { ERROR_CATEGORIES, EXIT_CODES } from '../src/errors/categories.ts';

export const README_PATH = resolve(import.meta.dirname, '..', 'README.md');
export const BEGIN_MARKER =
  '<!-- error codes: made from src/errors/catalogue.ts by "node scripts/error-codes.ts --write" -->';
export const END_MARKER = '<!-- end of error codes -->';

/** The exit codes of `code` as the README shows them: `2`, `2, 7`, or `11 (or the failure's)`. */
export function exitColumn(code: ErrorCode): string {
  const categories = categoriesOf(code);
  if (categories.length === ERROR_CATEGORIES.length)
    return `${EXIT_CODES[categories[0]!]} (or the failure's)`;
  return categories.map((c) => String(EXIT_CODES[c])).join(', ');
}

/** The section between the markers (markers excluded). */
export function errorCodesSection(): string {
  const codes = (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).sort();
  const rows = codes.map((code) => [`\`${code}\``, exitColumn(code), ERROR_CATALOGUE[code].summary]);
  const header = ['code', 'exit', 'meaning'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    '<details>',
    `<summary>All ${codes.length} error codes (<code>--json</code> errors carry them), with their exit codes</summary>`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    '</details>',
  ].join('\n');
}

/** The section as it stands in `readme` (undefined when the markers are missing). */
export function readmeSection(readme: string): string | undefined {
  const begin = readme.indexOf(BEGIN_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return undefined;
  return readme.slice(begin + BEGIN_MARKER.length, end).trim();
}

if (import.meta.main) {
  const section = errorCodesSection();
  if (process.argv.includes('--write')) {
    const readme = readFileSync(README_PATH, 'utf8');
    const begin = readme.indexOf(BEGIN_MARKER);
    const end = readme.indexOf(END_MARKER);
    if (begin < 0 || end < begin)
      throw new Error(`README.md lacks the markers ${BEGIN_MARKER} ... ${END_MARKER}`);
    const updated = `${readme.slice(0, begin + BEGIN_MARKER.length)}\n${section}\n${readme.slice(end)}`;
    writeFileSync(README_PATH, updated);
    console.log(`README.md: ${Object.keys(ERROR_CATALOGUE).length} error codes`);
  } else {
    console.log(section);
  }
}
