/**
 * `manifesto index sync|status|query|drop`: the fleet index (src/fleet) from the command line. This
 * file only turns arguments into sync sources (opening repositories, asking a registry's catalog),
 * calls the typed domain functions and renders; the index lives in one SQLite file under the state
 * directory (`--index PATH` / MANIFESTO_INDEX override it).
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT_CODES, usageError } from '../../errors/errors.ts';
import { FIELDS, imageIdentity } from '../../fleet/fields.ts';
import { countQuery, prepareQuery, runQuery } from '../../fleet/query.ts';
import { type SavedQuestions, savedQuery } from '../../fleet/saved.ts';
import { openSqliteStore } from '../../fleet/sqlite-store.ts';
import type { FullImage, IndexStore } from '../../fleet/store.ts';
import type { SyncTarget } from '../../fleet/sync.ts';
import { type FleetSource, type RepositoryOutcome, syncFleet } from '../../fleet/sync-fleet.ts';
import { type IndexTrust, policyIdentity } from '../../fleet/trust.ts';
import { namesTagOrDigest, parseReference } from '../../oci/reference.ts';
import { createImageOpener, createTransportPool } from '../../open/open-image.ts';
import { loadTrustPolicy, trustPolicyPath } from '../../policy/trust/trust-policy.ts';
import { stateDirectory } from '../../policy/trust/trusted-state.ts';
import { listCatalog } from '../../registry/catalog.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { table } from '../render.ts';

/** The index file: --index, else $MANIFESTO_INDEX, else STATE_DIR/index.db. */
export function indexPath(option: string | undefined, env: Record<string, string | undefined>): string {
  if (option !== undefined && option !== '') return option;
  const fromEnv = setting(env, 'MANIFESTO_INDEX');
  if (fromEnv !== undefined) return fromEnv;
  return join(stateDirectory(env), 'index.db');
}

export function withStore<T>(path: string, work: (store: IndexStore) => Promise<T> | T): Promise<T> {
  const store = openSqliteStore(path);
  return Promise.resolve()
    .then(() => work(store))
    .finally(() => store.close());
}

/** `host[:port]`: a registry host alone (not a Docker Hub short name). */
function isRegistryHost(target: string): boolean {
  return !target.includes('/') && (target.includes(':') || target.includes('.') || target === 'localhost');
}

export interface IndexSyncOptions {
  index: string | undefined;
  targets: string[];
  /** A file of targets, one per line (# comments). */
  from: string | undefined;
  concurrency: number | undefined;
  /** --trust-policy FILE (else $MANIFESTO_TRUST_POLICY, else the default file when it exists). */
  trustPolicy?: string | undefined;
}

/**
 * The trust policy a sync verifies under: the one `verify` uses when one is configured. A policy
 * named by --trust-policy or $MANIFESTO_TRUST_POLICY must load; the default file is used when it
 * exists (without any, nothing is verified and a sync costs what it did).
 */
async function indexTrustFor(
  options: IndexSyncOptions,
  context: CommandContext,
): Promise<IndexTrust | undefined> {
  const env = context.io.env;
  const named = (options.trustPolicy ?? '') !== '' || setting(env, 'MANIFESTO_TRUST_POLICY') !== undefined;
  if (!named && !existsSync(trustPolicyPath(undefined, env))) return undefined;
  const policy = await loadTrustPolicy(options.trustPolicy, env);
  return { policy, identity: policyIdentity(policy), now: context.now };
}

async function sourcesOf(options: IndexSyncOptions, context: CommandContext, count: () => number) {
  const lines =
    options.from === undefined
      ? []
      : (await readFile(options.from, 'utf8'))
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#'));
  const targets = [...options.targets, ...lines];
  if (targets.length === 0) {
    throw usageError(
      'ARGS_POSITIONALS',
      'index sync: no target',
      'Name registries (host[:port]), prefixes (host/team/), repositories (host/team/app) or layouts (oci:DIR), or --from FILE.',
    );
  }
  const client = {
    ...context.client,
    onRequest: (event: Parameters<NonNullable<typeof context.client.onRequest>>[0]) => {
      count();
      context.client.onRequest?.(event);
    },
  };
  const opener = createImageOpener(client);
  const transports = createTransportPool(client);
  const open = async (reference: string): Promise<SyncTarget> => {
    const opened = await opener(reference, { keepDefaultTag: true });
    const ref = opened.reference;
    if (ref.kind === 'oci-layout') {
      const location = `oci:${ref.path}`;
      return { registry: location, name: '', location, repository: opened.repository };
    }
    return {
      registry: ref.registry,
      name: ref.repository,
      location: `${ref.registry}/${ref.repository}`,
      repository: opened.repository,
    };
  };
  // Named repositories of one registry are one source; catalogs and layouts are one each.
  const named = new Map<string, string[]>();
  const sources: FleetSource[] = [];
  for (const target of targets) {
    if (target.startsWith('oci:')) {
      sources.push({ registry: target, repositories: async () => [await open(target)] });
    } else if (isRegistryHost(target) || target.endsWith('/')) {
      const [host, ...rest] = target.replace(/\/+$/, '').split('/');
      const prefix = rest.join('/');
      sources.push({
        registry: host!,
        complete: prefix === '' ? `${host}/` : `${host}/${prefix}/`,
        repositories: async () => {
          const catalog = await listCatalog(transports(host!), prefix === '' ? undefined : prefix);
          return Promise.all(catalog.repositories.map((name) => open(`${host}/${name}`)));
        },
      });
    } else {
      const ref = parseReference(target);
      if (ref.kind !== 'registry' || namesTagOrDigest(target)) {
        throw usageError(
          'INDEX_TARGET_INVALID',
          `index sync: "${target}" is not a repository`,
          'Name a repository without tag or digest (host/team/app), a registry (host[:port]), a prefix (host/team/) or oci:DIR.',
        );
      }
      const list = named.get(ref.registry) ?? [];
      list.push(`${ref.registry}/${ref.repository}`);
      named.set(ref.registry, list);
    }
  }
  for (const [registry, repositories] of named) {
    sources.push({ registry, repositories: () => Promise.all(repositories.map(open)) });
  }
  return sources;
}

const CLEAR_LINE = Buffer.from('\r\x1b[K');

export async function indexSyncCommand(options: IndexSyncOptions, context: CommandContext): Promise<number> {
  const path = indexPath(options.index, context.io.env);
  let requests = 0;
  const trust = await indexTrustFor(options, context);
  const sources = await sourcesOf(options, context, () => requests++);
  const controller = new AbortController();
  const interrupt = () => {
    context.io.stderr.write('interrupted: finishing the repository in progress (Ctrl-C again to stop now)\n');
    controller.abort();
    process.removeListener('SIGINT', interrupt);
  };
  process.once('SIGINT', interrupt);
  // On a terminal, one line of progress rewritten in place (cleared before each repository's report).
  let progressShown = false;
  const progress = (location: string, done: number, total: number) => {
    if (!context.io.interactive) return;
    // Control bytes as a Buffer (stderr makes strings terminal-safe, which would drop them).
    context.io.stderr.write(CLEAR_LINE);
    context.io.stderr.write(`${location}: ${done}/${total} images`);
    progressShown = true;
  };
  const report = (outcome: RepositoryOutcome) => {
    if (progressShown) {
      context.io.stderr.write(CLEAR_LINE);
      progressShown = false;
    }
    if ('error' in outcome) writeLine(context.io.stderr, `${outcome.location}: failed: ${outcome.error}`);
    else {
      writeLine(
        context.io.stderr,
        `${outcome.location}: ${outcome.images} images (${outcome.changed} read, ${outcome.unchanged} unchanged)`,
      );
      for (const problem of outcome.problems) writeLine(context.io.stderr, `  warning: ${problem}`);
    }
  };
  const result = await withStore(path, (store) =>
    syncFleet({
      store,
      sources,
      concurrency: options.concurrency,
      now: context.now,
      requests: () => requests,
      onRepository: report,
      onProgress: progress,
      signal: controller.signal,
      trust,
    }),
  ).finally(() => process.removeListener('SIGINT', interrupt));
  const images = result.synced.reduce((n, r) => n + r.images, 0);
  const changed = result.synced.reduce((n, r) => n + r.changed, 0);
  if (context.json) {
    writeJson(context.io.stdout, { index: path, requests, ...result });
  } else {
    writeLine(
      context.io.stdout,
      `indexed ${result.synced.length} repositories, ${images} images (${changed} read, ${images - changed} unchanged), ${requests} requests${result.removed.length === 0 ? '' : `; ${result.removed.length} repositories gone from the catalog removed`}${result.failed.length === 0 ? '' : `; ${result.failed.length} failed`}`,
    );
  }
  if (result.interrupted) return 130;
  return result.failed.length === 0 ? 0 : EXIT_CODES.partial;
}

export async function indexStatusCommand(options: { index: string | undefined }, context: CommandContext) {
  const path = indexPath(options.index, context.io.env);
  const status = await withStore(path, (store) => store.status());
  if (context.json) {
    writeJson(context.io.stdout, status);
    return;
  }
  writeLine(context.io.stdout, `index ${status.path} (schema ${status.schemaVersion})`);
  if (status.registries.length === 0) {
    writeLine(context.io.stdout, 'nothing indexed yet: run "manifesto index sync TARGET..."');
    return;
  }
  writeLine(
    context.io.stdout,
    table(
      ['REGISTRY', 'LAST SYNC', 'REPOSITORIES', 'IMAGES', 'REQUESTS', 'ERROR'],
      status.registries.map((r) => [
        r.name,
        r.syncedAt ?? 'never',
        String(r.repositories),
        String(r.images),
        r.requests === null ? '-' : String(r.requests),
        r.error ?? '',
      ]),
    ),
  );
  const failing = status.repositories.filter((r) => r.error !== null);
  for (const r of failing) writeLine(context.io.stdout, `${r.location}: last sync failed: ${r.error}`);
}

export interface IndexQueryOptions {
  index: string | undefined;
  expression: string | undefined;
  limit: number | undefined;
  cursor: string | undefined;
  count: boolean;
  explain: boolean;
  fields: boolean;
  csv: boolean;
  /** Saved questions (flags), ANDed with the expression. */
  questions?: SavedQuestions | undefined;
}

function imageJson(image: FullImage) {
  return {
    ...imageIdentity(image),
    indexedAt: image.indexedAt,
    checkedAt: image.syncedAt,
    registrySyncedAt: image.registrySyncedAt,
  };
}

/** One JSON value per line (JSON lines), for streams of results. */
function writeJsonLine(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value)}\n`);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export async function indexQueryCommand(
  options: IndexQueryOptions,
  context: CommandContext,
): Promise<number> {
  const { stdout, stderr } = context.io;
  if (options.fields) {
    if (context.json) for (const field of FIELDS) writeJsonLine(stdout, field);
    else
      writeLine(
        stdout,
        table(
          ['FIELD', 'TYPE', 'MEANING'],
          FIELDS.map((f) => [f.name, f.type, f.description]),
        ),
      );
    return 0;
  }
  const expression = savedQuery(options.questions ?? {}, options.expression);
  if (expression === undefined) {
    throw usageError(
      'ARGS_POSITIONALS',
      'index query: no expression',
      "e.g. manifesto index query 'vuln.critical > 0', or a saved question: --vulnerability ID, --prunable DAYS ...",
    );
  }
  const query = await prepareQuery(expression);
  if (options.explain) {
    const plan = query.plan;
    if (context.json) writeJson(stdout, plan);
    else {
      for (const part of plan.compiled)
        writeLine(stdout, `sql:        ${part.source}\n            ${part.sql}`);
      if (options.expression !== expression) writeLine(stdout, `query:      ${expression}`);
      for (const part of plan.inProcess) writeLine(stdout, `in process: ${part}`);
    }
    return 0;
  }
  const path = indexPath(options.index, context.io.env);
  return withStore(path, (store) => {
    const now = context.now?.() ?? new Date();
    if (options.count) {
      const n = countQuery(store, query, now);
      if (context.json) writeJson(stdout, { count: n });
      else writeLine(stdout, String(n));
      return 0;
    }
    const result = runQuery(store, query, { limit: options.limit, cursor: options.cursor, now });
    if (context.json) {
      for (const image of result.images) writeJsonLine(stdout, imageJson(image));
    } else if (options.csv) {
      writeLine(stdout, 'repository,digest,platform,tags,indexed_at,checked_at');
      for (const i of result.images) {
        const cells = [i.location, i.digest, i.platform, i.tags.join(' '), i.indexedAt, i.syncedAt];
        writeLine(stdout, cells.map(csvCell).join(','));
      }
    } else if (result.images.length === 0) {
      writeLine(stderr, 'no images match');
    } else {
      writeLine(
        stdout,
        table(
          ['REPOSITORY', 'DIGEST', 'PLATFORM', 'TAGS', 'CHECKED'],
          result.images.map((i) => [
            i.location,
            i.digest,
            i.platform || '-',
            i.tags.join(', ') || '-',
            i.syncedAt,
          ]),
        ),
      );
    }
    if (result.next !== undefined) writeLine(stderr, `more: --cursor '${result.next}'`);
    return 0;
  });
}

export async function indexDropCommand(options: { index: string | undefined }, context: CommandContext) {
  const path = indexPath(options.index, context.io.env);
  for (const suffix of ['', '-wal', '-shm']) await rm(`${path}${suffix}`, { force: true });
  if (context.json) writeJson(context.io.stdout, { dropped: path });
  else writeLine(context.io.stdout, `dropped ${path} (the next sync rebuilds it)`);
}
