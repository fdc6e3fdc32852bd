/**
 * Bulk operations: `manifesto put --from ops.jsonl` and `manifesto list --from refs.txt` run many
 * operations in one process, through the domain's bulk engine (metadata/bulk/: the line format,
 * scheduling with work slots, upload de-duplication). Every line is checked before the first request;
 * each item's result is one JSON line on stdout; a progress bar goes to stderr on a terminal. Here:
 * the flags, the environment, the image opener shared by the items (one connection pool per
 * registry) and the output.
 */
import { readFile } from 'node:fs/promises';
import { usageError } from '../../errors/errors.ts';
import { parseBulkList, parseBulkPut } from '../../metadata/bulk/lines.ts';
import { listMany } from '../../metadata/bulk/list-many.ts';
import { putMany } from '../../metadata/bulk/put-many.ts';
import { createBulkRun } from '../../metadata/bulk/run.ts';
import { checkTypeNameSpelling } from '../../metadata/type-name.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { createImageOpener } from '../../open/open-image.ts';
import type { CommandContext } from '../context.ts';
import type { CommandIO } from '../io.ts';
import { subjectJson, versionJson } from '../render.ts';
import { type BulkOutcome, bulkReport } from './bulk-report.ts';
import { defaultAuthor, maxContentSize, strictTypes } from './put-settings.ts';

export { DEFAULT_BULK_CONCURRENCY } from '../../metadata/bulk/run.ts';
export type { BulkOutcome };

export interface BulkOptions {
  /** The file of operations, or `-` for standard input. */
  from: string;
  concurrency?: number | undefined;
  maxSize?: number | undefined;
  noValidate?: boolean | undefined;
  /** Refuse type names that look like typos of well-known ones (else one warning per name). */
  strictTypes?: boolean | undefined;
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

/** The bulk run and an image opener to match: its waits release work slots; a connection per slot. */
function bulkRunner(context: CommandContext, concurrency: number | undefined) {
  const run = createBulkRun(concurrency, context.client.tagSchemaClock);
  const openImage = createImageOpener({
    ...context.client,
    maxConnections: Math.max(context.client.maxConnections ?? 8, run.concurrency),
    tagSchemaClock: run.waitClock,
  });
  return { run, openImage: (image: string) => openImage(image) };
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
  const report = bulkReport(io, items.length);
  await putMany({
    items,
    ...bulkRunner(context, options.concurrency),
    maxSize: maxContentSize(options.maxSize, io.env),
    validate: options.noValidate !== true,
    author: defaultAuthor(io.env),
    now: context.now,
    onOutcome: (item, outcome) => {
      if (!outcome.ok) return report.failed(item, outcome.error);
      const result = outcome.value;
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
    },
  });
  return report.finish(context.json, 'put --from');
}

/** `manifesto list --from refs.txt`. */
export async function bulkListCommand(options: BulkOptions, context: CommandContext): Promise<BulkOutcome> {
  const { io } = context;
  const items = parseBulkList(await readSource(options.from, io), sourceName(options.from));
  const report = bulkReport(io, items.length);
  await listMany({
    items,
    ...bulkRunner(context, options.concurrency),
    onOutcome: (item, outcome) => {
      if (!outcome.ok) return report.failed(item, outcome.error);
      report.succeeded({
        line: item.line,
        image: item.image,
        ok: true,
        subject: subjectJson(outcome.value.subject),
        types: outcome.value.types.map((t) => ({
          type: t.type,
          label: t.label,
          count: t.versions.length,
          latest: versionJson(t.versions[0]!),
        })),
      });
    },
  });
  return report.finish(context.json, 'list --from');
}
