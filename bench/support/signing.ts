/**
 * The signing section of the benchmark: signed puts, verified gets and the deployment gate, through
 * the counting proxy at loopback, next to what the peer tools do for the same job:
 *
 *   put --sign k.key --cert k.crt (notary)   oras attach + notation sign (2 processes)
 *   get --verify (notary)                    oras discover + oras pull + notation verify (3 processes)
 *   put --sign k.key --sign-format sigstore  cosign attest --key (the predicate: the same file)
 *   get --verify (sigstore)                  cosign verify-attestation --key --type
 *   check --policy (5 kinds)                 (no peer)
 *   get, no verification (sigstore)          cosign download attestation (attestation.ts; at each delay)
 *
 * signing-section.ts runs them; this file holds the rows and the helpers they share.
 * Budgets: get --verify adds at most 2 requests per verified version to a plain get (measured in the
 * same runs); check makes one referrers listing per subject and one fetch per version whose content
 * the policy reads, and its evaluation (`--json` evaluationCpuMicros) takes < 50 ms of CPU.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkImage, compilePolicyCel } from '../../src/policy/gate/gate.ts';
import { parseGatePolicy } from '../../src/policy/gate/gate-policy.ts';
import { fixture } from '../../test/integration/policy/support.ts';
import { peerBin } from '../../test/support/peers.ts';
import { countRequests, type ProxiedRequest, type RequestCounts } from './counting-proxy.ts';
import { type BenchImage, benchRepository, proxiedReference, pushFreshImage } from './fixtures.ts';
import { type BenchContext, pickLatestReferrer, runManifesto, runOras } from './operations.ts';
import { type RunResult, runMeasured } from './processes.ts';
import { formatCounts, formatMs, formatRatio, renderTable } from './report.ts';
import { median } from './stats.ts';

export type SigningPeer = 'oras + notation' | 'cosign';

export interface SigningBudget {
  /** What is checked, e.g. 'extra per verified version'. */
  what: string;
  value: number;
  limit: number;
  pass: boolean;
}

export interface SigningRow {
  registry: string;
  /** e.g. 'put --sign (notary)'. */
  label: string;
  /** The delay the proxy added to every request (rows measured at loopback only: undefined). */
  delayMs?: number | undefined;
  runs: number;
  manifesto: { requests: RequestCounts; wallMs: number; failures: number };
  /** The requests of manifesto's worst run ("GET /v2/... 200"), in order. */
  trace: string[];
  peer?: { name: SigningPeer; processes: number; requests: RequestCounts; wallMs: number; failures: number };
  /** Median of the per-iteration ratios manifesto / peer. */
  ratio?: number | undefined;
  budgets: SigningBudget[];
  /** The first failure of either tool, for the report. */
  error?: string | undefined;
}

/** The in-toto predicate type cosign attests and verifies with. */
export const COSIGN_TYPE = 'https://manifesto.dev/bench/approvals/v1';
const NOTARY_ARTIFACT_TYPE = 'application/vnd.manifesto.approvals.v1';
const COSIGN_PASSWORD = 'bench-password';
const CHECK_CPU_BUDGET_MICROS = 50_000;

/** Keys, trust policies and peer configuration of one registry's signing section. */
export interface SigningSetup {
  dir: string;
  notaryPolicy: string;
  sigstorePolicy: string;
  /** notation's environment: XDG_CONFIG_HOME with a test key and a trust store holding its certificate. */
  notationEnv: Record<string, string>;
  cosignKey: string;
  cosignPub: string;
  cosignEnv: Record<string, string>;
}

export interface Sample {
  requests: RequestCounts;
  trace: readonly ProxiedRequest[];
  wallMs: number;
  code: number;
  stdout: string;
  error?: string | undefined;
}

function failure(result: RunResult, what: string): string | undefined {
  if (result.code === 0) return undefined;
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' ');
  return `${what} exit ${result.code}: ${text}`.slice(0, 400);
}

export async function must(result: Promise<RunResult>, what: string): Promise<RunResult> {
  const r = await result;
  const error = failure(r, what);
  if (error !== undefined) throw new Error(error);
  return r;
}

export async function setUpSigning(context: BenchContext): Promise<SigningSetup> {
  const dir = join(context.workDir, 'signing');
  mkdirSync(dir, { recursive: true });
  const { manifesto } = context;
  await must(
    runMeasured(manifesto.command, [...manifesto.prefix, 'key', 'generate', '--out', join(dir, 'k')], {
      env: context.env,
    }),
    'manifesto key generate',
  );
  const host = context.bench.proxy.host;
  const policy = (name: string, authority: Record<string, string[]>) => {
    const path = join(dir, name);
    // JSON is YAML.
    const document = {
      version: 1,
      authorities: { k: authority },
      rules: [
        { repositories: [`${host}/**`], types: ['approvals'], authorities: ['k'], enforcement: 'enforce' },
        { repositories: ['**'], types: ['*'], enforcement: 'skip' },
      ],
    };
    writeFileSync(path, JSON.stringify(document, null, 2));
    return path;
  };
  const notaryPolicy = policy('notary-policy.yaml', { certificates: [join(dir, 'k.crt')] });
  const sigstorePolicy = policy('sigstore-policy.yaml', { keys: [join(dir, 'k.pub')] });

  const config = join(dir, 'notation-config');
  const notationEnv = { ...context.env, XDG_CONFIG_HOME: config };
  await must(
    runMeasured(peerBin('notation'), ['cert', 'generate-test', '--default', 'bench-test'], {
      env: notationEnv,
    }),
    'notation cert generate-test',
  );
  const store = join(config, 'notation', 'truststore', 'x509', 'ca', 'bench');
  mkdirSync(store, { recursive: true });
  writeFileSync(
    join(store, 'bench-test.pem'),
    readFileSync(join(config, 'notation', 'localkeys', 'bench-test.crt')),
  );
  writeFileSync(
    join(config, 'notation', 'trustpolicy.json'),
    JSON.stringify({
      version: '1.0',
      trustPolicies: [
        {
          name: 'bench',
          registryScopes: ['*'],
          signatureVerification: { level: 'strict' },
          trustStores: ['ca:bench'],
          trustedIdentities: ['*'],
        },
      ],
    }),
  );
  const cosignEnv = { ...context.env, COSIGN_PASSWORD, COSIGN_YES: 'true' };
  await must(
    runMeasured(peerBin('cosign'), ['generate-key-pair', '--output-key-prefix', join(dir, 'cosign')], {
      env: cosignEnv,
      cwd: dir,
    }),
    'cosign generate-key-pair',
  );
  return {
    dir,
    notaryPolicy,
    sigstorePolicy,
    notationEnv,
    cosignKey: join(dir, 'cosign.key'),
    cosignPub: join(dir, 'cosign.pub'),
    cosignEnv,
  };
}

/**
 * A valid approvals document, unique per run (so every put uploads its content); returns its name
 * in `dir`, where every command runs (oras refuses absolute paths).
 */
export function writeApprovals(dir: string, runId: string): string {
  const name = `f-${runId}.json`;
  const path = join(dir, name);
  const approval = {
    gate: 'qa',
    status: 'approved',
    approver: 'alice@example.com',
    time: '2026-11-23T06:20:11Z',
    comment: `bench run ${runId}`,
  };
  writeFileSync(path, `${JSON.stringify({ approvals: [approval] })}\n`);
  return name;
}

export const COSIGN_HTTP = ['--allow-http-registry', '--allow-insecure-registry'];

/** `cosign attest` of `predicate` on `reference` with the setup's key, offline (no transparency log). */
export function cosignAttest(setup: SigningSetup, predicate: string, reference: string): Promise<RunResult> {
  return runMeasured(
    peerBin('cosign'),
    [
      'attest',
      '--key',
      setup.cosignKey,
      '--tlog-upload=false',
      '--use-signing-config=false',
      ...COSIGN_HTTP,
      '--new-bundle-format',
      '--type',
      COSIGN_TYPE,
      '--predicate',
      predicate,
      '--yes',
      reference,
    ],
    { env: setup.cosignEnv, cwd: setup.dir },
  );
}

/** Runs `steps` (processes, one after the other) with the proxy counting; stops at the first failure. */
export async function sample(context: BenchContext, steps: Array<() => Promise<RunResult>>): Promise<Sample> {
  const proxy = context.bench.proxy;
  proxy.reset();
  let wallMs = 0;
  let stdout = '';
  let code = 0;
  let error: string | undefined;
  for (const [i, step] of steps.entries()) {
    const result = await step();
    wallMs += result.wallMs;
    stdout = result.stdout;
    error = failure(result, `process ${i + 1}`);
    if (error !== undefined) {
      code = result.code;
      break;
    }
  }
  const trace = proxy.requests();
  return { requests: countRequests(trace), trace, wallMs, code, stdout, error };
}

/** A pipeline step that needs the output of the one before (e.g. the digest oras attach printed). */
type Pipeline = (context: BenchContext) => Promise<Sample>;

function worst(samples: readonly Sample[]): RequestCounts {
  return samples.reduce<RequestCounts>(
    (w, s) => (s.requests.total > w.total ? s.requests : w),
    samples[0]?.requests ?? countRequests([]),
  );
}

function worstSample(samples: readonly Sample[]): Sample | undefined {
  return samples.reduce<Sample | undefined>(
    (w, s) => (w === undefined || s.requests.total > w.requests.total ? s : w),
    undefined,
  );
}

export interface Compared {
  manifesto: Sample[];
  peer: Sample[];
}

/**
 * `runs` iterations of manifesto and the peer pipeline, back to back, alternating which goes first;
 * `prepare` (not counted) gives each iteration its targets.
 */
export async function compare<T>(
  runs: number,
  prepare: (i: number) => Promise<T>,
  manifesto: (target: T) => Promise<Sample>,
  peer: ((target: T) => Promise<Sample>) | undefined,
): Promise<Compared> {
  const out: Compared = { manifesto: [], peer: [] };
  for (let i = 0; i < runs; i++) {
    const target = await prepare(i);
    const order = i % 2 === 0 ? ['manifesto', 'peer'] : ['peer', 'manifesto'];
    for (const tool of order) {
      if (tool === 'manifesto') out.manifesto.push(await manifesto(target));
      else if (peer !== undefined) out.peer.push(await peer(target));
    }
  }
  return out;
}

export function row(
  context: BenchContext,
  label: string,
  compared: Compared,
  peer: { name: SigningPeer; processes: number } | undefined,
  budgets: SigningBudget[] = [],
): SigningRow {
  const m = compared.manifesto;
  const p = compared.peer;
  const ok = (s: Sample) => s.code === 0;
  const paired = m
    .map((s, i) => (ok(s) && p[i] !== undefined && ok(p[i]!) ? s.wallMs / p[i]!.wallMs : undefined))
    .filter((r): r is number => r !== undefined);
  const error = [...m, ...p].find((s) => s.error !== undefined)?.error;
  return {
    registry: context.bench.kind,
    label,
    runs: m.length,
    trace: worstSample(m)?.trace.map((r) => `${r.method} ${r.path} ${r.status}`) ?? [],
    manifesto: {
      requests: worst(m),
      wallMs: median(m.filter(ok).map((s) => s.wallMs)),
      failures: m.filter((s) => !ok(s)).length,
    },
    ...(peer === undefined
      ? {}
      : {
          peer: {
            ...peer,
            requests: worst(p),
            wallMs: median(p.filter(ok).map((s) => s.wallMs)),
            failures: p.filter((s) => !ok(s)).length,
          },
        }),
    ratio: paired.length === 0 ? undefined : median(paired),
    // A budget of runs that failed says nothing: it fails.
    budgets: m.some((s) => !ok(s)) ? budgets.map((b) => ({ ...b, value: Number.NaN, pass: false })) : budgets,
    error,
  };
}

function referenceAt(context: BenchContext, image: BenchImage, digest: string): string {
  return `${context.bench.proxy.host}/${image.repository}@${digest}`;
}

/** oras attach --format json prints the new manifest's descriptor. */
function attachedDigest(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { digest?: string }).digest;
  } catch {
    return /sha256:[0-9a-f]{64}/.exec(stdout)?.[0];
  }
}

/** The notary put pair and the sigstore put pair: a fresh image per tool and run. */
export async function measurePuts(
  context: BenchContext,
  setup: SigningSetup,
  runs: number,
): Promise<SigningRow[]> {
  const fresh = async (i: number, what: string) => {
    const repository = benchRepository(`sign-${what}`);
    return {
      m: await pushFreshImage(context.bench, repository, `m${i}`),
      p: await pushFreshImage(context.bench, repository, `p${i}`),
      file: writeApprovals(setup.dir, `${what}-${i}`),
    };
  };
  // manifesto's side of both rows: put --sign with the format's flags.
  const putSigned = (t: { m: BenchImage; file: string }, flags: string[]) =>
    sample(context, [
      () =>
        runManifesto(
          context,
          [
            'put',
            proxiedReference(context.bench, t.m, 'tag'),
            'approvals',
            t.file,
            '--sign',
            join(setup.dir, 'k.key'),
            ...flags,
          ],
          setup.dir,
        ),
    ]);
  const notary = await compare(
    runs,
    (i) => fresh(i, 'notary'),
    (t) => putSigned(t, ['--cert', join(setup.dir, 'k.crt')]),
    async (t) => {
      let digest: string | undefined;
      return sample(context, [
        async () => {
          const attached = await runOras(
            context,
            [
              'attach',
              '--format',
              'json',
              '--artifact-type',
              NOTARY_ARTIFACT_TYPE,
              proxiedReference(context.bench, t.p, 'tag'),
              `${t.file}:application/json`,
            ],
            setup.dir,
          );
          digest = attachedDigest(attached.stdout);
          return attached;
        },
        () =>
          runMeasured(
            peerBin('notation'),
            ['sign', '--insecure-registry', referenceAt(context, t.p, digest ?? 'sha256:missing')],
            { env: setup.notationEnv, cwd: setup.dir },
          ),
      ]);
    },
  );
  const sigstore = await compare(
    runs,
    (i) => fresh(i, 'sigstore'),
    (t) => putSigned(t, ['--sign-format', 'sigstore']),
    (t) =>
      sample(context, [() => cosignAttest(setup, t.file, proxiedReference(context.bench, t.p, 'digest'))]),
  );
  return [
    row(context, 'put --sign (notary)', notary, { name: 'oras + notation', processes: 2 }),
    row(context, 'put --sign (sigstore)', sigstore, { name: 'cosign', processes: 1 }),
  ];
}

/**
 * Verified gets: per format, one image signed by manifesto and one by the peer (same repository),
 * read by tag; a plain `manifesto get` in the same runs gives the extra
 * requests verification adds (1 verified version: the latest).
 */
export async function measureGets(
  context: BenchContext,
  setup: SigningSetup,
  runs: number,
): Promise<SigningRow[]> {
  const rows: SigningRow[] = [];
  for (const format of ['notary', 'sigstore'] as const) {
    // Two images of one repository: the peers' artifacts would be versions of approvals to manifesto.
    const repository = benchRepository(`verify-${format}`);
    const image = await pushFreshImage(context.bench, repository, 'm');
    const peerImage = await pushFreshImage(context.bench, repository, 'p');
    const ref = proxiedReference(context.bench, image, 'tag');
    const peerRef = proxiedReference(context.bench, peerImage, 'tag');
    const file = writeApprovals(setup.dir, `get-${format}`);
    const signFlags =
      format === 'notary'
        ? ['--sign', join(setup.dir, 'k.key'), '--cert', join(setup.dir, 'k.crt')]
        : ['--sign', join(setup.dir, 'k.key'), '--sign-format', 'sigstore'];
    await must(runManifesto(context, ['put', ref, 'approvals', file, ...signFlags], setup.dir), 'put --sign');
    let peerTarget = '';
    if (format === 'notary') {
      const { stdout: attached } = await must(
        runOras(
          context,
          [
            'attach',
            '--format',
            'json',
            '--artifact-type',
            NOTARY_ARTIFACT_TYPE,
            peerRef,
            `${file}:application/json`,
          ],
          setup.dir,
        ),
        'oras attach',
      );
      peerTarget = referenceAt(context, peerImage, attachedDigest(attached) ?? 'sha256:missing');
      await must(
        runMeasured(peerBin('notation'), ['sign', '--insecure-registry', peerTarget], {
          env: setup.notationEnv,
          cwd: setup.dir,
        }),
        'notation sign',
      );
    } else {
      peerTarget = proxiedReference(context.bench, peerImage, 'digest');
      await must(cosignAttest(setup, file, peerTarget), 'cosign attest');
    }
    const policy = format === 'notary' ? setup.notaryPolicy : setup.sigstorePolicy;
    const plain: Sample[] = [];
    const peer: Pipeline =
      format === 'notary'
        ? async () => {
            let digest: string | undefined;
            return sample(context, [
              async () => {
                const discovered = await runOras(
                  context,
                  ['discover', '--format', 'json', '--depth', '1', peerRef],
                  setup.dir,
                );
                digest = pickLatestReferrer(discovered.stdout, NOTARY_ARTIFACT_TYPE);
                return discovered;
              },
              () =>
                runOras(
                  context,
                  [
                    'pull',
                    '-o',
                    join(setup.dir, 'pulled'),
                    referenceAt(context, peerImage, digest ?? 'sha256:x'),
                  ],
                  setup.dir,
                ),
              () =>
                runMeasured(
                  peerBin('notation'),
                  ['verify', '--insecure-registry', referenceAt(context, peerImage, digest ?? 'sha256:x')],
                  { env: setup.notationEnv, cwd: setup.dir },
                ),
            ]);
          }
        : async () =>
            sample(context, [
              () =>
                runMeasured(
                  peerBin('cosign'),
                  [
                    'verify-attestation',
                    '--key',
                    setup.cosignPub,
                    '--insecure-ignore-tlog=true',
                    ...COSIGN_HTTP,
                    '--type',
                    COSIGN_TYPE,
                    peerTarget,
                  ],
                  { env: setup.cosignEnv, cwd: setup.dir },
                ),
            ]);
    const compared = await compare(
      runs,
      async () => undefined,
      async () => {
        plain.push(
          await sample(context, [() => runManifesto(context, ['get', ref, 'approvals'], setup.dir)]),
        );
        return sample(context, [
          () =>
            runManifesto(context, ['get', ref, 'approvals', '--verify', '--trust-policy', policy], setup.dir),
        ]);
      },
      () => peer(context),
    );
    // Paired: each run's get --verify against the plain get just before it (same cache state: cold).
    const extra = Math.max(
      ...compared.manifesto.map((v, i) => v.requests.total - (plain[i]?.requests.total ?? 0)),
    );
    rows.push(
      row(
        context,
        `get --verify (${format})`,
        compared,
        format === 'notary' ? { name: 'oras + notation', processes: 3 } : { name: 'cosign', processes: 1 },
        [
          {
            what: `extra requests per verified version (plain get ${worst(plain).total})`,
            value: extra,
            limit: 2,
            pass: extra <= 2,
          },
        ],
      ),
    );
  }
  return rows;
}

const CHECK_POLICY = `version: 1
name: bench
rules:
  - name: present
    require: [vuln, sbom, provenance, approvals, contact]
  - name: fresh-scan
    maxAge: { type: vuln, age: 3650d, from: created }
  - name: no-fixable-critical
    vulnerabilities: { maxSeverity: critical, noFixable: [critical], allow: [CVE-2011-3374] }
  - name: released
    approvals: [{ gate: qa }]
  - name: built-by-acme
    provenance: { builderId: "https://github.com/acme/*", sourceRepo: "https://github.com/acme/*" }
  - name: small
    cel: 'sbom.packageCount < 100'
`;
/** The types whose content CHECK_POLICY reads (contact is only required to exist). */
const CHECK_CONTENT_TYPES = ['vuln', 'approvals', 'provenance', 'sbom'];

/** check --policy on an image with 5 kinds: one listing, one fetch per version whose content is read. */
export async function measureCheck(
  context: BenchContext,
  setup: SigningSetup,
  runs: number,
): Promise<SigningRow> {
  const image = await pushFreshImage(context.bench, benchRepository('check'), 'v1');
  const ref = proxiedReference(context.bench, image, 'tag');
  const provenance = join(setup.dir, 'provenance.json');
  writeFileSync(
    provenance,
    readFileSync(fixture('provenance-slsa-v1.json'), 'utf8').replace(
      '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
      image.digest.replace(/^sha256:/, ''),
    ),
  );
  for (const [type, file] of [
    ['vuln', fixture('trivy.json')],
    ['sbom', fixture('spdx.json')],
    ['provenance', provenance],
    ['approvals', fixture('approvals.yaml')],
    ['contact', fixture('contact.yaml')],
  ] as const) {
    await must(runManifesto(context, ['put', ref, type, file], setup.dir), `manifesto put ${type}`);
  }
  const policy = join(setup.dir, 'check-policy.yaml');
  writeFileSync(policy, CHECK_POLICY);
  const compared = await compare(
    runs,
    async () => undefined,
    () =>
      sample(context, [() => runManifesto(context, ['check', ref, '--policy', policy, '--json'], setup.dir)]),
    undefined,
  );
  const samples = compared.manifesto;
  const most = (count: (trace: readonly ProxiedRequest[]) => number) =>
    Math.max(...samples.map((s) => count(s.trace)));
  // A listing answered (the referrers API, or the tag schema index); a referrers API probe answered
  // 404 (a cold cache on a tag-schema registry) is counted on its own.
  const listings = most((t) => t.filter((r) => r.requestClass === 'referrers' && r.status === 200).length);
  const probes = most((t) => t.filter((r) => r.requestClass === 'referrers' && r.status === 404).length);
  const fetches = most((t) => t.filter((r) => r.requestClass === 'blob' && r.method === 'GET').length);
  // `check --json` does not print evaluationCpuMicros (yet): the library's checkImage reports it,
  // run here in-process on the same image (directly on the registry), `runs` times.
  let cpuSource = 'check --json';
  let cpu = samples
    .map((s) => {
      try {
        return (JSON.parse(s.stdout) as { evaluationCpuMicros?: number }).evaluationCpuMicros;
      } catch {
        return undefined;
      }
    })
    .filter((v): v is number => typeof v === 'number');
  if (cpu.length === 0) {
    cpuSource = 'checkImage in-process';
    const gate = parseGatePolicy(readFileSync(policy), policy);
    const cel = await compilePolicyCel(gate, policy);
    cpu = [];
    for (let i = 0; i < runs; i++) {
      const decision = await checkImage(
        {
          repository: context.bench.repository(image.repository),
          reference: image.tag,
          image: ref,
          policy: gate,
        },
        cel,
      );
      cpu.push(decision.evaluationCpuMicros);
    }
  }
  const cpuMax = cpu.length === 0 ? Number.NaN : Math.max(...cpu);
  const limit = 1 + CHECK_CONTENT_TYPES.length;
  return row(context, 'check --policy (5 kinds)', compared, undefined, [
    {
      what: `listings ${listings} + content fetches ${fetches}${probes > 0 ? ` (+${probes} referrers API probe answered 404)` : ''}`,
      value: listings + fetches,
      limit,
      pass: listings <= 1 && fetches <= CHECK_CONTENT_TYPES.length,
    },
    {
      what: `evaluation CPU ms (worst run, ${cpuSource})`,
      value: cpuMax / 1000,
      limit: CHECK_CPU_BUDGET_MICROS / 1000,
      pass: cpuMax < CHECK_CPU_BUDGET_MICROS,
    },
  ]);
}

/** "17 M3 B1 U6 R7", as the main table writes one run's requests. */
function counts(c: RequestCounts): string {
  return formatCounts({ mode: c.total, min: c.total, max: c.total, byClass: c.byClass });
}

function budgetText(b: SigningBudget): string {
  const value = Number.isNaN(b.value)
    ? '(runs failed)'
    : Number.isInteger(b.value)
      ? String(b.value)
      : b.value.toFixed(1);
  const op = b.what.startsWith('evaluation') ? '<' : '<=';
  return `${b.what}: ${value} ${op} ${b.limit} ${b.pass ? 'PASS' : 'FAIL'}`;
}

/** The section as text: one table (both registries), then the budgets and failures. */
export function renderSigning(rows: readonly SigningRow[]): string[] {
  if (rows.length === 0) return [];
  const header = [
    'registry',
    'operation',
    'manifesto req',
    'peer',
    'peer req',
    'manifesto ms',
    'peer ms',
    'ratio',
  ];
  const cells = rows.map((r) => [
    r.registry,
    r.label,
    counts(r.manifesto.requests),
    r.peer === undefined ? '-' : `${r.peer.name} (${r.peer.processes})`,
    r.peer === undefined ? '-' : counts(r.peer.requests),
    formatMs(r.manifesto.wallMs),
    formatMs(r.peer?.wallMs),
    formatRatio(r.ratio),
  ]);
  const out = [
    `Signing (loopback unless the row names a delay, ${rows[0]!.runs} run(s) per cell; requests: worst run, by class; ms: medians; ratio: paired medians manifesto/peer):`,
    renderTable(header, cells, new Set([5, 6, 7])),
  ];
  for (const r of rows) {
    for (const b of r.budgets) out.push(`  ${r.registry} ${r.label}: ${budgetText(b)}`);
    const failed = r.manifesto.failures + (r.peer?.failures ?? 0);
    if (failed > 0) out.push(`  ${r.registry} ${r.label}: ${failed} run(s) failed: ${r.error ?? ''}`);
  }
  return out;
}
