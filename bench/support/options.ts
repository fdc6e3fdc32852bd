/** Command-line options of `npm run bench` (scripts/bench.ts). */
import { parseArgs } from 'node:util';
import { BENCH_REGISTRY_KINDS, type BenchRegistryKind } from './fixtures.ts';
import { OPERATION_NAMES, type OperationName } from './operations.ts';

export interface BenchOptions {
  runs: number;
  operations: OperationName[];
  registries: BenchRegistryKind[];
  /** The simulated round trip added to every request, besides loopback (0 = loopback only). */
  delayMs: number;
  json: boolean;
  strict: boolean;
  /** Run the large-file memory check. */
  memory: boolean;
  memoryMb: number;
  memoryTargetMb: number;
  build: boolean;
  /** Print every over-budget run's requests (always on for the worst one). */
  trace: boolean;
  /** manifesto's on-disk manifest cache: empty for every run (cold), or kept and primed (warm). */
  cache: 'cold' | 'warm';
}

export const USAGE = `usage: npm run bench -- [options]   (node scripts/bench.ts [options])

Counts the requests and measures the wall time of manifesto put/get/list/history against
oras attach/discover/pull, on distribution 2.8 (referrers tag schema) and on
go-containerregistry's registry (referrers API), through a counting proxy.

  --runs N                 runs per tool, operation, registry and delay (default 5, at least 1)
  --only OPS               operations, comma-separated: put,get,list,history,memory (default all)
  --registries KINDS       distribution,refreg (default both)
  --delay-ms MS            simulated round trip added to each request, measured besides loopback
                           (default 25; 0 measures loopback only)
  --memory / --no-memory   run / skip the large-file memory check (default: run unless --only omits it)
  --memory-mb N            size of the memory check's file in MiB (default 500)
  --json                   print the results as JSON instead of the table
  --strict                 exit 1 when a budget or the memory target fails
  --cache cold|warm        manifesto's on-disk manifest cache: empty for every run (cold, default), or
                           kept across the runs of a registry after one untimed priming run (warm)
  --no-build               use dist/manifesto.mjs as it is (default: npm run build first)
  --trace                  print the requests of every over-budget run, not only the worst
  -h, --help               this help

Results are saved in bench/results/<timestamp>.json.`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${what}: unknown "${item}" (expected ${allowed.join(', ')})`);
    }
  }
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return [...new Set(items)] as T[];
}

function wholeNumber(value: string, what: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${what}: expected a whole number >= ${min}, got "${value}"`);
  return n;
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    allowPositionals: false,
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      registries: { type: 'string' },
      'delay-ms': { type: 'string' },
      memory: { type: 'boolean' },
      'no-memory': { type: 'boolean' },
      'memory-mb': { type: 'string' },
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      'no-build': { type: 'boolean' },
      trace: { type: 'boolean' },
      cache: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const selected =
    values.only === undefined
      ? [...OPERATION_NAMES, 'memory' as const]
      : list(values.only, [...OPERATION_NAMES, 'memory' as const], '--only');
  let memory = selected.includes('memory');
  if (values.memory) memory = true;
  if (values['no-memory']) memory = false;
  return {
    runs: values.runs === undefined ? 5 : wholeNumber(values.runs, '--runs', 1),
    operations: selected.filter((s): s is OperationName => s !== 'memory'),
    registries:
      values.registries === undefined
        ? [...BENCH_REGISTRY_KINDS]
        : list(values.registries, BENCH_REGISTRY_KINDS, '--registries'),
    delayMs: values['delay-ms'] === undefined ? 25 : wholeNumber(values['delay-ms'], '--delay-ms', 0),
    json: values.json === true,
    strict: values.strict === true,
    memory,
    memoryMb: values['memory-mb'] === undefined ? 500 : wholeNumber(values['memory-mb'], '--memory-mb', 1),
    memoryTargetMb: 150,
    build: values['no-build'] !== true,
    trace: values.trace === true,
    cache: values.cache === undefined ? 'cold' : list(values.cache, ['cold', 'warm'] as const, '--cache')[0]!,
  };
}
