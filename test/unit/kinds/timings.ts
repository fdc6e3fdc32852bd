/**
 * Not a test: measures how long normalising each fixture takes, so the policy gate's CPU budget
 * (50 ms after fetches) can be checked. Run with `node test/unit/kinds/timings.ts`.
 *
 * - cold: a fresh process normalises a 5-kind set (vuln, sbom, provenance, approval, vex) once:
 *   this includes loading valibot and yaml and building the schemas; measured from the sources
 *   and from an esbuild bundle made like the CLI's (dist/manifesto.mjs), which is what users run;
 * - warm: the median of 50 normalisations of each fixture in one process;
 * - large: a Trivy report with 2,000 findings and a CycloneDX SBOM with 5,000 components.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { kindFor } from '../../../src/kinds/index.ts';

// In the bundle import.meta.dirname is a temporary directory: the parent passes the fixtures' path.
const FIXTURES = process.argv[3] ?? join(import.meta.dirname, '../../fixtures/kinds');
const CASES: readonly [type: string, file: string, mediaType: string][] = [
  ['vuln', 'trivy.json', 'application/json'],
  ['vuln', 'grype.json', 'application/json'],
  ['vuln', 'trivy.sarif.json', 'application/sarif+json'],
  ['vuln', 'cyclonedx-vuln.json', 'application/vnd.cyclonedx+json'],
  ['vuln', 'cosign-vuln.intoto.json', 'application/vnd.in-toto+json'],
  ['sbom', 'spdx.json', 'application/spdx+json'],
  ['sbom', 'cyclonedx-sbom.json', 'application/vnd.cyclonedx+json'],
  ['provenance', 'provenance-slsa-v1.json', 'application/vnd.in-toto+json'],
  ['provenance', 'provenance-slsa-v0.2.json', 'application/vnd.in-toto+json'],
  ['vex', 'openvex.json', 'application/vnd.openvex+json'],
  ['seccomp', 'seccomp.json', 'application/json'],
  ['apparmor', 'apparmor.profile', 'text/plain; charset=utf-8'],
  ['approval', 'approvals.yaml', 'application/yaml'],
  ['contact', 'contact.yaml', 'application/yaml'],
  ['deployment', 'deployment.yaml', 'application/yaml'],
  ['lifecycle', 'lifecycle.yaml', 'application/yaml'],
];
const GATE_SET = ['trivy.json', 'spdx.json', 'provenance-slsa-v1.json', 'approvals.yaml', 'openvex.json'];

function normalise(type: string, content: Uint8Array, mediaType: string): void {
  const kind = kindFor(type);
  if (kind === undefined) throw new Error(`no kind ${type}`);
  kind.normalise(content, mediaType);
}

function cpuMs(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function wallMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (process.argv[2] === '--cold') {
  const inputs = GATE_SET.map((file) => {
    const [type, , mediaType] = CASES.find((entry) => entry[1] === file)!;
    return { type, content: readFileSync(join(FIXTURES, file)), mediaType };
  });
  const wall = performance.now();
  const cpu = cpuMs(() => {
    for (const input of inputs) normalise(input.type, input.content, input.mediaType);
  });
  console.log(JSON.stringify({ cpu, wall: performance.now() - wall }));
} else {
  const directory = mkdtempSync(join(tmpdir(), 'manifesto-kinds-timings-'));
  const bundle = join(directory, 'timings.mjs');
  try {
    writeFileSync(join(directory, 'entry.ts'), `import ${JSON.stringify(import.meta.filename)};\n`);
    await build({
      entryPoints: [join(directory, 'entry.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      banner: {
        js: "import { createRequire as __manifestoCreateRequire } from 'node:module'; const require = __manifestoCreateRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    for (const [label, file] of [
      ['sources', import.meta.filename],
      ['bundled', bundle],
    ] as const) {
      const colds = Array.from({ length: 7 }, () => {
        const output = execFileSync(process.execPath, [file, '--cold', FIXTURES], { encoding: 'utf8' });
        return JSON.parse(output) as { cpu: number; wall: number };
      });
      console.log(
        `cold 5-kind set, fresh process (${label}), incl. loading valibot+yaml: ` +
          `median ${median(colds.map((c) => c.cpu)).toFixed(1)} ms CPU, ${median(colds.map((c) => c.wall)).toFixed(1)} ms wall`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  console.log(`  (${GATE_SET.join(', ')})`);
  console.log('\nwarm, median of 50 (ms):');
  let gateTotal = 0;
  for (const [type, file, mediaType] of CASES) {
    const content = readFileSync(join(FIXTURES, file));
    for (let i = 0; i < 20; i += 1) normalise(type, content, mediaType);
    const time = median(Array.from({ length: 50 }, () => wallMs(() => normalise(type, content, mediaType))));
    if (GATE_SET.includes(file)) gateTotal += time;
    console.log(
      `  ${type.padEnd(11)} ${file.padEnd(28)} ${String(content.byteLength).padStart(6)} B  ${time.toFixed(3)}`,
    );
  }
  console.log(`  5-kind set, warm: ${gateTotal.toFixed(3)} ms`);

  const trivy = JSON.parse(readFileSync(join(FIXTURES, 'trivy.json'), 'utf8'));
  const template = trivy.Results[0].Vulnerabilities;
  trivy.Results[0].Vulnerabilities = Array.from({ length: 2000 }, (_, i) => ({
    ...template[i % template.length],
    VulnerabilityID: `CVE-2024-${10000 + i}`,
  }));
  const bigTrivy = new TextEncoder().encode(JSON.stringify(trivy));
  const sbom = JSON.parse(readFileSync(join(FIXTURES, 'cyclonedx-sbom.json'), 'utf8'));
  const components = sbom.components.slice(0, 8);
  sbom.components = Array.from({ length: 5000 }, (_, i) => ({ ...components[i % 8], name: `pkg-${i}` }));
  const bigSbom = new TextEncoder().encode(JSON.stringify(sbom));
  console.log('\nlarge (median of 10, ms):');
  for (const [label, type, content] of [
    ['trivy, 2,000 findings', 'vuln', bigTrivy],
    ['cyclonedx, 5,000 components', 'sbom', bigSbom],
  ] as const) {
    normalise(type, content, 'application/json');
    const time = median(
      Array.from({ length: 10 }, () => wallMs(() => normalise(type, content, 'application/json'))),
    );
    const parse = median(
      Array.from({ length: 10 }, () => wallMs(() => JSON.parse(new TextDecoder().decode(content)))),
    );
    console.log(
      `  ${label.padEnd(28)} ${(content.byteLength / 1024).toFixed(0).padStart(6)} KiB  ${time.toFixed(2)} (JSON.parse alone ${parse.toFixed(2)})`,
    );
  }
}
