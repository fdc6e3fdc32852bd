/** Command-line options of `npm run bench` (scripts/bench.ts). */
import { parseArgs } from 'node:util';
import { BENCH_REGISTRY_KINDS, type BenchRegistryKind } from './fixtures.ts';
import { OPERATION_NAMES, type OperationName } from './operations.ts';
import type { SigningRows } from './signing-section.ts';

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
  /** Run src/cli/bin.ts with Node instead of the bundle (no build). */
  sources: boolean;
  /** Print every over-budget run's requests (always on for the worst one). */
  trace: boolean;
  /** manifesto's on-disk manifest cache: empty for every run (cold), or kept and primed (warm). */
  cache: 'cold' | 'warm';
  /** Start-up section: --version and get next to node -e 0 (+ the same requests). */
  start: boolean;
  /** Bulk section: N puts with one put --from next to oras attach processes. */
  bulk: boolean;
  bulkCount: number;
  /** put --from --concurrency, and how many oras processes run at a time next to it. */
  bulkConcurrency: number;
  /** Scale section: list and get with this many versions of one type. */
  scale: boolean;
  scaleVersions: number;
  /** Signing section: put --sign / get --verify vs oras + notation and cosign, and check. */
  signing: boolean;
  /** All its rows, or only the unverified attestation read (`--only attestation`). */
  signingRows: SigningRows;
  /** `manifesto copy` next to `oras cp -r` (bench/copy/run.ts): only with --only copy. */
  copy: boolean;
  /** The fleet index's queries over a synthetic fleet (bench/fleet/run.ts): only with --only fleet. */
  fleet: boolean;
  /** Images of the synthetic fleet (--fleet-images; default 5000). */
  fleetImages: number;
}

const SECTIONS = ['memory', 'start', 'bulk', 'scale', 'signing', 'attestation', 'copy', 'fleet'] as const;

export const USAGE = `usage: npm run bench -- [options]   (node scripts/bench.ts [options])

Counts the requests and measures the wall time of manifesto put/get/list/history against
oras attach/discover/pull, on distribution 2.8 (referrers tag schema) and on
go-containerregistry's registry (referrers API), through a counting proxy.

  --runs N                 runs per tool, operation, registry and delay (default 5, at least 1)
  --only OPS               operations, comma-separated: put,get,list,history,put-all-platforms,
                           list-tree,memory,start,bulk,scale,signing,attestation,copy,fleet
                           (default all but signing, attestation, copy and fleet; attestation: only
                           the signing section's get of a sigstore attestation, at loopback and at
                           --delay-ms; copy: manifesto copy vs oras cp -r, a 3-platform image with
                           15 referrers, both ways, loopback and --delay-ms, and a no-op run
                           (bench/copy/run.ts); fleet: the fleet index's queries, p50/p95/p99, over
                           a synthetic fleet (bench/fleet/run.ts))
  --fleet-images N         images of the fleet section's synthetic fleet (default 5000)
  --registries KINDS       distribution,refreg (default both)
  --delay-ms MS            simulated round trip added to each request, measured besides loopback
                           (default 25; 0 measures loopback only)
  --memory / --no-memory   run / skip the large-file memory check (default: run unless --only omits it)
  --memory-mb N            size of the memory check's file in MiB (default 500)
  --start / --no-start     start-up: manifesto --version vs node -e 0, get vs node + its requests (20 runs)
  --bulk / --no-bulk       throughput: N puts to N images with put --from vs oras attach processes, at
                           loopback and at --delay-ms, with client, registry and proxy CPU per put
  --bulk-n N               N of the bulk section (default 200; 1000 for the full run, about 2 minutes)
  --bulk-concurrency N     put --from --concurrency N, and oras processes at a time (default 16)
  --scale / --no-scale     list and get with many versions of one type
  --scale-versions N       versions of the scale section (default 1000)
  --signing / --no-signing put --sign and get --verify vs oras + notation and cosign, check (loopback;
                           off by default: about a minute at --runs 5); get of a sigstore attestation
                           vs cosign download attestation (loopback and --delay-ms)
  --json                   print the results as JSON instead of the table
  --strict                 exit 1 when a budget or the memory target fails
  --cache cold|warm        manifesto's on-disk manifest cache: empty for every run (cold, default), or
                           kept across the runs of a registry after one untimed priming run (warm)
  --no-build               use dist/manifesto.mjs as it is (default: npm run build first)
  --sources                run src/cli/bin.ts with Node instead of the bundle (no build)
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
      sources: { type: 'boolean' },
      trace: { type: 'boolean' },
      cache: { type: 'string' },
      start: { type: 'boolean' },
      'no-start': { type: 'boolean' },
      bulk: { type: 'boolean' },
      'no-bulk': { type: 'boolean' },
      'bulk-n': { type: 'string' },
      'bulk-concurrency': { type: 'string' },
      scale: { type: 'boolean' },
      'no-scale': { type: 'boolean' },
      'scale-versions': { type: 'string' },
      signing: { type: 'boolean' },
      'no-signing': { type: 'boolean' },
      'fleet-images': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const selected =
    values.only === undefined
      ? [...OPERATION_NAMES, ...SECTIONS]
      : list(values.only, [...OPERATION_NAMES, ...SECTIONS], '--only');
  const section = (name: 'start' | 'bulk' | 'scale'): boolean => {
    if (values[`no-${name}`]) return false;
    return values[name] === true || selected.includes(name);
  };
  let memory = selected.includes('memory');
  if (values.memory) memory = true;
  if (values['no-memory']) memory = false;
  return {
    runs: values.runs === undefined ? 5 : wholeNumber(values.runs, '--runs', 1),
    operations: selected.filter((s): s is OperationName =>
      (OPERATION_NAMES as readonly string[]).includes(s),
    ),
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
    sources: values.sources === true,
    trace: values.trace === true,
    cache: values.cache === undefined ? 'cold' : list(values.cache, ['cold', 'warm'] as const, '--cache')[0]!,
    start: section('start'),
    bulk: section('bulk'),
    bulkCount: values['bulk-n'] === undefined ? 200 : wholeNumber(values['bulk-n'], '--bulk-n', 1),
    bulkConcurrency:
      values['bulk-concurrency'] === undefined
        ? 16
        : wholeNumber(values['bulk-concurrency'], '--bulk-concurrency', 1),
    scale: section('scale'),
    scaleVersions:
      values['scale-versions'] === undefined
        ? 1000
        : wholeNumber(values['scale-versions'], '--scale-versions', 1),
    // Not in the default run (about 35 s at --runs 3, about a minute at the default 5): --signing or --only signing.
    signing:
      values['no-signing'] !== true &&
      (values.signing === true ||
        (values.only !== undefined && (selected.includes('signing') || selected.includes('attestation')))),
    signingRows:
      values.signing === true || selected.includes('signing') || !selected.includes('attestation')
        ? 'all'
        : 'attestation',
    // Not in the default run either: each is its own job (a copy between two registries; a synthetic
    // fleet written into a SQLite index, about 30 images/s to load).
    copy: values.only !== undefined && selected.includes('copy'),
    fleet: values.only !== undefined && selected.includes('fleet'),
    fleetImages:
      values['fleet-images'] === undefined ? 5000 : wholeNumber(values['fleet-images'], '--fleet-images', 1),
  };
}
