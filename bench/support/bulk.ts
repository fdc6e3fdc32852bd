/**
 * The bulk section: N puts to N images with one `manifesto put --from ops.jsonl` next to `oras attach`
 * processes (a sample, run one after the other and as many at a time as put --from runs), at loopback
 * and with the counting proxy's simulated round trip, as throughput; and the CPU each party spends per
 * put (the client processes, the registry, the counting proxy), so the figures say how much of a
 * loopback run is the client and how much the registry on the same machine. The "registry CPU
 * ceiling" (cores x 1000 / registry CPU ms per put) is the best throughput any client could reach
 * against this registry on this machine.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { inBatches } from './batches.ts';
import type { RequestCounts } from './counting-proxy.ts';
import { type CpuSpent, cpuMeter } from './cpu.ts';
import { type BenchRegistry, benchRepository, pushFreshImage } from './fixtures.ts';
import { BENCH_TYPE, type BenchContext, runManifesto, runOras } from './operations.ts';
import { formatClasses, formatMs, formatRatio, renderTable } from './report.ts';

export const ORAS_ARTIFACT_TYPE = `application/vnd.manifesto.${BENCH_TYPE}.v1`;

/** oras attach processes per sample: at loopback, and with the delay (each takes a second or so there). */
export const ORAS_SAMPLE = 30;
export const ORAS_SAMPLE_DELAYED = 10;

/** CPU per put (per attach for oras), ms; undefined where /proc is not there. */
export interface BulkCpu {
  /** The client processes (user + system), with the /usr/bin/time around each. */
  clientMs: number | undefined;
  /** The registry process. */
  registryMs: number | undefined;
  /** The bench process: the counting proxy forwarding the requests. */
  proxyMs: number;
}

export interface BulkResult {
  registry: string;
  referrersApi: boolean;
  /** The counting proxy's delay before each request (0 = loopback). */
  delayMs: number;
  count: number;
  concurrency: number;
  manifestoMs: number;
  manifestoPerSecond: number;
  manifestoRequests: RequestCounts;
  manifestoCode: number;
  manifestoCpu: BulkCpu;
  orasSample: number;
  orasSequentialPerSecond: number;
  orasParallelPerSecond: number;
  /** Requests of the sequential sample, all attaches together. */
  orasRequests: RequestCounts;
  orasSequentialCpu: BulkCpu;
  orasParallelCpu: BulkCpu;
  /** manifesto's throughput / oras's (one process after the other; `concurrency` at a time). */
  ratioSequential: number;
  ratioParallel: number;
  /** CPUs of the machine (os.availableParallelism()). */
  cores: number;
  /** cores x 1000 / manifesto's registry CPU ms per put: puts/s no client could beat here. */
  registryCeilingPerSecond: number | undefined;
  /** The ceiling / oras one process after the other. */
  ceilingRatioSequential: number | undefined;
}

export interface BulkOptions {
  count: number;
  concurrency: number;
  /** The delays to measure at, ms (0 = loopback). */
  delays: readonly number[];
  log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the proxy has answered every request (a client may exit before the proxy logs its last). */
async function drained(bench: BenchRegistry): Promise<void> {
  const deadline = performance.now() + 2000;
  while (bench.proxy.inFlight() > 0 && performance.now() < deadline) await sleep(5);
}

const perPut = (spent: CpuSpent, puts: number): BulkCpu => ({
  clientMs: spent.clientMs === undefined ? undefined : spent.clientMs / puts,
  registryMs: spent.registryMs === undefined ? undefined : spent.registryMs / puts,
  proxyMs: spent.proxyMs / puts,
});

/** Runs `work` with the CPU of the clients, the registry and the proxy measured around it. */
async function measured<T>(bench: BenchRegistry, work: () => Promise<T>): Promise<[T, CpuSpent]> {
  await drained(bench);
  bench.proxy.reset();
  const meter = cpuMeter(bench.registry.pid);
  const result = await work();
  await drained(bench);
  return [result, meter()];
}

/** N fresh images in a new repository (pushed straight to the registry, 16 at a time); their tags. */
async function pushImages(bench: BenchRegistry, count: number, log: (line: string) => void) {
  const repository = benchRepository('bulk');
  const started = performance.now();
  const tags: string[] = [];
  await inBatches(count, 16, async (i) => {
    await pushFreshImage(bench, repository, `img-${i}`);
    tags[i] = `img-${i}`;
  });
  log(`bench: ${bench.kind}: pushed ${count} images in ${formatMs(performance.now() - started)} ms`);
  return { repository, tags };
}

/** One delay: N puts with put --from on N new images, then oras attach samples on some of them. */
async function measureAt(context: BenchContext, delayMs: number, options: BulkOptions): Promise<BulkResult> {
  const { bench } = context;
  const { count, concurrency, log } = options;
  const { repository, tags } = await pushImages(bench, count, log);
  const dir = context.workDir;
  const file = join(dir, 'profile.json');
  writeFileSync(file, '{"profile":"bulk"}\n');
  const opsFile = join(dir, `ops-${delayMs}.jsonl`);
  const ops = tags.map((tag) =>
    JSON.stringify({ image: `${bench.proxy.host}/${repository}:${tag}`, type: BENCH_TYPE, file }),
  );
  writeFileSync(opsFile, `${ops.join('\n')}\n`);
  bench.proxy.delayMs = delayMs;
  try {
    const [put, putCpu] = await measured(bench, () =>
      runManifesto(context, ['put', '--from', opsFile, '--concurrency', String(concurrency)], dir),
    );
    const manifestoRequests = bench.proxy.counts();
    if (put.code !== 0) log(`bench: put --from exit ${put.code}: ${put.stderr.trim().split('\n').pop()}`);
    const sample = Math.min(delayMs === 0 ? ORAS_SAMPLE : ORAS_SAMPLE_DELAYED, count);
    const attach = (i: number) =>
      runOras(
        context,
        [
          'attach',
          '--artifact-type',
          ORAS_ARTIFACT_TYPE,
          `${bench.proxy.host}/${repository}:${tags[i]}`,
          'profile.json',
        ],
        dir,
      ).then((r) => {
        if (r.code !== 0) throw new Error(`oras attach failed: ${r.stderr.trim()}`);
      });
    let started = performance.now();
    const [, sequentialCpu] = await measured(bench, async () => {
      for (let i = 0; i < sample; i++) await attach(i);
    });
    const sequentialMs = performance.now() - started;
    const orasRequests = bench.proxy.counts();
    started = performance.now();
    const [, parallelCpu] = await measured(bench, () => inBatches(sample, concurrency, attach));
    const parallelMs = performance.now() - started;
    const manifestoPerSecond = (count / put.wallMs) * 1000;
    const orasSequentialPerSecond = (sample / sequentialMs) * 1000;
    const orasParallelPerSecond = (sample / parallelMs) * 1000;
    const manifestoCpu = perPut(putCpu, count);
    const cores = availableParallelism();
    const registryCeilingPerSecond =
      manifestoCpu.registryMs === undefined || manifestoCpu.registryMs <= 0
        ? undefined
        : (cores * 1000) / manifestoCpu.registryMs;
    return {
      registry: bench.kind,
      referrersApi: bench.referrersApi,
      delayMs,
      count,
      concurrency,
      manifestoMs: put.wallMs,
      manifestoPerSecond,
      manifestoRequests,
      manifestoCode: put.code,
      manifestoCpu,
      orasSample: sample,
      orasSequentialPerSecond,
      orasParallelPerSecond,
      orasRequests,
      orasSequentialCpu: perPut(sequentialCpu, sample),
      orasParallelCpu: perPut(parallelCpu, sample),
      ratioSequential: manifestoPerSecond / orasSequentialPerSecond,
      ratioParallel: manifestoPerSecond / orasParallelPerSecond,
      cores,
      registryCeilingPerSecond,
      ceilingRatioSequential:
        registryCeilingPerSecond === undefined
          ? undefined
          : registryCeilingPerSecond / orasSequentialPerSecond,
    };
  } finally {
    bench.proxy.delayMs = 0;
  }
}

/** The bulk section on one registry, at each delay (fresh images for each, so every put is a first one). */
export async function measureBulk(context: BenchContext, options: BulkOptions): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const delayMs of options.delays) results.push(await measureAt(context, delayMs, options));
  return results;
}

const cpu = (ms: number | undefined): string => (ms === undefined ? '-' : ms.toFixed(1));
const rate = (perSecond: number | undefined): string =>
  perSecond === undefined || Number.isNaN(perSecond) ? '-' : perSecond.toFixed(1);

/** One block per registry: a line saying what ran, then a row per delay. */
export function renderBulk(results: readonly BulkResult[]): string[] {
  const out: string[] = [];
  const registries = [...new Set(results.map((r) => r.registry))];
  for (const registry of registries) {
    const rows = results.filter((r) => r.registry === registry);
    const first = rows[0]!;
    const c = first.concurrency;
    out.push(
      `Bulk, ${registry} (${first.referrersApi ? 'referrers API' : 'referrers tag schema'}): ${first.count} puts to ${first.count} images` +
        `${first.count < 1000 ? ' (scaled down from 1,000: --bulk-n 1000 for the full run)' : ''} with one put --from --concurrency ${c}, ` +
        `next to a sample of oras attach processes (one after the other, and ${c} at a time); goal >= 10x oras one after the other`,
    );
    const header = [
      'delay',
      'puts/s',
      'req/put',
      'n',
      '1 by 1/s',
      `${c} at once/s`,
      'vs 1 by 1',
      `vs ${c}`,
      'client',
      'registry',
      'proxy',
      'client',
      'registry',
      'puts/s',
      'vs oras 1 by 1',
    ];
    const groups = [
      { column: 1, title: 'put --from' },
      { column: 3, title: 'oras attach' },
      { column: 6, title: 'ratio' },
      { column: 8, title: 'CPU ms/put: put --from' },
      { column: 11, title: 'oras 1 by 1' },
      { column: 13, title: `registry ceiling (${first.cores} CPUs)` },
    ];
    const body = rows.map((r) => [
      `${r.delayMs === 0 ? 'loopback' : `+${r.delayMs} ms`}${r.manifestoCode === 0 ? '' : ` (exit ${r.manifestoCode})`}`,
      rate(r.manifestoPerSecond),
      (r.manifestoRequests.total / r.count).toFixed(1),
      String(r.orasSample),
      rate(r.orasSequentialPerSecond),
      rate(r.orasParallelPerSecond),
      formatRatio(r.ratioSequential),
      formatRatio(r.ratioParallel),
      cpu(r.manifestoCpu.clientMs),
      cpu(r.manifestoCpu.registryMs),
      cpu(r.manifestoCpu.proxyMs),
      cpu(r.orasSequentialCpu.clientMs),
      cpu(r.orasSequentialCpu.registryMs),
      rate(r.registryCeilingPerSecond),
      formatRatio(r.ceilingRatioSequential),
    ]);
    out.push(renderTable(header, body, new Set(Array.from({ length: 14 }, (_, i) => i + 1)), groups));
    for (const r of rows) {
      const perAttach = r.orasRequests.total / r.orasSample;
      out.push(
        `  ${r.delayMs === 0 ? 'loopback' : `+${r.delayMs} ms`}: put --from ${formatMs(r.manifestoMs)} ms, requests per put ${formatClasses(
          perClass(r.manifestoRequests, r.count),
        )}; oras ${perAttach.toFixed(1)} per attach (${formatClasses(perClass(r.orasRequests, r.orasSample))})`,
      );
    }
    out.push('');
  }
  return out;
}

function perClass(counts: RequestCounts, n: number): RequestCounts['byClass'] {
  const out = { ...counts.byClass };
  for (const key of Object.keys(out) as Array<keyof typeof out>)
    out[key] = Math.round((out[key] / n) * 10) / 10;
  return out;
}
