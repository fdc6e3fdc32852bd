// No lost writes on the referrers tag schema: 20 processes push a referrer of the same subject at the
// same moment on distribution 2.8 (no referrers API, no conditional requests); all 20 must be listed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { pushSubject } from '../behaviour/content.ts';
import { registryRepository } from './support/registry-repositories.ts';

const WRITERS = 20;
const ROUNDS = Number(process.env.MANIFESTO_RACE_ROUNDS ?? '2');
const CHILD = join(import.meta.dirname, 'support', 'push-referrer-child.ts');

interface ChildResult {
  digest: string;
  requests: number;
  writes: number;
  ms: number;
  trace: string;
}

interface Writer {
  ready: Promise<void>;
  go(startAt: number): void;
  done: Promise<ChildResult>;
}

/** Starts a writer process; it loads, says "ready", and writes when told "go <time>". */
function startWriter(input: unknown): Writer {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(input)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      markReady();
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0) resolve({ ...(JSON.parse(last) as ChildResult), trace: stderr });
      else reject(new Error(`writer exited with ${code}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
  return {
    ready,
    go: (startAt) => {
      child.stdin.end(`go ${startAt}\n`);
    },
    done,
  };
}

describe('concurrent referrer writers on distribution (tag schema)', () => {
  const registry = requireRegistry('distribution');

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ${WRITERS} processes push referrers of one subject at once, none is lost`, async (t) => {
      const repository = uniqueRepository('race');
      const repo = registryRepository(registry, repository);
      const { descriptor: subject } = await pushSubject(repo, 'race-subject', 'v1');
      const writers = Array.from({ length: WRITERS }, (_, index) =>
        startWriter({ registry, repository, subject, index, withState: index % 2 === 0 }),
      );
      // All 20 processes loaded before the storm: the race is on the registry, not on Node start-up.
      await Promise.all(writers.map((w) => w.ready));
      const startAt = Date.now() + 300;
      for (const writer of writers) writer.go(startAt);
      const results = await Promise.all(writers.map((w) => w.done));
      const listed = (await repo.referrers(subject.digest)).manifests.map((d) => d.digest);
      const expected = results.map((r) => r.digest);
      const missing = expected.filter((d) => !listed.includes(d));
      t.diagnostic(
        `listed ${listed.length}/${WRITERS}; index writes per writer: ${results.map((r) => r.writes).join(',')}; ` +
          `requests max ${Math.max(...results.map((r) => r.requests))}; ms max ${Math.max(...results.map((r) => r.ms))}`,
      );
      if (missing.length > 0) {
        const file = join(mkdtempSync(join(tmpdir(), 'manifesto-race-')), 'trace.jsonl');
        writeFileSync(file, results.map((r) => r.trace).join(''));
        assert.fail(`${missing.length} referrer(s) lost: ${missing.join(', ')}; writers' traces in ${file}`);
      }
      assert.equal(new Set(listed).size, WRITERS);
    });
  }
});
