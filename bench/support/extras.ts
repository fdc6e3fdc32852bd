/**
 * The benchmark's sections beyond the per-operation table:
 *
 * - start: `manifesto --version` next to `node -e 0`, and `manifesto get` next to a Node process that
 *   makes the same requests (recorded at the proxy) with fetch: what start-up and module loading add;
 *   put, get and list next to a bare node:http script making the same requests (client-cpu.ts).
 * - bulk: N puts to N images with one `manifesto put --from` next to `oras attach` processes (bulk.ts).
 * - scale: `list` and `get` of an image with 1,000 versions of one type (requests and wall time).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pushEmptyConfig } from '../../src/metadata/put.ts';
import { artifactTypeFor } from '../../src/metadata/type-name.ts';
import { buildVersionManifest } from '../../src/metadata/version-manifest.ts';
import type { Descriptor } from '../../src/oci/descriptor.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../src/oci/media-types.ts';
import { referrersTag, serializeIndex } from '../../src/registry/referrers-tag-schema.ts';
import { inBatches } from './batches.ts';
import { type BulkResult, renderBulk } from './bulk.ts';
import { type FloorRow, renderFloor } from './client-cpu.ts';
import type { RequestCounts } from './counting-proxy.ts';
import {
  type BenchImage,
  type BenchRegistry,
  benchRepository,
  pushFreshImage,
  storeVersions,
} from './fixtures.ts';
import { BENCH_TYPE, type BenchContext, budgetFor, runManifesto } from './operations.ts';
import { runMeasured } from './processes.ts';
import { formatClasses, formatMs, formatRatio } from './report.ts';
import { renderSigning, type SigningRow } from './signing.ts';
import { median } from './stats.ts';

export interface StartResult {
  registry: string;
  runs: number;
  nodeMs: number;
  versionMs: number;
  /** Median of the paired ratios manifesto --version / node -e 0. */
  versionRatio: number;
  getMs: number;
  /** A Node process making get's requests with fetch. */
  replayMs: number;
  getRatio: number;
  getRequests: number;
}

export interface ScaleRow {
  registry: string;
  versions: number;
  operation: 'list' | 'get';
  /**
   * manifesto's on-disk manifest cache: empty for every run (cold: a first contact), or kept across
   * the runs after one untimed run (warm: a machine that read or pushed these versions before).
   */
  cache: 'cold' | 'warm';
  requests: RequestCounts;
  budget: number;
  pass: boolean;
  wallMs: number;
}

export interface ExtrasResults {
  start: StartResult[];
  /** put, get and list next to a bare node:http script making the same requests (client-cpu.ts). */
  floor: FloorRow[];
  bulk: BulkResult[];
  scale: ScaleRow[];
  /** put --sign, get --verify and check (bench/support/signing.ts). */
  signing: SigningRow[];
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  '*/*',
].join(', ');
/** Makes the requests of REPLAY (JSON [[method, path], ...]) against REPLAY_BASE one after the other. */
const REPLAY_SCRIPT = `const b=process.env.REPLAY_BASE;for(const[m,p]of JSON.parse(process.env.REPLAY)){const r=await fetch(b+p,{method:m,headers:{accept:${JSON.stringify(ACCEPT)}}});await r.arrayBuffer();}`;

const pairedRatio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));

/** Start-up: interleaved runs of node -e 0, manifesto --version, manifesto get and its replay. */
export async function measureStart(context: BenchContext, runs: number): Promise<StartResult> {
  const { bench } = context;
  const image = await pushFreshImage(bench, benchRepository('start'), 'v1');
  await storeVersions(bench, image, BENCH_TYPE, 2);
  const reference = `${bench.proxy.host}/${image.repository}:${image.tag}`;
  const cwd = context.workDir;
  bench.proxy.reset();
  const probe = await runManifesto(context, ['get', reference, BENCH_TYPE], cwd);
  if (probe.code !== 0) throw new Error(`manifesto get failed: ${probe.stderr.trim()}`);
  const recorded = bench.proxy.requests().map((r) => [r.method, r.path]);
  const replayEnv = { ...context.env, REPLAY_BASE: bench.proxy.baseUrl, REPLAY: JSON.stringify(recorded) };
  const node = process.execPath;
  const samples = {
    node: [] as number[],
    version: [] as number[],
    get: [] as number[],
    replay: [] as number[],
  };
  for (let i = 0; i < runs; i++) {
    samples.node.push((await runMeasured(node, ['-e', '0'], { env: context.env })).wallMs);
    const version = await runMeasured(context.manifesto.command, [...context.manifesto.prefix, '--version'], {
      env: context.env,
    });
    samples.version.push(version.wallMs);
    const replay = await runMeasured(node, ['--input-type=module', '-e', REPLAY_SCRIPT], { env: replayEnv });
    if (replay.code !== 0) throw new Error(`request replay failed: ${replay.stderr.trim()}`);
    samples.replay.push(replay.wallMs);
    samples.get.push((await runManifesto(context, ['get', reference, BENCH_TYPE], cwd)).wallMs);
  }
  return {
    registry: bench.kind,
    runs,
    nodeMs: median(samples.node),
    versionMs: median(samples.version),
    versionRatio: pairedRatio(samples.version, samples.node),
    getMs: median(samples.get),
    replayMs: median(samples.replay),
    getRatio: pairedRatio(samples.get, samples.replay),
    getRequests: recorded.length,
  };
}

/**
 * Stores `count` versions of `type` as manifesto would one after the other (each superseding the one
 * before, one second apart), but fast: the version manifests are built here, pushed in parallel
 * straight to the registry, and on a tag-schema registry the referrers index is written once.
 */
export async function storeManyVersions(
  bench: BenchRegistry,
  image: BenchImage,
  type: string,
  count: number,
  start = Date.parse('2026-01-01T00:00:00.000Z'),
): Promise<void> {
  const repository = bench.repository(image.repository);
  const subject = await repository.resolve(image.digest);
  await pushEmptyConfig(repository);
  const mediaType = 'application/json';
  const artifactType = artifactTypeFor(type, mediaType);
  const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const versions: Array<{ descriptor: Descriptor; bytes: Uint8Array; content: Uint8Array }> = [];
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    const content = new TextEncoder().encode(
      `${JSON.stringify({ type, version: i, image: image.digest })}\n`,
    );
    const { manifest, bytes } = buildVersionManifest({
      type,
      artifactType,
      subject,
      content: { digest: sha256(content), size: content.byteLength, mediaType },
      title: `${type}.json`,
      created: new Date(start + i * 1000),
      author: 'bench@manifesto',
      supersedes: previous,
    });
    const digest = sha256(bytes);
    versions.push({
      descriptor: {
        mediaType: OCI_MANIFEST,
        digest,
        size: bytes.byteLength,
        artifactType,
        annotations: manifest.annotations ?? {},
      },
      bytes,
      content,
    });
    previous = digest;
  }
  const base = `${bench.registry.baseUrl}/v2/${image.repository}`;
  const put = async (url: string, body: Uint8Array, contentType: string) => {
    const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': contentType } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`PUT ${url}: ${response.status}`);
  };
  await inBatches(count, 16, async (i) => {
    const v = versions[i]!;
    await repository.pushBlob(
      { mediaType, digest: sha256(v.content), size: v.content.byteLength },
      v.content,
    );
    await put(`${base}/manifests/${v.descriptor.digest}`, v.bytes, OCI_MANIFEST);
  });
  if (!bench.referrersApi) {
    await put(
      `${base}/manifests/${referrersTag(subject.digest)}`,
      serializeIndex(versions.map((v) => v.descriptor)),
      OCI_INDEX,
    );
  }
}

/** list and get of an image with `versions` versions of one type: requests (worst run) and wall time. */
export async function measureScale(
  context: BenchContext,
  versions: number,
  runs: number,
  log: (line: string) => void,
): Promise<ScaleRow[]> {
  const { bench } = context;
  const image = await pushFreshImage(bench, benchRepository('scale'), 'v1');
  const prepared = performance.now();
  await storeManyVersions(bench, image, BENCH_TYPE, versions);
  log(`bench: ${bench.kind}: stored ${versions} versions in ${formatMs(performance.now() - prepared)} ms`);
  const reference = `${bench.proxy.host}/${image.repository}:${image.tag}`;
  const rows: ScaleRow[] = [];
  let caches = 0;
  const cacheDir = () => join(context.workDir, `scale-cache-${caches++}`);
  for (const operation of ['list', 'get'] as const) {
    const args = operation === 'list' ? ['list', reference] : ['get', reference, BENCH_TYPE];
    const warmDir = cacheDir();
    for (const cache of ['cold', 'warm'] as const) {
      const runContext: BenchContext = {
        ...context,
        manifestoCacheDir: cache === 'cold' ? cacheDir : () => warmDir,
      };
      if (cache === 'warm') await runManifesto(runContext, args, context.workDir);
      let worst: RequestCounts | undefined;
      const walls: number[] = [];
      for (let i = 0; i < runs; i++) {
        bench.proxy.reset();
        const result = await runManifesto(runContext, args, context.workDir);
        if (result.code !== 0) throw new Error(`manifesto ${operation} failed: ${result.stderr.trim()}`);
        const counts = bench.proxy.counts();
        if (worst === undefined || counts.total > worst.total) worst = counts;
        walls.push(result.wallMs);
      }
      const budget = budgetFor(operation, bench.referrersApi);
      rows.push({
        registry: bench.kind,
        versions,
        operation,
        cache,
        requests: worst!,
        budget,
        pass: worst!.total <= budget,
        wallMs: median(walls),
      });
    }
  }
  return rows;
}

/** The sections as text, for the report. */
export function renderExtras(extras: ExtrasResults): string[] {
  const out: string[] = [];
  for (const s of extras.start) {
    out.push(
      `Start (${s.registry}, medians of ${s.runs} interleaved runs): node -e 0 ${formatMs(s.nodeMs)} ms; ` +
        `manifesto --version ${formatMs(s.versionMs)} ms = ${formatRatio(s.versionRatio)} of node -e 0 (goal <= 1.30x); ` +
        `manifesto get ${formatMs(s.getMs)} ms vs node + the same ${s.getRequests} requests ${formatMs(s.replayMs)} ms = ` +
        `${formatRatio(s.getRatio)} (goal <= 1.50x)`,
    );
  }
  out.push(...renderFloor(extras.floor));
  out.push(...renderBulk(extras.bulk));
  for (const r of extras.scale) {
    out.push(
      `Scale (${r.registry}, ${r.versions} versions of one type, ${r.cache} manifest cache): ${r.operation} ${r.requests.total} requests (${formatClasses(r.requests.byClass)}), ` +
        `budget ${r.budget} ${r.pass ? 'PASS' : 'FAIL'}, ${formatMs(r.wallMs)} ms`,
    );
  }
  out.push(...renderSigning(extras.signing));
  return out;
}
