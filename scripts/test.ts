// `npm test`: runs the unit and integration tests with Node's test runner, against real registries.
//
//   node scripts/test.ts                     all of test/unit/**/*.test.ts and test/integration/**/*.test.ts
//   node scripts/test.ts --unit              unit tests only (no registry is started)
//   node scripts/test.ts --integration       integration tests only
//   node scripts/test.ts FILE... [--test-name-pattern=...]   those files; other --flags go to `node --test`
//
// For integration tests it provisions the peers when missing (scripts/provision-peers.sh), starts
// distribution, refreg, distribution-basic-tls and distribution-token on free loopback ports, passes
// them to the tests in MANIFESTO_TEST_REGISTRIES (see test/support/registries.ts), and stops them
// afterwards, also on failure and Ctrl-C. The registries' own logs are printed when the run fails.
//
// Environment: MANIFESTO_TEST_REGISTRY (+ _USERNAME, _PASSWORD, _PLAIN_HTTP=1, _CA) adds an external
// registry; MANIFESTO_TEST_REGISTRY_ONLY=1 starts no local one; MANIFESTO_TEST_CONCURRENCY sets how
// many test files run at once (default 3); MANIFESTO_PEERS_DIR says where the peers are.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, globSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  externalRegistryFromEnv,
  LOCAL_REGISTRY_KINDS,
  type RunningRegistry,
  serializeRegistries,
  startRegistry,
  TEST_REGISTRIES_ENV,
  type TestRegistry,
} from '../test/support/registries.ts';

const root = resolve(import.meta.dirname, '..');
process.chdir(root);

interface Plan {
  unit: boolean;
  integration: boolean;
  files: string[];
  nodeFlags: string[];
}

function parseArgs(argv: string[]): Plan {
  const plan: Plan = { unit: true, integration: true, files: [], nodeFlags: [] };
  let only: 'unit' | 'integration' | undefined;
  for (const arg of argv) {
    if (arg === '--unit') only = 'unit';
    else if (arg === '--integration') only = 'integration';
    else if (arg === '-h' || arg === '--help') {
      console.log('usage: node scripts/test.ts [--unit|--integration] [FILE...] [--<node --test flag>...]');
      process.exit(0);
    } else if (arg.startsWith('-')) plan.nodeFlags.push(arg);
    else plan.files.push(arg);
  }
  if (only) {
    plan.unit = only === 'unit';
    plan.integration = only === 'integration';
  }
  return plan;
}

const isUnitFile = (file: string): boolean => relative(root, resolve(file)).startsWith(join('test', 'unit'));

function testFiles(plan: Plan): string[] {
  if (plan.files.length > 0) {
    const files = plan.files.flatMap((f) =>
      existsSync(f) && statSync(f).isDirectory() ? globSync(join(f, '**/*.test.ts')).sort() : [f],
    );
    return files.filter((f) => (isUnitFile(f) ? plan.unit : plan.integration));
  }
  const patterns = [
    ...(plan.unit ? ['test/unit/**/*.test.ts'] : []),
    ...(plan.integration ? ['test/integration/**/*.test.ts'] : []),
  ];
  return patterns.flatMap((p) => globSync(p).sort());
}

function ensurePeers(): void {
  const script = join(root, 'scripts', 'provision-peers.sh');
  if (spawnSync('bash', [script, '--check'], { stdio: 'ignore' }).status === 0) return;
  console.log('test: provisioning registries and peer CLIs (scripts/provision-peers.sh), once');
  const started = Date.now();
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`scripts/provision-peers.sh failed (exit ${result.status})`);
  console.log(`test: peers provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function printLogs(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.log')) continue;
    const text = readFileSync(join(dir, entry), 'utf8').trim();
    const lines = text.split('\n');
    console.log(
      `\n--- registry log ${entry} (${text === '' ? 'empty' : `last ${Math.min(lines.length, 200)} lines`}) ---`,
    );
    if (text !== '') console.log(lines.slice(-200).join('\n'));
  }
}

async function main(): Promise<number> {
  const plan = parseArgs(process.argv.slice(2));
  const files = testFiles(plan);
  if (files.length === 0) {
    console.error('test: no test files selected');
    return 1;
  }
  const needRegistries = files.some((f) => !isUnitFile(f));
  const running: RunningRegistry[] = [];
  const logDir = mkdtempSync(join(tmpdir(), 'manifesto-test-'));
  let child: ReturnType<typeof spawn> | undefined;
  let interrupted = false;

  const stopAll = async () => {
    const all = running.splice(0);
    await Promise.allSettled(all.map((r) => r.stop()));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    if (child && child.exitCode === null) child.kill(signal);
    else void stopAll().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let code = 1;
  try {
    // Tests count requests: no on-disk manifest cache unless a test asks for one.
    const env: NodeJS.ProcessEnv = { MANIFESTO_CACHE: 'off', ...process.env };
    if (needRegistries) {
      const registries: TestRegistry[] = [];
      ensurePeers(); // the peer CLIs are needed against an external registry too
      if (process.env.MANIFESTO_TEST_REGISTRY_ONLY !== '1') {
        const started = Date.now();
        const results = await Promise.allSettled(
          LOCAL_REGISTRY_KINDS.map((kind) => startRegistry(kind, { workDir: join(logDir, kind) })),
        );
        for (const r of results) if (r.status === 'fulfilled') running.push(r.value);
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        registries.push(...running);
        console.log(
          `test: registries up in ${Date.now() - started} ms: ${running.map((r) => `${r.kind}=${r.baseUrl}`).join(' ')}`,
        );
      }
      const external = externalRegistryFromEnv();
      if (external) {
        registries.push(external);
        console.log(`test: external registry ${external.baseUrl}`);
      }
      if (registries.length === 0)
        throw new Error('MANIFESTO_TEST_REGISTRY_ONLY=1 needs MANIFESTO_TEST_REGISTRY');
      env[TEST_REGISTRIES_ENV] = serializeRegistries(registries);
    }
    if (interrupted) return 130;

    const flags = [...plan.nodeFlags];
    if (!flags.some((f) => f.startsWith('--test-concurrency'))) {
      flags.push(`--test-concurrency=${process.env.MANIFESTO_TEST_CONCURRENCY ?? '3'}`);
    }
    if (!flags.some((f) => f.startsWith('--test-timeout'))) flags.push('--test-timeout=300000');
    child = spawn(process.execPath, ['--test', ...flags, ...files], { stdio: 'inherit', env });
    const runner = child;
    code = await new Promise<number>((resolvePromise) => {
      runner.on('exit', (c, signal) => resolvePromise(c ?? (signal ? 130 : 1)));
    });
    if (interrupted) code = 130;
    return code;
  } catch (error) {
    console.error(`test: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
    return code;
  } finally {
    await stopAll();
    if (code !== 0 && !interrupted && needRegistries) printLogs(logDir);
    rmSync(logDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
