/**
 * Client cost per command, next to its floor: `manifesto put|get|list` on the bench registry (through
 * the counting proxy, loopback) interleaved with a bare Node script that makes the same requests
 * (recorded at the proxy: method, path, and a body of the recorded size) over node:http with a
 * keep-alive Agent (taken with process.getBuiltinModule: an ES import of node:http compiles Node's
 * bundled undici through its lazy WebSocket export), and the same with the global fetch. The node:http script is the floor a Node CLI
 * can reach (start-up + HTTP); the goal is manifesto <= 1.5x of it, under 100 ms. Wall and CPU time
 * of processes this short vary 2-5x with the load of a shared machine, so each row also counts
 * instructions (bench/support/instructions.ts, when valgrind is installed).
 *
 * Instructions per process on refreg at loopback (callgrind, V8's hash-seed search left out), the
 * node:http script 136 M (put, 6 requests), 134 M (get, 5), 132 M (list, 4):
 * - code-split ES chunks under Node's compile cache: put 287 M (2.12x), get 275 M (2.05x), list 265 M (2.01x);
 * - one script with a per-command V8 code cache (src/cli/code-cache.ts), built-ins by
 *   process.getBuiltinModule, no ICU property classes, child_process on demand: put 231 M (1.70x),
 *   get 220 M (1.64x), list 217 M (1.64x); peak RSS 58-60 MB both.
 * - a V8 start-up snapshot of that script (node --snapshot-blob; node:http cannot be in one: its
 *   parser handle does not serialise): put 260 M, get 242 M, list 236 M: worse, functions are not
 *   compiled in the snapshot; and a #! line cannot name the blob. Not used.
 * - registry commands without node:fs/promises and readline (loaded by the OCI layout backend's
 *   static import, by a start-up read of process.stdin, which is an fs.ReadStream on /dev/null, and
 *   by imports of node:fs/promises and fs's stream exports): put 223 M (1.65x), get 207 M (1.55x),
 *   list 205 M (1.55x) (node:http script 136/134/132 M); A/B of that change alone on one registry:
 *   put -15 M, get -6 M, list -6 M.
 * What is left above the floor: node:crypto for the digests (~15 M to load: node:crypto loads every
 * internal crypto module), the ~500 KB code cache (~12 M to deserialise), GC with the 1 MiB young
 * generation. A fixed 4 MiB young generation (--min/--max-semi-space-size=4 on the #! line) saves
 * 6-10 M per command but raises the peak RSS of a 150 MB put from 84 to 126 MB: not used; 2 MiB
 * saves nothing measurable.
 * Wall, medians of 15 interleaved runs at a load average of ~7 on 2 cores (no quiet machine to be
 * had): node:http script 54/46/40 ms, before 120/101/92 ms, after 82/82/81 ms (put/get/list).
 *
 * Also the rows of the main table as client CPU per command (manifesto vs oras, user + system CPU of
 * every process of a run by /usr/bin/time).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchRepository, pushFreshImage, storeVersions } from './fixtures.ts';
import { canCountInstructions, countInstructions } from './instructions.ts';
import type { RunRecord } from './measure.ts';
import { BENCH_TYPE, type BenchContext, runManifesto } from './operations.ts';
import { runMeasured } from './processes.ts';
import { formatMs, formatRatio } from './report.ts';
import { median } from './stats.ts';

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** REPLAY = [[method, path, bodyBytes], ...] against REPLAY_BASE, one after the other. */
const NODE_HTTP_SCRIPT = `const http = process.getBuiltinModule('node:http');
const base = new URL(process.env.REPLAY_BASE);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
for (const [method, path, size] of JSON.parse(process.env.REPLAY)) {
  await new Promise((resolve, reject) => {
    const headers = { accept: ${JSON.stringify(ACCEPT)}, 'content-length': String(size) };
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
      res.on('data', () => {}); res.on('end', resolve); res.on('error', reject);
    });
    req.on('error', reject);
    req.end(size > 0 ? Buffer.alloc(size) : undefined);
  });
}`;

const FETCH_SCRIPT = `const b = process.env.REPLAY_BASE;
for (const [method, path, size] of JSON.parse(process.env.REPLAY)) {
  const r = await fetch(b + path, { method, headers: { accept: ${JSON.stringify(ACCEPT)} }, body: size > 0 ? new Uint8Array(size) : undefined });
  await r.arrayBuffer();
}`;

export interface FloorRow {
  registry: string;
  command: 'put' | 'get' | 'list';
  runs: number;
  requests: number;
  manifesto: { wallMs: number; cpuMs: number | undefined; peakRssKb: number | undefined };
  nodeHttp: { wallMs: number; cpuMs: number | undefined };
  fetch: { wallMs: number; cpuMs: number | undefined };
  /** Median of the paired wall-time ratios manifesto / node:http script. */
  wallRatio: number;
  /**
   * Instructions per process (bench/support/instructions.ts: callgrind, median of INSTRUCTION_RUNS,
   * V8's hash-seed search left out); undefined without valgrind.
   */
  instructions?: { manifesto: number; nodeHttp: number } | undefined;
}

const INSTRUCTION_RUNS = 3;

const pairedRatio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
const medianOf = (values: (number | undefined)[]) =>
  values.every((v) => v !== undefined) ? median(values as number[]) : undefined;

/** put, get and list of one image, each interleaved with its node:http and fetch replays. */
export async function measureFloor(context: BenchContext, runs: number): Promise<FloorRow[]> {
  const { bench } = context;
  const image = await pushFreshImage(bench, benchRepository('floor'), 'v1');
  await storeVersions(bench, image, BENCH_TYPE, 2);
  const reference = `${bench.proxy.host}/${image.repository}:${image.tag}`;
  const cwd = context.workDir;
  const file = join(cwd, 'floor.json');
  writeFileSync(file, '{"floor":true}\n');
  const commands = {
    put: ['put', reference, BENCH_TYPE, file],
    get: ['get', reference, BENCH_TYPE],
    list: ['list', reference],
  } as const;
  // Each put stores a version, and a put reads the versions before it: every put goes to a new image
  // with 2 versions, as the recorded one did, so that it makes the requests the scripts replay.
  const freshPut = async (): Promise<readonly string[]> => {
    const fresh = await pushFreshImage(bench, benchRepository('floor'), 'v1');
    await storeVersions(bench, fresh, BENCH_TYPE, 2);
    return ['put', `${bench.proxy.host}/${fresh.repository}:${fresh.tag}`, BENCH_TYPE, file];
  };
  const rows: FloorRow[] = [];
  const counting = canCountInstructions();
  for (const [command, args] of Object.entries(commands) as [FloorRow['command'], readonly string[]][]) {
    bench.proxy.reset();
    const probe = await runManifesto(context, args, cwd);
    if (probe.code !== 0) throw new Error(`manifesto ${command} failed: ${probe.stderr.trim()}`);
    const recorded = bench.proxy.requests().map((r) => [r.method, r.path, r.bytesUp]);
    const env = { ...context.env, REPLAY_BASE: bench.proxy.baseUrl, REPLAY: JSON.stringify(recorded) };
    const samples = { manifesto: [] as Awaited<ReturnType<typeof runManifesto>>[], http: [], fetch: [] } as {
      manifesto: Awaited<ReturnType<typeof runManifesto>>[];
      http: Awaited<ReturnType<typeof runMeasured>>[];
      fetch: Awaited<ReturnType<typeof runMeasured>>[];
    };
    for (let i = 0; i < runs; i++) {
      samples.http.push(
        await runMeasured(process.execPath, ['--input-type=module', '-e', NODE_HTTP_SCRIPT], { env }),
      );
      samples.manifesto.push(await runManifesto(context, command === 'put' ? await freshPut() : args, cwd));
      samples.fetch.push(
        await runMeasured(process.execPath, ['--input-type=module', '-e', FETCH_SCRIPT], { env }),
      );
    }
    const failed = [...samples.http, ...samples.fetch, ...samples.manifesto].find((r) => r.code !== 0);
    if (failed !== undefined) throw new Error(`floor ${command}: ${failed.stderr.trim().slice(0, 500)}`);
    rows.push({
      registry: bench.kind,
      command,
      runs,
      requests: recorded.length,
      manifesto: {
        wallMs: median(samples.manifesto.map((r) => r.wallMs)),
        cpuMs: medianOf(samples.manifesto.map((r) => r.cpuMs)),
        peakRssKb: medianOf(samples.manifesto.map((r) => r.peakRssKb)),
      },
      nodeHttp: {
        wallMs: median(samples.http.map((r) => r.wallMs)),
        cpuMs: medianOf(samples.http.map((r) => r.cpuMs)),
      },
      fetch: {
        wallMs: median(samples.fetch.map((r) => r.wallMs)),
        cpuMs: medianOf(samples.fetch.map((r) => r.cpuMs)),
      },
      wallRatio: pairedRatio(
        samples.manifesto.map((r) => r.wallMs),
        samples.http.map((r) => r.wallMs),
      ),
      // After the timed runs: the CLI's code cache for the command is written by then.
      instructions: counting
        ? {
            manifesto: await countInstructions(
              context.manifesto.command,
              async () => [
                ...context.manifesto.prefix,
                ...(command === 'put' ? await freshPut() : args),
                '--plain-http',
              ],
              { cwd, env: { ...context.env, MANIFESTO_CACHE_DIR: context.manifestoCacheDir() } },
              INSTRUCTION_RUNS,
            ),
            nodeHttp: await countInstructions(
              process.execPath,
              () => ['--input-type=module', '-e', NODE_HTTP_SCRIPT],
              { env },
              INSTRUCTION_RUNS,
            ),
          }
        : undefined,
    });
  }
  return rows;
}

const ms = (value: number | undefined) => (value === undefined ? '-' : formatMs(value));

export function renderFloor(rows: readonly FloorRow[]): string[] {
  return rows.map(
    (r) =>
      `Floor (${r.registry}, ${r.command}, ${r.requests} requests, medians of ${r.runs} interleaved runs): manifesto ` +
      `${formatMs(r.manifesto.wallMs)} ms wall / ${ms(r.manifesto.cpuMs)} ms CPU / ${r.manifesto.peakRssKb === undefined ? '-' : (r.manifesto.peakRssKb / 1024).toFixed(0)} MB; ` +
      `bare node:http script ${formatMs(r.nodeHttp.wallMs)} / ${ms(r.nodeHttp.cpuMs)} ms; ` +
      `with fetch ${formatMs(r.fetch.wallMs)} / ${ms(r.fetch.cpuMs)} ms; ` +
      `manifesto / node:http = ${formatRatio(r.wallRatio)} (goal <= 1.50x and < 100 ms)` +
      (r.instructions === undefined
        ? '; instructions: - (no valgrind)'
        : `; instructions (callgrind, median of ${INSTRUCTION_RUNS}, without V8's hash-seed search): manifesto ` +
          `${(r.instructions.manifesto / 1e6).toFixed(1)} M, node:http script ${(r.instructions.nodeHttp / 1e6).toFixed(1)} M = ` +
          `${formatRatio(r.instructions.manifesto / r.instructions.nodeHttp)} (goal <= 1.50x)`),
  );
}

/** Client CPU per command of the main table's rows: manifesto vs oras, at loopback and at the delay. */
export function renderClientCpu(
  runs: ReadonlyArray<RunRecord & { registry: string; scenario: string }>,
): string[] {
  const groups = new Map<string, { manifesto: number[]; oras: number[] }>();
  for (const run of runs) {
    if (run.cpuMs === undefined || run.code !== 0) continue;
    const key = `${run.registry} ${run.scenario} ${run.delayMs === 0 ? 'loopback' : `+${run.delayMs} ms`}`;
    const group = groups.get(key) ?? { manifesto: [], oras: [] };
    group[run.tool].push(run.cpuMs);
    groups.set(key, group);
  }
  const lines: string[] = [];
  for (const [key, group] of groups) {
    if (group.manifesto.length === 0 || group.oras.length === 0) continue;
    const manifesto = median(group.manifesto);
    const oras = median(group.oras);
    lines.push(
      `Client CPU (${key}, user+system by /usr/bin/time, medians): manifesto ${formatMs(manifesto)} ms, oras ${formatMs(oras)} ms` +
        (oras > 0 ? ` = ${formatRatio(manifesto / oras)}` : ''),
    );
  }
  return lines;
}
