/**
 * `node bench/copy/run.ts [--delay-ms 25] [--sources]`: requests and wall time of `manifesto copy`
 * next to `oras cp -r` for the job issue "copy and mirror" names: a 3-platform image with 10
 * metadata versions (5 signed) copied registry -> registry, both ways between distribution 2.8
 * (referrers tag schema) and refreg (OCI referrers API), then the same command again (a no-op).
 * Requests are counted by a proxy in front of each registry (bench/support/counting-proxy.ts), which
 * also adds the round trip of --delay-ms. The referrer trees of source and destination are compared
 * after each tool's first run (`same tree`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createImageOpener } from '../../src/open/open-image.ts';
import { pushTestMultiPlatformImage } from '../../test/support/images.ts';
import { startRegistry } from '../../test/support/registries.ts';
import { type CountingProxy, startCountingProxy } from '../support/counting-proxy.ts';
import { orasBin, orasVersion, prepareManifesto } from '../support/tools.ts';

const { values } = parseArgs({
  options: { 'delay-ms': { type: 'string', default: '0' }, sources: { type: 'boolean', default: false } },
});
const delayMs = Number(values['delay-ms']);
const root = resolve(import.meta.dirname, '..', '..');
const home = mkdtempSync(join(tmpdir(), 'manifesto-bench-copy-'));
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  HOME: home,
  DOCKER_CONFIG: join(home, 'docker'),
  MANIFESTO_AUTHOR: 'bench@example.com',
  MANIFESTO_CACHE_DIR: join(home, 'cache'),
};
const cli = prepareManifesto(root, !values.sources, (l) => process.stderr.write(`${l}\n`), values.sources);

interface Ran {
  code: number;
  ms: number;
  stderr: string;
}

/** Runs a process without blocking this one (the counting proxies live in it). */
function runProcess(command: string, args: string[]): Promise<Ran> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, ms: performance.now() - started, stderr }));
  });
}

function manifesto(args: string[]): Promise<Ran> {
  const flags = args[0] === 'key' ? [] : ['--plain-http'];
  return runProcess(cli.command, [...cli.prefix, ...args, ...flags]);
}

function oras(args: string[]): Promise<Ran> {
  return runProcess(orasBin(), args);
}

const registries = {
  distribution: await startRegistry('distribution'),
  refreg: await startRegistry('refreg'),
};
const proxies: Record<'distribution' | 'refreg', CountingProxy> = {
  distribution: await startCountingProxy({ upstream: registries.distribution.baseUrl }),
  refreg: await startCountingProxy({ upstream: registries.refreg.baseUrl }),
};
const opener = createImageOpener({ plainHttp: true, env });

const keyOut = await manifesto(['key', 'generate', '--out', join(home, 'k')]);
if (keyOut.code !== 0) throw new Error(keyOut.stderr);

/** The source image in `kind`: 3 platforms, 10 versions on the index, every other one signed. */
async function sourceImage(kind: 'distribution' | 'refreg'): Promise<string> {
  const ref = `${proxies[kind].host}/bench/copy-src:v1`;
  const { repository } = await opener(ref);
  await pushTestMultiPlatformImage(
    repository,
    [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    { tag: 'v1', seed: `bench-${kind}` },
  );
  for (let n = 0; n < 10; n++) {
    const file = join(home, `v${n}.json`);
    writeFileSync(file, JSON.stringify({ n, kind }));
    const type = ['approvals', 'notes', 'scan'][n % 3]!;
    const sign = n % 2 === 0 ? ['--sign', join(home, 'k.key')] : [];
    const r = await manifesto(['put', ref, type, file, '--no-validate', ...sign]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return ref;
}

async function tree(ref: string): Promise<string[]> {
  const { repository, target } = await opener(ref);
  const top = await repository.fetchManifest(target);
  const parsed = JSON.parse(new TextDecoder().decode(top.bytes)) as { manifests?: Array<{ digest: string }> };
  const members = [top.descriptor.digest, ...(parsed.manifests ?? []).map((m) => m.digest)];
  const edges: string[] = [];
  let level = [...members];
  while (level.length > 0) {
    const next: string[] = [];
    for (const s of level) {
      for (const d of (await repository.referrers(s)).manifests) {
        if (members.includes(d.digest)) continue;
        edges.push(`${s}>${d.digest}`);
        next.push(d.digest);
      }
    }
    level = next;
  }
  return edges.sort();
}

const total = () => proxies.distribution.requests().length + proxies.refreg.requests().length;
const reset = () => {
  proxies.distribution.reset();
  proxies.refreg.reset();
};

const sources = { distribution: await sourceImage('distribution'), refreg: await sourceImage('refreg') };
const referrerCount = (await tree(sources.distribution)).length;
proxies.distribution.delayMs = delayMs;
proxies.refreg.delayMs = delayMs;
const rows: string[] = [];
let count = 0;
for (const [from, to] of [
  ['distribution', 'refreg'],
  ['refreg', 'distribution'],
] as const) {
  const src = sources[from];
  const expected = await tree(src);
  for (const tool of ['manifesto copy', 'oras cp -r'] as const) {
    const dst = `${proxies[to].host}/bench/copy-dst-${++count}:v1`;
    const runTool = () =>
      tool === 'manifesto copy'
        ? manifesto(['copy', src, dst])
        : oras(['cp', '-r', '--from-plain-http', '--to-plain-http', src, dst]);
    reset();
    const first = await runTool();
    const firstRequests = total();
    if (first.code !== 0)
      process.stderr.write(`${tool} ${from}->${to}: exit ${first.code} ${first.stderr}\n`);
    const same = JSON.stringify(await tree(dst)) === JSON.stringify(expected);
    reset();
    const second = await runTool();
    const secondRequests = total();
    rows.push(
      `| ${from} -> ${to} | ${tool} | ${firstRequests} | ${(first.ms / 1000).toFixed(2)} s | ${secondRequests} | ${(second.ms / 1000).toFixed(2)} s | ${first.code === 0 && same ? 'yes' : `no (exit ${first.code})`} |`,
    );
  }
}
process.stdout.write(
  `copy: 3-platform image, 10 versions (5 signed: ${referrerCount} referrers), round trip ${delayMs} ms, manifesto ${cli.entry}, oras ${orasVersion()}\n\n` +
    '| path | tool | requests | wall | no-op requests | no-op wall | same tree |\n|---|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);

await proxies.distribution.stop();
await proxies.refreg.stop();
await registries.distribution.stop();
await registries.refreg.stop();
cli.remove();
rmSync(home, { recursive: true, force: true });
