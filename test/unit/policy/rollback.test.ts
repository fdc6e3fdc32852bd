import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MetadataVersion } from '../../../src/metadata/version.ts';
import { lowerAfterDelete } from '../../../src/policy/trust/rollback.ts';
import { checkMark } from '../../../src/policy/trust/signed-chain.ts';
import {
  STATE_FILE,
  stateDirectory,
  stateLocation,
  TrustedState,
} from '../../../src/policy/trust/trusted-state.ts';
import type { VersionVerdict } from '../../../src/policy/trust/verify-version.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const d = (c: string) => `sha256:${c.repeat(64)}`;
function version(digest: string, supersedes?: string, created?: string): MetadataVersion {
  return { digest, supersedes, createdText: created, created: Date.parse(created ?? '') } as MetadataVersion;
}
function verdict(v: MetadataVersion): VersionVerdict {
  return {
    version: v,
    status: 'verified',
    signedBy: ['qa'],
    signatures: [],
    signed: {
      type: 't',
      created: v.createdText,
      supersedes: v.supersedes,
      content: undefined,
      expires: undefined,
    },
  } as unknown as VersionVerdict;
}
const v1 = version(d('1'), undefined, '2026-01-01T00:00:00Z');
const v2 = version(d('2'), d('1'), '2026-01-02T00:00:00Z');
const v3 = version(d('3'), d('2'), '2026-01-03T00:00:00Z');
const mark = (v: MetadataVersion) => ({ digest: v.digest, created: v.createdText, recorded: 'x' });

describe('trusted state', () => {
  it('lives in MANIFESTO_STATE_DIR, else XDG_STATE_HOME/manifesto, else ~/.local/state/manifesto', () => {
    assert.equal(stateDirectory({ MANIFESTO_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' }), '/s');
    assert.equal(stateDirectory({ XDG_STATE_HOME: '/x', HOME: '/h' }), '/x/manifesto');
    assert.equal(stateDirectory({ HOME: '/h' }), '/h/.local/state/manifesto');
    assert.match(stateLocation('oci:rel/layout'), /^oci:\/.*\/rel\/layout$/);
    assert.equal(stateLocation('r.example/a/b'), 'r.example/a/b');
  });

  it('records, forgets, survives a corrupt file, and warns (no error) when it cannot write', () => {
    const state = new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'a') });
    const key = { location: 'oci:/l', subject: d('a'), type: 't' };
    assert.equal(state.get(key), undefined);
    state.set(key, mark(v2));
    assert.equal(state.get(key)?.digest, v2.digest);
    assert.equal(
      new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'a') }).get({ ...key, type: 'u' }),
      undefined,
    );
    state.set(key, undefined);
    assert.equal(state.get(key), undefined);
    writeFileSync(state.path, '{not json');
    assert.equal(state.get(key), undefined);
    state.set(key, mark(v1));
    assert.equal((JSON.parse(readFileSync(state.path, 'utf8')) as { version: number }).version, 1);

    // A state directory below a regular file cannot be created, not even by root.
    const notADirectory = join(dir, 'a-file');
    writeFileSync(notADirectory, 'x');
    const warnings: string[] = [];
    const readOnly = new TrustedState({ MANIFESTO_STATE_DIR: join(notADirectory, 'sub') }, (m) =>
      warnings.push(m),
    );
    readOnly.set(key, mark(v1));
    assert.equal(warnings.length, 1);
    assert.ok(readOnly.path.endsWith(STATE_FILE));
  });
});

/**
 * The signed chain as the reader knows it: listed versions' links (signed or pinned by digest), and
 * unlisted ones readable by digest (a withheld version) unless deleted.
 */
function chain(listed: MetadataVersion[], unlisted: MetadataVersion[] = []) {
  return {
    known: new Map(listed.map((v) => [v.digest, v.supersedes])),
    link: async (digest: string) => unlisted.find((v) => v.digest === digest)?.supersedes,
  };
}

describe('rollback detection', () => {
  const state = new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'c') });
  const key = { location: 'r/x', subject: d('c'), type: 't' };
  const reason = async (
    remembered: MetadataVersion,
    latest: MetadataVersion,
    links: ReturnType<typeof chain>,
  ) => {
    state.set(key, mark(remembered), { allowOlder: true });
    const rollback = await checkMark({
      ...links,
      latest: verdict(latest),
      trusted: { store: state, key },
      now: new Date(),
    });
    return rollback?.reason;
  };

  it('an older version is a rollback: deleted newer, withheld newer, or superseded', async () => {
    assert.match((await reason(v2, v1, chain([v1]))) ?? '', /missing from the listing/);
    assert.match((await reason(v3, v1, chain([v1], [v3, v2]))) ?? '', /supersedes it/);
    assert.match((await reason(v3, v1, chain([v1, v2, v3]))) ?? '', /supersedes it/);
    assert.equal(state.get(key)?.digest, v3.digest, 'the mark is left alone');
    assert.equal(await reason(v2, v2, chain([v1, v2])), undefined);
  });

  it('a newer version is not: by its signed link or its signed creation time', async () => {
    assert.equal(await reason(v2, v3, chain([v3, v2, v1])), undefined);
    assert.equal(state.get(key)?.digest, v3.digest, 'the mark advances');
    assert.equal(await reason(v1, v3, chain([v3])), undefined);
    const sameSecond = version(d('4'), d('3'), v3.createdText);
    assert.equal(await reason(v3, sameSecond, chain([sameSecond])), undefined);
  });

  it('checkMark records, refuses, accepts; lowerAfterDelete lowers to what remains', async () => {
    const store = new TrustedState({ MANIFESTO_STATE_DIR: join(dir, 'b') });
    const k = { location: 'r/x', subject: d('a'), type: 't' };
    const base = { now: new Date(), trusted: { store, key: k } };
    assert.equal(await checkMark({ ...base, ...chain([v3, v2, v1]), latest: verdict(v3) }), undefined);
    const rollback = await checkMark({ ...base, ...chain([v2, v1]), latest: verdict(v2) });
    assert.match(rollback?.reason ?? '', /missing from the listing/);
    assert.equal(store.get(k)?.digest, v3.digest);
    const accepted = await checkMark({
      ...base,
      ...chain([v2]),
      trusted: { store, key: k, acceptRollback: true },
      latest: verdict(v2),
    });
    assert.equal(accepted, undefined);
    assert.equal(store.get(k)?.digest, v2.digest);
    lowerAfterDelete(store, k, [v2], [v1], new Date());
    assert.equal(store.get(k)?.digest, v1.digest);
    lowerAfterDelete(store, k, [v1], [], new Date());
    assert.equal(store.get(k), undefined);
  });
});
