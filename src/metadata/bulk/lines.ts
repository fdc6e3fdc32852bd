/**
 * The input of a bulk run: `put --from` is JSON lines, one operation each
 * (`{"image":…,"type":…,"file":…,"mediaType"?,"annotations"?,"author"?,"platform"?}`), and `list --from`
 * is one image reference per line. Blank lines and `#` comments are skipped. Every line is checked
 * (with valibot, like the gate policy) before the first request: a bad line is a usage error naming
 * its number and the field at fault, and nothing is written.
 */
import { internalError, type ManifestoError, usageError } from '../../errors/errors.ts';
import { KindInvalidError } from '../../kinds/kind.ts';
import { lazySchema, parseWith } from '../../kinds/schema.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { localPlatform, parsePlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { validateAnnotations } from '../put.ts';
import { validateTypeName } from '../type-name.ts';

/** What one put stores: the fields of a `put` command, of a `put --from` line and of a put many item. */
export interface PutItem {
  image: string;
  type: string;
  /** A file path (`-` for standard input where the front end allows it). */
  file: string;
  mediaType?: string | undefined;
  annotations?: Record<string, string> | undefined;
  author?: string | undefined;
  /** Store for this platform of a multi-platform image. */
  platform?: Platform | undefined;
}

/** One operation of a `put --from` file. */
export interface BulkPutItem extends PutItem {
  /** 1-based line number in the file. */
  line: number;
}

export interface BulkListItem {
  line: number;
  image: string;
}

const putLineSchema = lazySchema((v) =>
  v.strictObject({
    image: v.string(),
    type: v.string(),
    file: v.string(),
    mediaType: v.optional(v.string()),
    annotations: v.optional(v.record(v.string(), v.string())),
    author: v.optional(v.string()),
    platform: v.optional(v.string()),
  }),
);

function lineError(source: string, line: number, message: string, cause?: unknown): ManifestoError {
  return usageError(
    'BULK_LINE_INVALID',
    `${source} line ${line}: ${message}`,
    'Fix the line and run again; nothing was written.',
    cause,
  );
}

/** The lines of a file with their 1-based numbers, without blank lines and `#` comments. */
function meaningfulLines(text: string): Array<{ line: number; text: string }> {
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}

/** `os/arch[/variant][:osversion]`, or `local` (this machine). */
function platformOf(value: string | undefined): Platform | undefined {
  if (value === undefined) return undefined;
  return value === 'local' ? localPlatform() : parsePlatform(value);
}

function parsePutLine(json: string, line: number): BulkPutItem {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new SyntaxError(`not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SyntaxError('expected a JSON object');
  const fields = parseWith(putLineSchema(), value, { kind: 'line', pointer: '' });
  return checkBulkPutItem({ ...fields, line, platform: platformOf(fields.platform) });
}

/** Checks an operation's image reference, type name and annotations (before any request). */
export function checkBulkPutItem(item: BulkPutItem): BulkPutItem {
  parseReference(item.image);
  validateTypeName(item.type);
  if (item.annotations !== undefined) validateAnnotations(item.annotations);
  return item;
}

/** Parses and checks a `put --from` JSON lines file; throws a usage error naming the first bad line. */
export function parseBulkPut(text: string, source: string): BulkPutItem[] {
  const items: BulkPutItem[] = [];
  for (const { line, text: json } of meaningfulLines(text)) {
    try {
      items.push(parsePutLine(json, line));
    } catch (error) {
      const message =
        error instanceof KindInvalidError
          ? `${error.pointer === '' ? 'the line' : error.pointer} ${error.problem}`
          : error instanceof SyntaxError
            ? error.message
            : internalError(error).message;
      throw lineError(source, line, message, error);
    }
  }
  if (items.length === 0) throw usageError('BULK_EMPTY', `${source}: no operations`);
  return items;
}

/** Parses a `list --from` file: one image reference per line. */
export function parseBulkList(text: string, source: string): BulkListItem[] {
  const items: BulkListItem[] = [];
  for (const { line, text: image } of meaningfulLines(text)) {
    try {
      parseReference(image);
    } catch (error) {
      throw lineError(source, line, internalError(error).message, error);
    }
    items.push({ line, image });
  }
  if (items.length === 0) throw usageError('BULK_EMPTY', `${source}: no references`);
  return items;
}
