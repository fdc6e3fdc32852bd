// `node bench/fleet/run.ts [--images N] [--findings N] [--packages N] [--runs N]`: the fleet index
// benchmark. Writes a synthetic fleet (synthetic.ts) straight into a fresh SQLite index, then times
// typical queries (p50/p95/p99 over --runs runs after one warm-up), a deep keyset page beside the
// first, and the memory of a query that filters every image in process. Prints a table; nothing is
// asserted (tests never time things).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { countQuery, prepareQuery, runQuery } from '../../src/fleet/query.ts';
import { openSqliteStore } from '../../src/fleet/sqlite-store.ts';
import { cveId, purlOf, writeFleet } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    findings: { type: 'string', default: '50' },
    packages: { type: 'string', default: '200' },
    runs: { type: 'string', default: '20' },
  },
});
const shape = {
  images: Number(values.images),
  perRepository: 1000,
  findingsPerImage: Number(values.findings),
  packagesPerImage: Number(values.packages),
};
const runs = Number(values.runs);
const now = new Date('2026-12-07T00:00:00.000Z');

const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-bench-'));
const path = join(dir, 'index.db');
const store = openSqliteStore(path);

const started = performance.now();
const rows = writeFleet(store, shape, now);
const loadMs = performance.now() - started;
store.close();
const reopened = openSqliteStore(path); // checkpoints the WAL on close: the size is the file's
const size = statSync(path).size;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Row {
  name: string;
  query: string;
  results: number;
  plan: string;
  p50: number;
  p95: number;
  p99: number;
}

async function time(
  name: string,
  expression: string,
  options: { limit?: number; cursor?: string; count?: boolean } = {},
): Promise<Row> {
  const query = await prepareQuery(expression);
  const once = () =>
    options.count === true
      ? countQuery(reopened, query, now)
      : runQuery(reopened, query, { limit: options.limit ?? 100, cursor: options.cursor, now }).images.length;
  let results = once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    results = once();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const plan = query.plan.exact ? 'sql' : query.plan.compiled.length > 0 ? 'sql + process' : 'process';
  return {
    name,
    query: expression,
    results,
    plan,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
  };
}

const deepCursor = reopened
  .select({ where: '1 = 1', params: [] }, undefined, Math.floor(shape.images * 0.9))
  .at(-1)!.sortKey;
const table: Row[] = [
  await time('by CVE id (common)', `"${cveId(3)}" in vuln.ids`),
  await time('by CVE id (rare)', `"${cveId(19_000)}" in vuln.ids`),
  await time('by purl', `sbom.packages.exists(p, p.purl == "${purlOf(5, '1.5')}")`),
  await time('by purl prefix', `sbom.packages.exists(p, p.purl.startsWith("pkg:deb/debian/pkg77@"))`),
  await time(
    'prod ∧ critical ∧ fixable',
    '"production" in deployment.environments && vuln.critical > 0 && vuln.fixable > 0',
  ),
  await time('missing type (sbom)', '!("sbom" in types)'),
  await time('unsigned scan', '!("vuln" in signed)'),
  await time('stale scan, deployed', 'size(deployment.environments) > 0 && vuln.age > 30'),
  await time('approval pending', 'approvals["qa"] == "pending"'),
  await time(
    'prunable',
    'lifecycle.status in ["deprecated", "end-of-life"] && !("production" in deployment.environments)',
  ),
  await time('one team', 'contact.team == "team7"'),
  await time('first page of all', 'true'),
  await time('deep page of all (90%)', 'true', { cursor: deepCursor }),
  await time('count: critical', 'vuln.critical > 0', { count: true }),
];
reopened.close();

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
console.log(
  `fleet index: ${shape.images} images, ${rows.findings} findings, ${rows.packages} SBOM packages; ` +
    `load ${(loadMs / 1000).toFixed(1)} s (${Math.round(shape.images / (loadMs / 1000))} images/s), ` +
    `file ${(size / 1024 / 1024).toFixed(0)} MiB; ${runs} runs per query (ms)`,
);
const widths = [28, 6, 14, 8, 8, 8];
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i] ?? 0))
    .join(' ')
    .trimEnd();
console.log(line(['query', 'rows', 'plan', 'p50', 'p95', 'p99']));
for (const r of table)
  console.log(line([r.name, String(r.results), r.plan, ms(r.p50), ms(r.p95), ms(r.p99)]));

// Memory while a query filters every image in process (batches of 500).
const memory = openSqliteStore(path);
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const everything = await prepareQuery('vuln.age >= 0 || vuln.age < 0');
await new Promise((resolve) => setImmediate(resolve));
const t = performance.now();
const counted = countQuery(memory, everything, now);
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);
console.log(
  `in-process scan of all ${counted} images: ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${(before / 1048576).toFixed(0)} -> peak ${(peak / 1048576).toFixed(0)} MiB`,
);
memory.close();
rmSync(dir, { recursive: true, force: true });
