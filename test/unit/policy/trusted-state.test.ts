import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { MetadataVersion } from '../../../src/metadata/version.ts';
import { lowerAfterDelete } from '../../../src/policy/trust/rollback.ts';
import { checkMark } from '../../../src/policy/trust/signed-chain.ts';
import {
  mergeEntry,
  TrustedState,
  type TrustedStateKey,
  type TrustedVersion,
} from '../../../src/policy/trust/trusted-state.ts';
import type { VersionVerdict } from '../../../src/policy/trust/verify-version.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-trusted-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const d = (c: string) => `sha256:${c.repeat(64)}`;
const at = (day: number) => `2026-01-0${day}T00:00:00Z`;
const mark = (c: string, day: number | undefined): TrustedVersion => ({
  digest: d(c),
  created: day === undefined ? undefined : at(day),
  recorded: 'x',
});
const key: TrustedStateKey = { location: 'r.example/app', subject: d('a'), type: 't' };
function verdict(c: string, day: number, supersedes?: string): VersionVerdict {
  const version = { digest: d(c), supersedes, createdText: at(day), created: Date.parse(at(day)) };
  return {
    version,
    status: 'verified',
    signedBy: ['qa'],
    signatures: [],
    signed: { type: 't', created: at(day), supersedes, content: undefined, expires: undefined },
  } as unknown as VersionVerdict;
}
const moduleUrl = pathToFileURL(join(import.meta.dirname, '../../../src/policy/trust/trusted-state.ts')).href;

/** A child process that records `count` distinct entries once the shared start time has come. */
function recorder(stateDir: string, writer: number, count: number, startAt: number): Promise<number | null> {
  const script = `
    import { TrustedState } from ${JSON.stringify(moduleUrl)};
    const [writer, count, startAt] = process.argv.slice(1).map(Number);
    const state = new TrustedState(process.env, (m) => process.stderr.write('warning: ' + m + '\\n'));
    while (Date.now() < startAt) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    for (let i = 0; i < count; i++) {
      state.set(
        { location: 'r.example/app', subject: 'sha256:' + String(writer).padStart(64, '0'), type: 't' + i },
        { digest: 'sha256:' + String(i).padStart(64, '0'), created: undefined, recorded: new Date().toISOString() },
      );
    }
  `;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, String(writer), String(count), String(startAt)],
    { env: { ...process.env, MANIFESTO_STATE_DIR: stateDir }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('trusted state across processes', () => {
  it('keeps every entry when 6 processes record 40 entries each at the same time', async () => {
    const stateDir = join(dir, 'concurrent');
    const writers = 6;
    const perWriter = 40;
    const startAt = Date.now() + 1500;
    const codes = await Promise.all(
      Array.from({ length: writers }, (_, w) => recorder(stateDir, w, perWriter, startAt)),
    );
    assert.deepEqual(codes, Array(writers).fill(0));
    const state = new TrustedState({ MANIFESTO_STATE_DIR: stateDir });
    const entries = Object.keys(
      (JSON.parse(readFileSync(state.path, 'utf8')) as { entries: Record<string, unknown> }).entries,
    );
    const missing = writers * perWriter - entries.length;
    assert.equal(missing, 0, `${missing} of ${writers * perWriter} entries lost`);
    for (let w = 0; w < writers; w++) {
      for (let i = 0; i < perWriter; i++) {
        const key = {
          location: 'r.example/app',
          subject: `sha256:${String(w).padStart(64, '0')}`,
          type: `t${i}`,
        };
        assert.equal(state.get(key)?.digest, `sha256:${String(i).padStart(64, '0')}`);
      }
    }
  });
});

describe('trusted state merge', () => {
  it('never replaces a version signed as created later, unless allowed or decided from it', () => {
    assert.equal(mergeEntry(mark('3', 3), mark('2', 2))?.digest, d('3'));
    assert.equal(mergeEntry(mark('2', 2), mark('3', 3))?.digest, d('3'));
    assert.equal(mergeEntry(undefined, mark('2', 2))?.digest, d('2'));
    assert.equal(mergeEntry(mark('3', 3), mark('2', 2), { allowOlder: true })?.digest, d('2'));
    assert.equal(mergeEntry(mark('3', 3), mark('2', 2), { basis: mark('3', 3) })?.digest, d('2'));
    assert.equal(mergeEntry(mark('3', 3), mark('2', 2), { basis: mark('1', 1) })?.digest, d('3'));
    assert.equal(mergeEntry(mark('3', 3), undefined), undefined);
    // Forgetting what the caller read forgets it; an entry recorded since then stays.
    assert.equal(mergeEntry(mark('3', 3), undefined, { basis: mark('3', 3) }), undefined);
    assert.equal(mergeEntry(mark('4', 4), undefined, { basis: mark('3', 3) })?.digest, d('4'));
    // Without both creation times there is no proof of age: the caller's value stands.
    assert.equal(mergeEntry(mark('3', undefined), mark('2', 2))?.digest, d('2'));
    assert.equal(mergeEntry(mark('3', 3), mark('2', undefined))?.digest, d('2'));
  });

  it('set keeps a newer entry another process recorded; an accepted rollback replaces it', () => {
    const state = new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'merge') });
    state.set(key, mark('3', 3));
    state.set(key, mark('2', 2));
    assert.equal(state.get(key)?.digest, d('3'));
    state.set(key, mark('2', 2), { allowOlder: true });
    assert.equal(state.get(key)?.digest, d('2'));
    state.set(key, undefined);
    assert.equal(state.get(key), undefined);
  });

  it('checkMark does not overwrite a newer version recorded between its read and its write', async () => {
    const stateDir = join(dir, 'race');
    const other = new TrustedState({ MANIFESTO_STATE_DIR: stateDir });
    other.set(key, mark('1', 1));
    let interleave: TrustedVersion | undefined = mark('4', 4);
    class Interleaved extends TrustedState {
      override get(k: TrustedStateKey): TrustedVersion | undefined {
        const seen = super.get(k);
        if (interleave !== undefined) other.set(k, interleave); // another process, after our read
        return seen;
      }
    }
    const state = new Interleaved({ MANIFESTO_STATE_DIR: stateDir });
    const noLinks = { known: new Map<string, string | undefined>(), link: async () => undefined };
    const base = { ...noLinks, trusted: { store: state, key }, now: new Date() };
    // 2 is newer than the remembered 1, but older than the 4 recorded meanwhile.
    assert.equal(await checkMark({ ...base, latest: verdict('2', 2, d('1')) }), undefined);
    assert.equal(other.get(key)?.digest, d('4'));

    // Decided from the stored entry itself: a version that supersedes it is recorded despite an
    // earlier signed creation time (skewed clock), as before.
    interleave = undefined;
    assert.equal(await checkMark({ ...base, latest: verdict('5', 3, d('4')) }), undefined);
    assert.equal(other.get(key)?.digest, d('5'));

    // An accepted rollback replaces even a newer version recorded meanwhile.
    interleave = mark('6', 6);
    const accepted = await checkMark({
      ...base,
      trusted: { store: state, key, acceptRollback: true },
      latest: verdict('2', 2),
    });
    assert.equal(accepted, undefined);
    assert.equal(other.get(key)?.digest, d('2'));

    // Lowering after a delete does not replace a newer version recorded meanwhile either.
    interleave = mark('7', 7);
    const deleted = { digest: d('2'), supersedes: d('1'), createdText: at(2) } as MetadataVersion;
    const kept = { digest: d('1'), createdText: at(1) } as MetadataVersion;
    lowerAfterDelete(state, key, [deleted], [kept], new Date());
    assert.equal(other.get(key)?.digest, d('7'));
  });
});

describe('trusted state lock', () => {
  function lockedState(name: string, warnings: string[]): TrustedState {
    const stateDir = join(dir, name);
    mkdirSync(stateDir, { recursive: true });
    return new TrustedState({ MANIFESTO_STATE_DIR: stateDir }, (m) => warnings.push(m), {
      lock: { timeoutMs: 300, staleMs: 5000 },
    });
  }

  it('breaks a lock whose owner process is gone', () => {
    const warnings: string[] = [];
    const state = lockedState('dead-owner', warnings);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(gone.stdout.toString());
    writeFileSync(state.lockPath, JSON.stringify({ pid, host: hostname(), token: 'dead' }));
    const started = Date.now();
    state.set(key, mark('1', 1));
    assert.ok(Date.now() - started < 250, 'the lock was broken, not waited out');
    assert.deepEqual(warnings, []);
    assert.equal(state.get(key)?.digest, d('1'));
    assert.equal(existsSync(state.lockPath), false);
  });

  it('breaks a lock older than the stale age, from any host or without an owner', () => {
    for (const content of [JSON.stringify({ pid: 1, host: 'elsewhere.invalid', token: 't' }), '']) {
      const warnings: string[] = [];
      const state = lockedState('aged', warnings);
      writeFileSync(state.lockPath, content);
      const old = new Date(Date.now() - 60_000);
      utimesSync(state.lockPath, old, old);
      state.set(key, mark('1', 1));
      assert.deepEqual(warnings, []);
      assert.equal(existsSync(state.lockPath), false);
      state.set(key, undefined);
    }
  });

  it('waits out a live lock, then warns and still records (no error), leaving the lock alone', () => {
    const warnings: string[] = [];
    const state = lockedState('held', warnings);
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), token: 'live' });
    writeFileSync(state.lockPath, lock);
    const started = Date.now();
    state.set(key, mark('1', 1));
    assert.ok(Date.now() - started >= 300);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /without a lock: .* is held by pid \d+ on /);
    assert.equal(state.get(key)?.digest, d('1'));
    assert.equal(readFileSync(state.lockPath, 'utf8'), lock);
  });

  it('removes the lock after a failed write, and writes with modes 0600 / 0700', () => {
    const warnings: string[] = [];
    const state = lockedState('failing', warnings);
    // The state file is a non-empty directory: the rename over it fails.
    mkdirSync(join(state.path, 'x'), { recursive: true });
    state.set(key, mark('1', 1));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /could not record/);
    assert.equal(existsSync(state.lockPath), false);
    rmSync(state.path, { recursive: true });

    const fresh = new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'modes', 'sub') });
    fresh.set(key, mark('1', 1));
    assert.equal(statSync(fresh.path).mode & 0o777, 0o600);
    assert.equal(statSync(fresh.directory).mode & 0o777, 0o700);
    assert.equal(existsSync(fresh.lockPath), false);
  });
});
