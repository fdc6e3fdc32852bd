/**
 * Bulk operations: `manifesto put --from ops.jsonl` and `manifesto list --from refs.txt` run many
 * operations in one process. Every line is checked before the first request (a malformed line is a
 * usage error naming its line number, and nothing is written); then the items run with bounded
 * concurrency, sharing one connection pool per registry (the image opener's transports). Items of one
 * type on one image run one after the other, in file order (each version supersedes the one before);
 * everything else runs in parallel, and this process's concurrent changes to one image's referrers
 * index are coalesced into shared writes (registry/referrers-index-queue.ts). `--concurrency` bounds the items doing work at a time (work slots); an item waiting for the
 * referrers tag schema to settle (≥ 250 ms after its index write, on registries without the referrers
 * API) gives its slot to the next item meanwhile, so that wait costs latency, not throughput. Content blobs (and the empty config) are uploaded once per repository and digest: many
 * puts of the same file cost only their manifest requests; each file is read and hashed once per run. Each item's result is one JSON line on
 * stdout; a progress bar goes to stderr on a terminal.
 */
import { readFile } from 'node:fs/promises';
import { ManifestoError, usageError } from '../../errors/errors.ts';
import { DEFAULT_MAX_CONTENT_BYTES } from '../../metadata/content-source.ts';
import { checkKindContent } from '../../metadata/kind-check.ts';
import { readListing, summariseTypes } from '../../metadata/listing.ts';
import { contentMediaType, pushVersionBlobs, putMetadata, validateAnnotations } from '../../metadata/put.ts';
import { resolveTarget } from '../../metadata/target.ts';
import { checkTypeNameSpelling, validateTypeName } from '../../metadata/type-name.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { parseReference } from '../../oci/reference.ts';
import { createImageOpener } from '../../open/open-image.ts';
import { systemClock } from '../../registry/referrers-tag-schema.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext } from '../context.ts';
import { toManifestoError } from '../errors-output.ts';
import type { CommandIO } from '../io.ts';
import { parsePlatformFlag } from '../platform-flag.ts';
import { createPreparedFiles } from '../prepared-files.ts';
import { subjectJson, versionJson } from '../render.ts';
import { createWorkSlots, slotReleasingClock } from '../work-slots.ts';
import { defaultAuthor, strictTypes } from './put.ts';

export const DEFAULT_BULK_CONCURRENCY = 16;
/** Items started at a time per work slot: the rest of them wait idle (settling) without a slot. */
const ADMITTED_PER_SLOT = 16;

/** One line of a `put --from` file. */
export interface BulkPutItem {
  /** 1-based line number in the file. */
  line: number;
  image: string;
  type: string;
  file: string;
  mediaType?: string | undefined;
  annotations?: Record<string, string> | undefined;
  author?: string | undefined;
  platform?: Platform | undefined;
}

export interface BulkListItem {
  line: number;
  image: string;
}

export interface BulkOutcome {
  total: number;
  failed: number;
}

const PUT_FIELDS = new Set(['image', 'type', 'file', 'mediaType', 'annotations', 'author', 'platform']);

function lineError(source: string, line: number, message: string, cause?: unknown): ManifestoError {
  return usageError(
    'BULK_LINE_INVALID',
    `${source} line ${line}: ${message}`,
    'Fix the line and run again; nothing was written.',
    cause,
  );
}

function optionalString(record: Record<string, unknown>, field: string, fail: (m: string) => never) {
  const value = record[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') fail(`"${field}" must be a string`);
  return value as string;
}

/** The lines of a file with their 1-based numbers, without blank lines and `#` comments. */
function meaningfulLines(text: string): Array<{ line: number; text: string }> {
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'));
}

/** Parses and checks a `put --from` JSON lines file; throws a usage error naming the first bad line. */
export function parseBulkPut(text: string, source: string): BulkPutItem[] {
  const items: BulkPutItem[] = [];
  for (const { line, text: json } of meaningfulLines(text)) {
    const fail = (message: string, cause?: unknown): never => {
      throw lineError(source, line, message, cause);
    };
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      fail(`not valid JSON (${(error as Error).message})`, error);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!PUT_FIELDS.has(key)) fail(`unknown field "${key}" (expected ${[...PUT_FIELDS].join(', ')})`);
    }
    const image = optionalString(record, 'image', fail);
    const type = optionalString(record, 'type', fail);
    const file = optionalString(record, 'file', fail);
    if (image === undefined || type === undefined || file === undefined)
      fail('"image", "type" and "file" are required');
    let annotations: Record<string, string> | undefined;
    if (record.annotations !== undefined) {
      const a = record.annotations;
      if (typeof a !== 'object' || a === null || Array.isArray(a)) fail('"annotations" must be an object');
      for (const v of Object.values(a as Record<string, unknown>))
        if (typeof v !== 'string') fail('"annotations" values must be strings');
      annotations = a as Record<string, string>;
    }
    try {
      parseReference(image!);
      validateTypeName(type!);
      if (annotations !== undefined) validateAnnotations(annotations);
      items.push({
        line,
        image: image!,
        type: type!,
        file: file!,
        mediaType: optionalString(record, 'mediaType', fail),
        annotations,
        author: optionalString(record, 'author', fail),
        platform: parsePlatformFlag(optionalString(record, 'platform', fail)),
      });
    } catch (error) {
      if (error instanceof ManifestoError && error.code === 'BULK_LINE_INVALID') throw error;
      fail(toManifestoError(error).message, error);
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
      throw lineError(source, line, toManifestoError(error).message, error);
    }
    items.push({ line, image });
  }
  if (items.length === 0) throw usageError('BULK_EMPTY', `${source}: no references`);
  return items;
}

const sourceName = (from: string): string => (from === '-' ? 'standard input' : from);

async function readSource(path: string, io: CommandIO): Promise<string> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw usageError('BULK_FILE_UNREADABLE', `--from ${path}: ${(error as Error).message}`, undefined, error);
  }
}

/**
 * The per-item results of a bulk command: a JSON line on stdout for each item, a one-line progress bar
 * on stderr (only on a terminal), and the outcome at the end.
 */
function bulkReport(io: CommandIO, total: number) {
  let done = 0;
  let failed = 0;
  let firstError: ManifestoError | undefined;
  const draw = () => {
    if (!io.interactive) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    // Bytes: stderr makes strings terminal-safe, and this line's carriage return is ours.
    io.stderr.write(
      Buffer.from(
        `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`,
      ),
    );
  };
  draw();
  return {
    succeeded(line: Record<string, unknown>) {
      io.stdout.write(`${JSON.stringify(line)}\n`);
      done++;
      draw();
    },
    failed(item: { line: number; image: string }, error: unknown) {
      const failure = toManifestoError(error);
      firstError ??= failure;
      io.stdout.write(
        `${JSON.stringify({ line: item.line, image: item.image, ok: false, error: failure.toJSON() })}\n`,
      );
      done++;
      failed++;
      draw();
    },
    /** Ends the bar; throws a 'partial' error (or the error of every item) when any item failed. */
    finish(json: boolean, what: string): BulkOutcome {
      if (io.interactive) io.stderr.write('\n');
      const outcome = { total, failed };
      if (failed === 0) {
        if (!json) io.stderr.write(`${what}: ${total} of ${total} ok\n`);
        return outcome;
      }
      throw new ManifestoError(
        'BULK_PARTIAL',
        `${what}: ${failed} of ${total} failed (see the lines with "ok": false on stdout)`,
        {
          category: failed === total && firstError !== undefined ? firstError.category : 'partial',
          hint: 'The other items succeeded; run the failed lines again.',
        },
      );
    },
  };
}

/**
 * Runs `run` for every item, at most `admitted` at a time; items with the same key run in file order,
 * one after the other.
 */
async function runGrouped<T>(
  items: readonly T[],
  key: (item: T) => string,
  admitted: number,
  run: (item: T) => Promise<void>,
): Promise<void> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  const queue = [...groups.values()];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const group = queue[next++]!;
      for (const item of group) await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(admitted, queue.length) }, worker));
}

/**
 * The work slots of a bulk command and an image opener to match: as many connections per registry as
 * items work at a time (requests queued for a connection would count as registry latency in the tag
 * schema's settle time), and tag-schema waits that release the item's slot.
 */
function bulkRunner(context: CommandContext, concurrency: number) {
  const slots = createWorkSlots(concurrency);
  const openImage = createImageOpener({
    ...context.client,
    maxConnections: Math.max(context.client.maxConnections ?? 8, concurrency),
    tagSchemaClock: slotReleasingClock(slots, context.client.tagSchemaClock ?? systemClock),
  });
  const runAll = <T>(items: readonly T[], key: (item: T) => string, run: (item: T) => Promise<void>) =>
    runGrouped(items, key, concurrency * ADMITTED_PER_SLOT, (item) => slots.run(() => run(item)));
  return { openImage, runAll };
}

export interface BulkOptions {
  /** The file of operations, or `-` for standard input. */
  from: string;
  concurrency?: number | undefined;
  maxSize?: number | undefined;
  noValidate?: boolean | undefined;
  /** Refuse type names that look like typos of well-known ones (else one warning per name). */
  strictTypes?: boolean | undefined;
}

/** `manifesto put --from ops.jsonl`. */
export async function bulkPutCommand(options: BulkOptions, context: CommandContext): Promise<BulkOutcome> {
  const { io } = context;
  const items = parseBulkPut(await readSource(options.from, io), sourceName(options.from));
  // Before the first request: a typo of a well-known type name warns once, or (strict) stores nothing.
  for (const type of new Set(items.map((item) => item.type))) {
    const spelling = checkTypeNameSpelling(type, strictTypes(options.strictTypes, io.env));
    if (spelling !== undefined) io.stderr.write(`warning: ${spelling}\n`);
  }
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_BULK_CONCURRENCY);
  const { openImage, runAll } = bulkRunner(context, concurrency);
  const maxSize = options.maxSize ?? setting(io.env, 'MANIFESTO_MAX_SIZE') ?? DEFAULT_MAX_CONTENT_BYTES;
  const author = defaultAuthor(io.env);
  const report = bulkReport(io, items.length);
  // Each file is read and hashed once, each (type, content) validated once, however many items use it.
  const files = createPreparedFiles(maxSize);
  const checked = new Set<string>();
  // Uploads of each (repository, content digest), shared by the items that store that content there.
  const uploads = new Map<string, Promise<void>>();
  await runAll(
    items,
    // One type's versions of one image form a chain (each supersedes the one before): in file order.
    // Other types of the same image run alongside; their index changes share writes.
    (item) => JSON.stringify([item.image, item.platform ?? null, item.type]),
    async (item) => {
      try {
        const opened = await openImage(item.image);
        const content = await files.get(item.file);
        const mediaType = contentMediaType(content, item.mediaType);
        const checkKey = `${item.type}\n${mediaType}\n${content.digest}`;
        if (!checked.has(checkKey)) {
          checkKindContent(item.type, content, mediaType, { validate: options.noValidate !== true });
          checked.add(checkKey);
        }
        const key = `${opened.repository.location}\n${mediaType}\n${content.digest}`;
        const shared = uploads.get(key);
        // Another item's failed upload is its own failure: this item then uploads itself.
        const done =
          shared === undefined
            ? false
            : await shared.then(
                () => true,
                () => false,
              );
        if (!done) {
          const upload = pushVersionBlobs(opened.repository, content, mediaType, { emptyConfig: true });
          uploads.set(key, upload);
          upload.catch(() => {
            if (uploads.get(key) === upload) uploads.delete(key);
          });
          await upload;
        }
        const subject =
          item.platform === undefined
            ? undefined
            : (
                await resolveTarget(opened.repository, opened.target, {
                  platform: item.platform,
                  image: opened.display,
                })
              ).subject;
        const result = await putMetadata({
          repository: opened.repository,
          reference: opened.target,
          type: item.type,
          content,
          mediaType: item.mediaType,
          author: item.author ?? author,
          annotations: item.annotations,
          now: context.now,
          subject,
          blobsPushed: true,
          validate: false,
        });
        report.succeeded({
          line: item.line,
          image: item.image,
          ok: true,
          ...(item.platform === undefined ? {} : { platform: formatPlatform(item.platform) }),
          type: result.type,
          version: result.version,
          subject: subjectJson(result.subject),
          supersedes: result.supersedes ?? null,
        });
      } catch (error) {
        report.failed(item, error);
      }
    },
  );
  await files.dispose();
  return report.finish(context.json, 'put --from');
}

/** `manifesto list --from refs.txt`. */
export async function bulkListCommand(options: BulkOptions, context: CommandContext): Promise<BulkOutcome> {
  const { io } = context;
  const items = parseBulkList(await readSource(options.from, io), sourceName(options.from));
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_BULK_CONCURRENCY);
  const { openImage, runAll } = bulkRunner(context, concurrency);
  const report = bulkReport(io, items.length);
  await runAll(
    items,
    (item) => `${item.line}`,
    async (item) => {
      try {
        const opened = await openImage(item.image);
        const target = await resolveTarget(opened.repository, opened.target, { image: opened.display });
        const types = summariseTypes(await readListing(opened.repository, target.subject));
        report.succeeded({
          line: item.line,
          image: item.image,
          ok: true,
          subject: subjectJson(target.subject),
          types: types.map((t) => ({
            type: t.type,
            label: t.label,
            count: t.versions.length,
            latest: versionJson(t.versions[0]!),
          })),
        });
      } catch (error) {
        report.failed(item, error);
      }
    },
  );
  return report.finish(context.json, 'list --from');
}
