/**
 * The operations the benchmark measures, each as manifesto does it and as a user of oras would:
 *
 *   put      manifesto put IMAGE TYPE FILE          oras attach --artifact-type application/vnd.manifesto.TYPE.v1
 *   get      manifesto get IMAGE TYPE               oras discover, then oras pull of the newest referrer
 *   list     manifesto list IMAGE                   oras discover
 *   history  manifesto history IMAGE TYPE           oras discover
 *
 * and, on a 3-platform index, put --all-platforms and list --tree (platforms.ts; scenarios.ts joins them).
 *
 * Puts run on a fresh image in a fresh repository each time ("first": nothing attached yet; "steady":
 * one version of the type stored before), so every count is uncontended and independent of earlier runs.
 * Reads share one prepared image per registry: get 2 versions of the type, list 4 versions of 3 types,
 * history 100 versions.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BenchImage,
  type BenchRegistry,
  benchRepository,
  proxiedReference,
  pushFreshImage,
  type ReferenceStyle,
  storeVersions,
} from './fixtures.ts';
import { type RunResult, runMeasured } from './processes.ts';
import { type ManifestoCli, orasBin } from './tools.ts';

export type OperationName = 'put' | 'get' | 'list' | 'history' | 'put-all-platforms' | 'list-tree';
export const OPERATION_NAMES: readonly OperationName[] = [
  'put',
  'get',
  'list',
  'history',
  'put-all-platforms',
  'list-tree',
];

export type Tool = 'manifesto' | 'oras';
export const TOOLS: readonly Tool[] = ['manifesto', 'oras'];

/**
 * The metadata type every scenario uses: a name no well-known kind claims (src/kinds), so content is
 * stored as it is and only the storage path is measured.
 */
export const BENCH_TYPE = 'bench-profile';
export const ARTIFACT_TYPE = `application/vnd.manifesto.${BENCH_TYPE}.v1`;
export const HISTORY_VERSIONS = 100;

/** Request budgets of manifesto: with the referrers API, and with the referrers tag schema. */
export interface Budget {
  api: number;
  tagSchema: number;
}

export const BUDGETS: Readonly<Record<OperationName, Budget>> = {
  // Tag schema: including the verification read and the deletion of the replaced index.
  put: { api: 5, tagSchema: 9 },
  // Tag schema: HEAD of the image, referrers API probe (first contact), the index, the version's
  // manifest (it pins the content; not from the cache there: an index can list a deleted version),
  // the blob. API: the version manifest comes from the on-disk cache (read while listing).
  get: { api: 3, tagSchema: 5 },
  list: { api: 2, tagSchema: 3 },
  // One listing, like list.
  history: { api: 2, tagSchema: 3 },
  // 3 platforms, first put on each (platforms.ts). Shared by the platforms: 1 GET of the index (the
  // tag's resolution of a single put), the content and config blobs (API: HEAD + upload, 2, as a
  // single put; tags: HEAD, POST + PUT of each blob, 5) and, on the tag schema, 1 referrers API probe
  // (a property of the registry, the same answer for every manifest). Per platform: API 2 (the
  // listing, for the version to supersede, and the manifest PUT); tags 4 (GET of the index
  // `sha256-<hex>`, manifest PUT, index PUT, verification HEAD; no deletion: nothing is replaced).
  // API 1 + 2 + 3 x 2 = 9; tags 1 + 5 + 1 + 3 x 4 = 19.
  'put-all-platforms': { api: 9, tagSchema: 19 },
  // The GET of the index, then one listing per manifest (index + 3 platforms), as list: API 1 + 4;
  // tags 1 + 1 referrers API probe + 4 GETs of the tag schema index.
  'list-tree': { api: 5, tagSchema: 6 },
};

export function budgetFor(operation: OperationName, referrersApi: boolean): number {
  const budget = BUDGETS[operation];
  return referrersApi ? budget.api : budget.tagSchema;
}

export interface BenchContext {
  bench: BenchRegistry;
  manifesto: ManifestoCli;
  /** Environment of both clients (isolated HOME). */
  env: Record<string, string>;
  /**
   * manifesto's on-disk manifest cache (MANIFESTO_CACHE_DIR) for its next run: a new empty folder
   * each time (cold), or one folder for the whole registry (warm).
   */
  manifestoCacheDir(): string;
  /** A folder for this registry's run files, removed afterwards. */
  workDir: string;
}

/** What one run of one tool acts on. */
export interface RunTarget {
  image: BenchImage;
  reference: string;
  /** Working directory of the run (holds the file a put stores). */
  cwd: string;
}

/** One run of one tool: one or more processes (oras get is discover + pull). */
export interface ToolRun {
  code: number;
  /** Sum of the processes' wall times. */
  wallMs: number;
  /** The largest peak RSS of the processes, KiB. */
  peakRssKb: number | undefined;
  /** Sum of the processes' user + system CPU, ms (undefined without /usr/bin/time). */
  cpuMs?: number | undefined;
  processes: number;
  /** stderr of the first failing process. */
  error?: string | undefined;
}

export interface Scenario {
  /** e.g. 'put-first-tag'. */
  id: string;
  operation: OperationName;
  /** e.g. 'put first :tag'. */
  label: string;
  /** Called once per registry before any run. */
  setup(context: BenchContext): Promise<void>;
  /** Called before each run of each tool (not timed, not counted). */
  prepare(context: BenchContext, tool: Tool, runId: string): Promise<RunTarget>;
  run(context: BenchContext, tool: Tool, target: RunTarget): Promise<ToolRun>;
}

export function combine(results: readonly RunResult[]): ToolRun {
  const failed = results.find((r) => r.code !== 0);
  const rss = results.map((r) => r.peakRssKb).filter((v): v is number => v !== undefined);
  return {
    code: failed?.code ?? 0,
    wallMs: results.reduce((sum, r) => sum + r.wallMs, 0),
    peakRssKb: rss.length === 0 ? undefined : Math.max(...rss),
    cpuMs: results.every((r) => r.cpuMs !== undefined)
      ? results.reduce((sum, r) => sum + r.cpuMs!, 0)
      : undefined,
    processes: results.length,
    error: failed === undefined ? undefined : (failed.stderr.trim() || failed.stdout.trim()).slice(0, 2000),
  };
}

export function runManifesto(
  context: BenchContext,
  args: readonly string[],
  cwd: string,
): Promise<RunResult> {
  const { manifesto } = context;
  return runMeasured(manifesto.command, [...manifesto.prefix, ...args, '--plain-http'], {
    cwd,
    env: { ...context.env, MANIFESTO_CACHE_DIR: context.manifestoCacheDir() },
  });
}

export function runOras(context: BenchContext, args: readonly string[], cwd: string): Promise<RunResult> {
  const [command, ...rest] = args;
  return runMeasured(orasBin(), [command!, '--plain-http', ...rest], { cwd, env: context.env });
}

interface DiscoveredReferrer {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/**
 * What a script around oras takes as the latest version: among the referrers of the artifact type
 * (all of them when the registry does not report it, as go-containerregistry's registry), the newest
 * by `org.opencontainers.image.created` when listed, else the last listed.
 */
export function pickLatestReferrer(discoverJson: string, artifactType: string): string | undefined {
  let referrers: DiscoveredReferrer[];
  try {
    const parsed = JSON.parse(discoverJson) as {
      referrers?: DiscoveredReferrer[];
      manifests?: DiscoveredReferrer[];
    };
    referrers = parsed.referrers ?? parsed.manifests ?? [];
  } catch {
    return undefined;
  }
  const typed = referrers.filter((r) => r.artifactType === artifactType);
  const pool = typed.length > 0 ? typed : referrers;
  let best: DiscoveredReferrer | undefined;
  for (const r of pool) {
    const created = r.annotations?.['org.opencontainers.image.created'] ?? '';
    const bestCreated = best?.annotations?.['org.opencontainers.image.created'] ?? '';
    if (best === undefined || created >= bestCreated) best = r;
  }
  return best?.digest;
}

export function runDir(context: BenchContext, runId: string): string {
  const dir = join(context.workDir, runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The file a put stores: small JSON, unique per run (so every put uploads its content). */
export function writeContent(dir: string, runId: string): string {
  const name = `${BENCH_TYPE}.json`;
  writeFileSync(
    join(dir, name),
    `${JSON.stringify({ profile: 'bench', rules: ['read', 'write'], run: runId })}\n`,
  );
  return name;
}

function putScenario(phase: 'first' | 'steady', style: ReferenceStyle): Scenario {
  return {
    id: `put-${phase}-${style}`,
    operation: 'put',
    label: `put ${phase} ${style === 'tag' ? ':tag' : '@digest'}`,
    setup: async () => {},
    prepare: async (context, tool, runId) => {
      const repository = benchRepository(`put-${phase}`);
      const image = await pushFreshImage(context.bench, repository, tool === 'manifesto' ? 'm' : 'o');
      if (phase === 'steady') await storeVersions(context.bench, image, BENCH_TYPE, 1);
      return { image, reference: proxiedReference(context.bench, image, style), cwd: runDir(context, runId) };
    },
    run: async (context, tool, target) => {
      const file = writeContent(target.cwd, target.cwd);
      const result =
        tool === 'manifesto'
          ? await runManifesto(context, ['put', target.reference, BENCH_TYPE, file], target.cwd)
          : await runOras(
              context,
              ['attach', '--artifact-type', ARTIFACT_TYPE, target.reference, file],
              target.cwd,
            );
      rmSync(target.cwd, { recursive: true, force: true });
      return combine([result]);
    },
  };
}

/** A read scenario: one image per registry prepared by `fill`, read by tag. */
function readScenario(
  operation: 'get' | 'list' | 'history',
  label: string,
  fill: (context: BenchContext, image: BenchImage) => Promise<void>,
  manifestoArgs: (reference: string) => string[],
): Scenario {
  let image: BenchImage | undefined;
  return {
    id: `${operation}-tag`,
    operation,
    label,
    setup: async (context) => {
      image = await pushFreshImage(context.bench, benchRepository(operation), 'v1');
      await fill(context, image);
    },
    prepare: async (context, _tool, runId) => {
      if (image === undefined) throw new Error(`${operation}: setup did not run`);
      return { image, reference: proxiedReference(context.bench, image, 'tag'), cwd: runDir(context, runId) };
    },
    run: async (context, tool, target) => {
      try {
        if (tool === 'manifesto') {
          return combine([await runManifesto(context, manifestoArgs(target.reference), target.cwd)]);
        }
        const discover = await runOras(
          context,
          ['discover', '--format', 'json', '--depth', '1', target.reference],
          target.cwd,
        );
        if (operation !== 'get' || discover.code !== 0) return combine([discover]);
        const digest = pickLatestReferrer(discover.stdout, ARTIFACT_TYPE);
        if (digest === undefined) {
          return { ...combine([discover]), code: 1, error: 'oras discover listed no referrer to pull' };
        }
        const pull = await runOras(
          context,
          [
            'pull',
            '-o',
            join(target.cwd, 'out'),
            `${context.bench.proxy.host}/${target.image.repository}@${digest}`,
          ],
          target.cwd,
        );
        return combine([discover, pull]);
      } finally {
        rmSync(target.cwd, { recursive: true, force: true });
      }
    },
  };
}

/** The single-image scenarios, in report order (new objects: call once per registry); see scenarios.ts. */
export function createImageScenarios(): Scenario[] {
  return [
    putScenario('first', 'tag'),
    putScenario('first', 'digest'),
    putScenario('steady', 'tag'),
    putScenario('steady', 'digest'),
    readScenario(
      'get',
      'get latest :tag',
      async (context, image) => {
        await storeVersions(context.bench, image, BENCH_TYPE, 2);
      },
      (reference) => ['get', reference, BENCH_TYPE],
    ),
    readScenario(
      'list',
      'list :tag',
      async (context, image) => {
        await storeVersions(context.bench, image, BENCH_TYPE, 2);
        await storeVersions(context.bench, image, 'bench-notes', 1);
        await storeVersions(context.bench, image, 'bench-owner', 1);
      },
      (reference) => ['list', reference],
    ),
    readScenario(
      'history',
      `history (${HISTORY_VERSIONS} versions) :tag`,
      async (context, image) => {
        await storeVersions(context.bench, image, BENCH_TYPE, HISTORY_VERSIONS);
      },
      (reference) => ['history', reference, BENCH_TYPE],
    ),
  ];
}

/** A temporary folder under `parent` for one registry's run files. */
export function createWorkDir(parent: string, kind: string): string {
  mkdirSync(parent, { recursive: true });
  return mkdtempSync(join(parent, `${kind}-`));
}
