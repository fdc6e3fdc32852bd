/**
 * The measurement loop: for each delay, `runs` iterations; each iteration prepares a target for both
 * tools, then runs manifesto and oras back to back, alternating which goes first, so that both see
 * the same machine load and the per-iteration ratio is a paired comparison.
 */
import {
  countRequests,
  type ProxiedRequest,
  type RequestClass,
  type RequestCounts,
} from './counting-proxy.ts';
import type { BenchContext, RunTarget, Scenario, Tool } from './operations.ts';

export interface TraceEntry {
  method: string;
  path: string;
  requestClass: RequestClass;
  status: number;
}

export interface RunRecord {
  tool: Tool;
  delayMs: number;
  iteration: number;
  /** 'first' or 'second' in the iteration's pair. */
  order: number;
  code: number;
  wallMs: number;
  peakRssKb: number | undefined;
  /** The client's user + system CPU, ms (all its processes). */
  cpuMs?: number | undefined;
  processes: number;
  counts: RequestCounts;
  /**
   * Tag schema put: ms between the end of the index write and the verification read, i.e. the settle
   * wait of referrers-tag-schema.ts (plus the client's own processing); undefined otherwise.
   */
  settleMs: number | undefined;
  /** The requests of the run (kept for every run: the report prints those over budget). */
  trace: TraceEntry[];
  error?: string | undefined;
}

export interface MeasureOptions {
  runs: number;
  delays: readonly number[];
  /** Run manifesto once, untimed, before measuring (warms its on-disk cache). */
  prime?: boolean | undefined;
  /** Called after each run, for progress output. */
  onRun?: ((record: RunRecord) => void) | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the proxy has finished every request (a client may exit before the proxy logs its last reply). */
async function drained(context: BenchContext): Promise<void> {
  const deadline = performance.now() + 2000;
  while (context.bench.proxy.inFlight() > 0 && performance.now() < deadline) await sleep(5);
  await sleep(1);
}

const isIndexWrite = (r: ProxiedRequest) => r.requestClass === 'referrers' && r.method === 'PUT';
const isIndexCheck = (r: ProxiedRequest) => r.requestClass === 'referrers' && r.method === 'HEAD';

/** The gap between the last index write and the verification HEAD that follows it. */
export function settleGap(requests: readonly ProxiedRequest[]): number | undefined {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  let gap: number | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const write = sorted[i]!;
    if (!isIndexWrite(write)) continue;
    const check = sorted.slice(i + 1).find(isIndexCheck);
    if (check !== undefined) gap = check.startedAt - write.endedAt;
  }
  return gap;
}

export async function measureScenario(
  scenario: Scenario,
  context: BenchContext,
  options: MeasureOptions,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const { proxy } = context.bench;
  let sequence = 0;
  if (options.prime) {
    proxy.delayMs = 0;
    const target = await scenario.prepare(context, 'manifesto', `${scenario.id}-prime`);
    await scenario.run(context, 'manifesto', target);
    await drained(context);
  }
  for (const delayMs of options.delays) {
    for (let iteration = 0; iteration < options.runs; iteration++) {
      const order: Tool[] = iteration % 2 === 0 ? ['manifesto', 'oras'] : ['oras', 'manifesto'];
      // Prepare both targets first (directly on the registry, delay off), so the two runs stay adjacent.
      proxy.delayMs = 0;
      const targets = new Map<Tool, RunTarget>();
      for (const tool of order) {
        targets.set(
          tool,
          await scenario.prepare(context, tool, `${scenario.id}-${tool}-${delayMs}-${sequence++}`),
        );
      }
      proxy.delayMs = delayMs;
      for (const [position, tool] of order.entries()) {
        await drained(context);
        proxy.reset();
        const run = await scenario.run(context, tool, targets.get(tool)!);
        await drained(context);
        const requests = [...proxy.requests()].sort((a, b) => a.startedAt - b.startedAt);
        const record: RunRecord = {
          tool,
          delayMs,
          iteration,
          order: position,
          code: run.code,
          wallMs: run.wallMs,
          peakRssKb: run.peakRssKb,
          cpuMs: run.cpuMs,
          processes: run.processes,
          counts: countRequests(requests),
          settleMs: tool === 'manifesto' ? settleGap(requests) : undefined,
          trace: requests.map((r) => ({
            method: r.method,
            path: r.path,
            requestClass: r.requestClass,
            status: r.status,
          })),
          error: run.error,
        };
        records.push(record);
        options.onRun?.(record);
      }
      proxy.delayMs = 0;
    }
  }
  return records;
}
