// `npm run bench`: requests per operation and wall time, manifesto next to oras (see docs/development.md, "Benchmarks").
//
// Starts distribution 2.8 (referrers tag schema) and go-containerregistry's registry (referrers API) on
// loopback, each behind a counting proxy (bench/support/counting-proxy.ts), and runs put / get / list /
// history with manifesto's CLI and the equivalent oras commands, interleaved, at loopback and with a
// simulated round trip per request. Prints one table (requests by class, budgets, median wall times,
// ratios), the requests of the rows over budget, and a large-file memory check; saves everything as
// JSON in bench/results/<timestamp>.json. `node scripts/bench.ts --help` lists the options.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { measureBulk } from '../bench/support/bulk.ts';
import { measureFloor, renderClientCpu } from '../bench/support/client-cpu.ts';
import { type ExtrasResults, measureScale, measureStart, renderExtras } from '../bench/support/extras.ts';
import { type BenchRegistry, benchRegistryStorage, startBenchRegistry } from '../bench/support/fixtures.ts';
import { measureScenario, type RunRecord } from '../bench/support/measure.ts';
import { type MemoryResult, measureMemory } from '../bench/support/memory.ts';
import {
  type BenchContext,
  budgetFor,
  createWorkDir,
  HISTORY_VERSIONS,
  runManifesto,
  runOras,
  type Tool,
} from '../bench/support/operations.ts';
import { type BenchOptions, parseBenchOptions, USAGE } from '../bench/support/options.ts';
import { RSS_METHOD, runMeasured } from '../bench/support/processes.ts';
import {
  CLASS_LEGEND,
  type ColumnGroup,
  diagnose,
  formatClasses,
  formatMb,
  formatMs,
  formatRatio,
  type RowSummary,
  renderRequestTable,
  renderTable,
  renderTrace,
  summariseRow,
} from '../bench/support/report.ts';
import { createScenarios } from '../bench/support/scenarios.ts';
import { measureSigning } from '../bench/support/signing-section.ts';
import { median } from '../bench/support/stats.ts';
import {
  createClientHome,
  type ManifestoCli,
  orasBin,
  orasVersion,
  prepareManifesto,
} from '../bench/support/tools.ts';

const root = resolve(import.meta.dirname, '..');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function ensurePeers(): void {
  const script = join(root, 'scripts', 'provision-peers.sh');
  if (spawnSync('bash', [script, '--check'], { stdio: 'ignore' }).status === 0) return;
  log('bench: provisioning registries and peer CLIs (scripts/provision-peers.sh), once');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`scripts/provision-peers.sh failed (exit ${result.status})`);
}

interface StartupSummary {
  manifesto: { wallMedianMs: number; peakRssMedianKb: number | undefined };
  oras: { wallMedianMs: number; peakRssMedianKb: number | undefined };
}

/** Process start alone (`manifesto version`, `oras version`), interleaved: the floor of every row. */
async function measureStartup(
  manifesto: ManifestoCli,
  env: Record<string, string>,
  runs: number,
): Promise<StartupSummary> {
  const samples: Record<Tool, { wall: number[]; rss: number[] }> = {
    manifesto: { wall: [], rss: [] },
    oras: { wall: [], rss: [] },
  };
  for (let i = 0; i < runs; i++) {
    const order: Tool[] = i % 2 === 0 ? ['manifesto', 'oras'] : ['oras', 'manifesto'];
    for (const tool of order) {
      const result =
        tool === 'manifesto'
          ? await runMeasured(manifesto.command, [...manifesto.prefix, 'version'], { env })
          : await runMeasured(orasBin(), ['version'], { env });
      samples[tool].wall.push(result.wallMs);
      if (result.peakRssKb !== undefined) samples[tool].rss.push(result.peakRssKb);
    }
  }
  const summary = (tool: Tool) => ({
    wallMedianMs: median(samples[tool].wall),
    peakRssMedianKb: samples[tool].rss.length === 0 ? undefined : median(samples[tool].rss),
  });
  return { manifesto: summary('manifesto'), oras: summary('oras') };
}

/** One untimed put and discover per tool, so the first measured run does not pay for cold caches. */
async function warmUp(context: BenchContext): Promise<void> {
  const [put] = createScenarios(['put']);
  for (const tool of ['manifesto', 'oras'] as const) {
    const target = await put!.prepare(context, tool, `warm-up-${tool}`);
    const reference = target.reference;
    await put!.run(context, tool, target);
    if (tool === 'manifesto') await runManifesto(context, ['list', reference], context.workDir);
    else await runOras(context, ['discover', '--format', 'json', '--depth', '1', reference], context.workDir);
  }
}

/** The start, bulk, scale and signing sections on one registry; a section that breaks is reported, not fatal. */
async function runExtras(
  context: BenchContext,
  options: BenchOptions,
  delays: readonly number[],
  extras: ExtrasResults,
  errors: string[],
): Promise<void> {
  const kind = context.bench.kind;
  const sections: Array<[boolean, string, () => Promise<void>]> = [
    [
      options.start,
      'start',
      async () => {
        extras.start.push(await measureStart(context, 20));
        extras.floor.push(...(await measureFloor(context, 10)));
      },
    ],
    [
      options.bulk,
      `bulk (${options.bulkCount} puts at ${delays.map((d) => (d === 0 ? 'loopback' : `+${d} ms`)).join(' and ')})`,
      async () => {
        extras.bulk.push(
          ...(await measureBulk(context, {
            count: options.bulkCount,
            concurrency: options.bulkConcurrency,
            delays,
            log,
          })),
        );
      },
    ],
    [
      options.scale,
      `scale (${options.scaleVersions} versions)`,
      async () => {
        extras.scale.push(...(await measureScale(context, options.scaleVersions, options.runs, log)));
      },
    ],
    [
      options.signing,
      'signing',
      async () => {
        extras.signing.push(...(await measureSigning(context, options.runs, options.signingRows, delays)));
      },
    ],
  ];
  for (const [wanted, name, run] of sections) {
    if (!wanted) continue;
    const started = performance.now();
    log(`bench: ${kind}: ${name}`);
    try {
      await run();
      log(`bench: ${kind}: ${name} done in ${formatMs(performance.now() - started)} ms`);
    } catch (error) {
      const message = `${kind} ${name}: ${(error as Error).stack ?? String(error)}`;
      errors.push(message);
      log(`bench: ${message}`);
    }
  }
}

interface Results {
  schema: 'manifesto-bench/1';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  environment: {
    node: string;
    oras: string;
    manifesto: string;
    manifestoNote: string | undefined;
    cpus: number;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    rssMethod: string;
    /** Where the registries keep their storage (tmpfs when available: the disk's sync latency is not measured). */
    registryStorage: string;
    /** Peak RSS of this process (the proxies stream: it stays small even with the memory check). */
    benchPeakRssKb: number;
  };
  options: BenchOptions;
  delays: number[];
  startup: StartupSummary;
  rows: RowSummary[];
  memory: MemoryResult | undefined;
  /** Start-up, bulk throughput and 1,000-version sections (bench/support/extras.ts). */
  extras: ExtrasResults;
  budgets: { pass: number; fail: number; failing: string[] };
  /** Scenarios the bench could not run (not budget failures). */
  errors: string[];
  runs: Array<RunRecord & { registry: string; scenario: string }>;
}

/** The telling line of a failed process's stderr (the whole text is in the JSON results). */
function errorLine(text: string | undefined): string {
  const lines = (text ?? '').split('\n').map((l) => l.trim());
  return lines.find((l) => /error/i.test(l)) ?? lines.find((l) => l !== '') ?? '';
}

function rowName(row: RowSummary): string {
  return `${row.registry} ${row.label}`;
}

function renderReport(results: Results, options: BenchOptions): string {
  const out: string[] = [];
  const env = results.environment;
  out.push(
    `manifesto bench ${results.startedAt}: manifesto ${env.manifesto} (node ${env.node}) vs oras ${env.oras}; ` +
      `${options.runs} run(s) per cell, interleaved; manifesto's manifest cache ${options.cache}; ${env.cpus} CPUs, load average ${env.loadAverageAtStart.map((l) => l.toFixed(1)).join(' ')}`,
  );
  out.push(`${env.registryStorage}; client and registry share the machine's CPUs`);
  if (env.manifestoNote) out.push(`note: ${env.manifestoNote}`);
  out.push(
    `process start alone (version): manifesto ${formatMs(results.startup.manifesto.wallMedianMs)} ms, ` +
      `oras ${formatMs(results.startup.oras.wallMedianMs)} ms (medians); every row below includes it`,
    '',
  );
  if (results.rows.length > 0) {
    out.push(renderRequestTable(results.rows, results.delays), '');
    out.push(
      `requests: total of the worst run (a range when runs differ), then by class: ${CLASS_LEGEND}.`,
      '(tags) = referrers tag schema, (API) = OCI referrers API. The tag schema index (GET/PUT/HEAD',
      '.../manifests/sha256-<hex>) counts as referrers. oras get = oras discover + oras pull (2 processes);',
      'put --all-platforms = 3 oras attach @digest; list --tree = 4 oras discover (index + 3 platforms @digest).',
      'budget = manifesto requests in every run (worst), any delay. ms = median wall time, ratio = median of',
      'the per-iteration ratios manifesto/oras (paired runs).',
      '',
    );
    const settled = results.rows.filter((r) => r.settle !== undefined);
    if (settled.length > 0) {
      out.push(
        'Settle wait of tag-schema puts: manifesto waits (settleMs 250 + 0-100 jitter, or 2x its slowest request)',
        'before the HEAD that verifies its index write (src/registry/referrers-tag-schema.ts); oras does not verify.',
      );
      const header = ['registry', 'operation'];
      const groups: ColumnGroup[] = [];
      for (const delay of results.delays) {
        groups.push({ column: header.length, title: delay === 0 ? 'loopback' : `+${delay} ms per request` });
        header.push('settle ms', 'manifesto - settle', 'ratio - settle');
      }
      const rows = settled.map((r) => {
        const cells = [r.registry, r.label];
        for (const delay of results.delays) {
          const s = r.settle?.[String(delay)];
          cells.push(
            formatMs(s?.settleMedianMs),
            formatMs(s?.manifestoWithoutSettleMs),
            formatRatio(s?.ratioWithoutSettle),
          );
        }
        return cells;
      });
      const right = new Set(Array.from({ length: results.delays.length * 3 }, (_, i) => i + 2));
      out.push(renderTable(header, rows, right, groups), '');
    }
    const failing = results.rows.filter((r) => !r.budget.pass);
    if (failing.length > 0) {
      out.push('Over budget (manifesto requests by class, per delay; then the requests of the worst run):');
      for (const row of failing) {
        const m = row.tools.manifesto;
        out.push(`  ${rowName(row)}: ${row.budget.worst} requests, budget ${row.budget.limit}`);
        for (const delay of results.delays) {
          const at = m.perDelay[String(delay)];
          if (at === undefined) continue;
          const label = delay === 0 ? 'loopback' : `+${delay} ms`;
          const totals =
            at.requests.min === at.requests.max
              ? `${at.requests.max}`
              : `${at.requests.min}-${at.requests.max}`;
          out.push(`    ${label}: ${totals} (worst: ${formatClasses(at.requests.byClass)})`);
        }
        if (m.failures > 0) out.push(`    ${m.failures} run(s) failed: ${errorLine(m.firstError)}`);
        const runs = results.runs.filter(
          (r) => r.registry === row.registry && r.scenario === row.scenario && r.tool === 'manifesto',
        );
        const worst = runs.reduce<RunRecord | undefined>(
          (best, r) => (best === undefined || r.counts.total > best.counts.total ? r : best),
          undefined,
        );
        if (worst !== undefined) for (const note of diagnose(worst.trace)) out.push(`    - ${note}`);
        const shown = options.trace
          ? runs.filter((r) => r.counts.total > row.budget.limit)
          : worst
            ? [worst]
            : [];
        for (const run of shown) {
          out.push(
            `    requests (${run.delayMs === 0 ? 'loopback' : `+${run.delayMs} ms`}, run ${run.iteration + 1}):`,
          );
          out.push(renderTrace(run.trace));
        }
      }
      out.push('');
    }
    const errors = results.rows.filter((r) => r.tools.oras.failures > 0);
    for (const row of errors) {
      out.push(
        `oras failed in ${row.tools.oras.failures} run(s) of ${rowName(row)}: ${errorLine(row.tools.oras.firstError)}`,
        '',
      );
    }
  }
  const cpuLines = renderClientCpu(results.runs);
  if (cpuLines.length > 0) out.push(...cpuLines, '');
  const extraLines = renderExtras(results.extras);
  if (extraLines.length > 0) out.push(...extraLines, '');
  const memory = results.memory;
  if (memory !== undefined) {
    out.push(
      `Memory: ${memory.sizeMb} MiB content on ${memory.registry}, through the proxy at loopback; peak RSS by ${env.rssMethod}; ` +
        `target for manifesto < ${memory.targetMb} MB: ${memory.pass ? 'PASS' : 'FAIL'} (${(memory.totalMs / 1000).toFixed(1)} s in all; ` +
        `the bench process itself, proxy included, peaked at ${formatMb(env.benchPeakRssKb)})`,
    );
    const rows = memory.steps.map((s) => [
      s.tool,
      s.step === 'put'
        ? s.tool === 'manifesto'
          ? 'put'
          : 'attach'
        : s.tool === 'manifesto'
          ? 'get -o'
          : 'discover + pull',
      formatMb(s.peakRssKb),
      formatMs(s.wallMs),
      `${s.throughputMiBs.toFixed(0)} MiB/s`,
      String(s.counts.total),
      s.code === 0 && s.error === undefined ? 'ok' : `FAILED: ${(s.error ?? '').split('\n')[0]}`,
    ]);
    out.push(
      renderTable(
        ['tool', 'step', 'peak RSS', 'wall ms', 'rate', 'requests', ''],
        rows,
        new Set([2, 3, 4, 5]),
      ),
      '',
    );
  }
  const b = results.budgets;
  const budgets =
    results.rows.length === 0
      ? 'Budgets: no operation measured'
      : `Budgets: ${b.pass} PASS, ${b.fail} FAIL${b.fail > 0 ? ` (${b.failing.join('; ')})` : ''}`;
  out.push(budgets + (memory === undefined ? '' : `; memory ${memory.pass ? 'PASS' : 'FAIL'}`));
  if (results.errors.length > 0) {
    out.push(
      `Not measured (the bench failed; details above on stderr): ${results.errors.map((e) => e.split('\n')[0]).join('; ')}`,
    );
  }
  return out.join('\n');
}

/** `--only copy` and `--only fleet`: their scripts, with this run's options; true when one failed. */
function runSideSections(options: BenchOptions): boolean {
  const jobs: string[][] = [];
  if (options.copy) {
    const copyArgs = options.sources ? ['--sources'] : [];
    jobs.push(['bench/copy/run.ts', '--delay-ms', '0', ...copyArgs]);
    if (options.delayMs > 0)
      jobs.push(['bench/copy/run.ts', '--delay-ms', String(options.delayMs), ...copyArgs]);
  }
  if (options.fleet) jobs.push(['bench/fleet/run.ts', '--images', String(options.fleetImages)]);
  let failed = false;
  for (const job of jobs) {
    console.error(`bench: node ${job.join(' ')}`);
    const result = spawnSync(process.execPath, job, { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) failed = true;
  }
  return failed;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    const parsed = parseBenchOptions(process.argv.slice(2));
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  // The copy and fleet sections are jobs of their own: run as their scripts, printed as they go.
  if (options.copy || options.fleet) {
    const failed = runSideSections(options);
    if (
      options.operations.length === 0 &&
      !options.start &&
      !options.bulk &&
      !options.scale &&
      !options.signing
    )
      return failed ? 1 : 0;
  }
  // The bench's own preparation (the library, in this process) keeps no on-disk cache.
  process.env.MANIFESTO_CACHE = 'off';
  const started = new Date();
  const startedMs = performance.now();
  const loadAverageAtStart = loadavg();
  ensurePeers();
  const manifesto = prepareManifesto(root, options.build, log, options.sources);
  const home = createClientHome();
  const delays = options.delayMs > 0 ? [0, options.delayMs] : [0];
  const running = new Set<BenchRegistry>();
  const stopAll = async () => {
    await Promise.allSettled([...running].map((b) => b.stop()));
    running.clear();
  };
  const onSignal = () => {
    void stopAll().finally(() => {
      home.remove();
      manifesto.remove();
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const rows: RowSummary[] = [];
  const runs: Results['runs'] = [];
  const errors: string[] = [];
  let memory: MemoryResult | undefined;
  const extras: ExtrasResults = { start: [], floor: [], bulk: [], scale: [], signing: [] };
  const memoryRegistry = options.registries.includes('distribution') ? 'distribution' : options.registries[0];
  const workParent = join(tmpdir(), 'manifesto-bench');
  const storage = benchRegistryStorage();
  let startup: StartupSummary;
  try {
    log(`bench: manifesto ${manifesto.entry}, oras ${orasBin()}`);
    startup = await measureStartup(manifesto, home.env, options.runs);
    for (const kind of options.registries) {
      const memoryHere = options.memory && kind === memoryRegistry;
      const extrasHere = options.start || options.bulk || options.scale || options.signing;
      if (options.operations.length === 0 && !memoryHere && !extrasHere) continue;
      log(`bench: starting ${kind}`);
      const bench = await startBenchRegistry(kind, storage);
      running.add(bench);
      const workDir = createWorkDir(workParent, kind);
      let caches = 0;
      const warmCache = join(workDir, 'manifesto-cache');
      const context: BenchContext = {
        bench,
        manifesto,
        env: home.env,
        workDir,
        manifestoCacheDir: () => (options.cache === 'warm' ? warmCache : join(workDir, `cache-${caches++}`)),
      };
      try {
        if (options.operations.length > 0) await warmUp(context);
        for (const scenario of createScenarios(options.operations)) {
          try {
            const prepared = performance.now();
            if (scenario.operation === 'history') log(`bench: ${kind}: storing ${HISTORY_VERSIONS} versions`);
            await scenario.setup(context);
            log(`bench: ${kind} ${scenario.label} (setup ${formatMs(performance.now() - prepared)} ms)`);
            const records = await measureScenario(scenario, context, {
              runs: options.runs,
              delays,
              prime: options.cache === 'warm',
              onRun: (r) => {
                if (r.code !== 0) log(`bench:   ${r.tool} failed (exit ${r.code}): ${errorLine(r.error)}`);
              },
            });
            for (const r of records) runs.push({ registry: kind, scenario: scenario.id, ...r });
            rows.push(
              summariseRow(
                {
                  registry: kind,
                  referrersApi: bench.referrersApi,
                  scenario: scenario.id,
                  operation: scenario.operation,
                  label: scenario.label,
                },
                records,
                delays,
                budgetFor(scenario.operation, bench.referrersApi),
              ),
            );
          } catch (error) {
            // The bench itself broke (preparation, a registry): report it, measure the rest.
            const message = `${kind} ${scenario.label}: ${(error as Error).stack ?? String(error)}`;
            errors.push(message);
            log(`bench: ${message}`);
          }
        }
        if (memoryHere) {
          log(`bench: ${kind}: memory check with ${options.memoryMb} MiB`);
          try {
            memory = await measureMemory(context, options.memoryMb, options.memoryTargetMb);
            if (memory.totalMs > 60_000) {
              log(
                `bench: the memory check took ${(memory.totalMs / 1000).toFixed(0)} s; skip it with --no-memory`,
              );
            }
          } catch (error) {
            const message = `${kind} memory check: ${(error as Error).stack ?? String(error)}`;
            errors.push(message);
            log(`bench: ${message}`);
          }
        }
        await runExtras(context, options, delays, extras, errors);
      } finally {
        running.delete(bench);
        await bench.stop();
        rmSync(workDir, { recursive: true, force: true });
      }
    }
  } finally {
    await stopAll();
    home.remove();
    manifesto.remove();
    rmSync(workParent, { recursive: true, force: true });
  }

  const failing = rows.filter((r) => !r.budget.pass).map(rowName);
  const finished = new Date();
  const results: Results = {
    schema: 'manifesto-bench/1',
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: performance.now() - startedMs,
    environment: {
      node: process.version,
      oras: orasVersion(),
      manifesto: manifesto.entry,
      manifestoNote: manifesto.note,
      cpus: cpus().length,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
      rssMethod: RSS_METHOD,
      registryStorage: storage.description,
      benchPeakRssKb: process.resourceUsage().maxRSS,
    },
    options,
    delays,
    startup,
    rows,
    memory,
    extras,
    budgets: { pass: rows.length - failing.length, fail: failing.length, failing },
    errors,
    runs,
  };
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (options.json) console.log(JSON.stringify(results, null, 2));
  else console.log(renderReport(results, options));
  log(
    `bench: results saved in ${relative(process.cwd(), file)} (${(results.durationMs / 1000).toFixed(0)} s in all)`,
  );
  const failed = failing.length > 0 || (memory !== undefined && !memory.pass);
  if (errors.length > 0) return 1;
  return options.strict && failed ? 1 : 0;
}

process.exitCode = await main();
