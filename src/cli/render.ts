/** Rendering of results for people (tables, sizes, short digests) and for scripts (--json). */

import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor } from '../oci/descriptor.ts';

/** The stable JSON shape of a version (README, "JSON output"). */
export interface VersionJson {
  version: string;
  type: string;
  label: string;
  manifesto: boolean;
  artifactType: string | null;
  created: string | null;
  author: string | null;
  supersedes: string | null;
  content: { digest: string; size: number; mediaType: string } | null;
  annotations: Record<string, string>;
}

export function versionJson(v: MetadataVersion): VersionJson {
  return {
    version: v.digest,
    type: v.type,
    label: v.label,
    manifesto: v.manifesto,
    artifactType: v.artifactType ?? null,
    created: v.createdText ?? null,
    author: v.author ?? null,
    supersedes: v.supersedes ?? null,
    content: v.content ?? null,
    annotations: v.annotations,
  };
}

export function subjectJson(d: Descriptor): { mediaType: string; digest: string; size: number } {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest : `${digest.slice(0, colon + 1)}${digest.slice(colon + 1, colon + 13)}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Left-aligned columns separated by two spaces; cells are made terminal-safe (one line each). */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((row) => row.map((cell) => terminalSafe(cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Control characters (Cc: C0 — ESC starts window-title, clear-screen, hyperlink and colour
 * sequences, CR and LF fake lines —, DEL, and C1 — U+009B is a one-character CSI) and the
 * bidirectional controls (U+202E...) that reorder what is shown: `[\p{Cc}\p{Bidi_Control}]`, spelt
 * out (a unit test compares them over every code point) because V8 builds property classes with ICU
 * when the expression is first used, ~3.5 M instructions in every command that prints.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text made safe to print on a terminal: every control character becomes its visible JSON-style
 * escape (`\u001b`), tabs stay. Used for every registry- or user-supplied string the CLI prints as
 * text (table cells, lines, errors, warnings); `--json` output is never passed through it, and since
 * the escapes are JSON's own, a JSON line passed through it still parses to the same value.
 * `multiline` keeps newlines (whole blocks of output); fields and one-line messages escape them too.
 */
export function terminalSafe(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(CONTROL, (c) =>
    c === '\t' || (c === '\n' && options.multiline === true)
      ? c
      : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
