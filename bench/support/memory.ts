/**
 * Memory of large content: `manifesto put` and `manifesto get` of a file of `sizeMb` MiB (sparse:
 * zeros and one marker byte, so making it costs nothing), peak RSS of the manifesto process against
 * the target, next to oras attach / oras discover + pull of a file of the same size. Through the
 * counting proxy with no delay; the files are deleted afterwards.
 */
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { countRequests, type RequestCounts } from './counting-proxy.ts';
import { type BenchRegistryKind, benchRepository, proxiedReference, pushFreshImage } from './fixtures.ts';
import type { TraceEntry } from './measure.ts';
import {
  BENCH_TYPE,
  type BenchContext,
  pickLatestReferrer,
  runManifesto,
  runOras,
  type Tool,
} from './operations.ts';
import type { RunResult } from './processes.ts';

export interface MemoryStep {
  tool: Tool;
  step: 'put' | 'get';
  code: number;
  wallMs: number;
  /** The largest peak RSS of the step's processes, KiB. */
  peakRssKb: number | undefined;
  /** MiB/s of content over the wall time. */
  throughputMiBs: number;
  counts: RequestCounts;
  trace: TraceEntry[];
  error?: string | undefined;
}

export interface MemoryResult {
  registry: BenchRegistryKind;
  sizeMb: number;
  targetMb: number;
  steps: MemoryStep[];
  /** manifesto's put and get both under the target (and succeeded). */
  pass: boolean;
  totalMs: number;
}

/** Writes a sparse file of `bytes` bytes: zeros, then `marker` as the last byte. */
function sparseFile(path: string, bytes: number, marker: string): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
    writeSync(fd, Buffer.from(marker), 0, 1, bytes - 1);
  } finally {
    closeSync(fd);
  }
}

const drain = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureMemory(
  context: BenchContext,
  sizeMb: number,
  targetMb: number,
): Promise<MemoryResult> {
  const started = performance.now();
  const { bench } = context;
  const bytes = sizeMb * 1024 * 1024;
  const dir = join(context.workDir, 'memory');
  const steps: MemoryStep[] = [];
  bench.proxy.delayMs = 0;
  const step = async (tool: Tool, name: 'put' | 'get', work: () => Promise<RunResult[]>) => {
    bench.proxy.reset();
    const results = await work();
    await drain(20);
    const failed = results.find((r) => r.code !== 0);
    const wallMs = results.reduce((sum, r) => sum + r.wallMs, 0);
    const rss = results.map((r) => r.peakRssKb).filter((v): v is number => v !== undefined);
    steps.push({
      tool,
      step: name,
      code: failed?.code ?? 0,
      wallMs,
      peakRssKb: rss.length === 0 ? undefined : Math.max(...rss),
      throughputMiBs: sizeMb / (wallMs / 1000),
      counts: countRequests(bench.proxy.requests()),
      trace: [...bench.proxy.requests()]
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((r) => ({ method: r.method, path: r.path, requestClass: r.requestClass, status: r.status })),
      error: failed === undefined ? undefined : failed.stderr.trim().slice(0, 2000),
    });
  };
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const file = `${BENCH_TYPE}.bin`;
    for (const tool of ['manifesto', 'oras'] as const) {
      const toolDir = join(dir, tool);
      mkdirSync(toolDir);
      // Different last bytes: each tool uploads its own blob.
      sparseFile(join(toolDir, file), bytes, tool === 'manifesto' ? 'm' : 'o');
      const image = await pushFreshImage(bench, benchRepository('memory'), tool === 'manifesto' ? 'm' : 'o');
      const reference = proxiedReference(bench, image, 'tag');
      const out = join(toolDir, 'out');
      if (tool === 'manifesto') {
        await step(tool, 'put', async () => [
          await runManifesto(context, ['put', reference, BENCH_TYPE, file], toolDir),
        ]);
        await step(tool, 'get', async () => [
          await runManifesto(context, ['get', reference, BENCH_TYPE, '-o', 'out'], toolDir),
        ]);
        const got = steps.at(-1)!;
        if (got.code === 0 && (!existsSync(out) || statSync(out).size !== bytes)) {
          got.error = `manifesto get -o did not write ${bytes} bytes`;
        }
      } else {
        const artifactType = `application/vnd.manifesto.${BENCH_TYPE}.v1`;
        await step(tool, 'put', async () => [
          await runOras(context, ['attach', '--artifact-type', artifactType, reference, file], toolDir),
        ]);
        await step(tool, 'get', async () => {
          const discover = await runOras(
            context,
            ['discover', '--format', 'json', '--depth', '1', reference],
            toolDir,
          );
          const digest = pickLatestReferrer(discover.stdout, artifactType);
          if (digest === undefined) return [{ ...discover, code: discover.code || 1 }];
          const pull = await runOras(
            context,
            ['pull', '-o', out, `${bench.proxy.host}/${image.repository}@${digest}`],
            toolDir,
          );
          return [discover, pull];
        });
      }
      // Free the disk space before the next tool.
      rmSync(toolDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const targetKb = targetMb * 1024;
  const mine = steps.filter((s) => s.tool === 'manifesto');
  return {
    registry: bench.kind,
    sizeMb,
    targetMb,
    steps,
    pass:
      mine.length === 2 &&
      mine.every(
        (s) => s.code === 0 && s.error === undefined && s.peakRssKb !== undefined && s.peakRssKb < targetKb,
      ),
    totalMs: performance.now() - started,
  };
}
