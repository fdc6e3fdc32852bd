// Verification status in the fleet index: the columns a sync under a trust policy writes, the
// `verified` and `verification` fields over them (compiled to SQL or in process, same answer), the
// `--unverified` saved question, and an index of schema 2 migrated with its versions `not-checked`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { countQuery, prepareQuery, runQuery } from '../../../src/fleet/query.ts';
import { savedQuery } from '../../../src/fleet/saved.ts';
import { MIGRATIONS } from '../../../src/fleet/schema.ts';
import { openSqliteStore } from '../../../src/fleet/sqlite-store.ts';
import type { IndexedVersion, IndexStore, VerificationStatus } from '../../../src/fleet/store.ts';
import { digestOf, image, tempStore } from './fleet-images.ts';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const POLICY = 'a'.repeat(64);

function version(n: number, type: string, verification: VerificationStatus | undefined): IndexedVersion {
  return {
    type,
    digest: digestOf(1000 + n),
    created: '2026-12-01T00:00:00.000Z',
    author: 'ci',
    signature: verification === 'unsigned' || verification === undefined ? 'unsigned' : 'signed',
    latest: true,
    inherited: false,
    ...(verification === undefined
      ? {}
      : {
          verification,
          signedBy: verification === 'verified' ? ['acme-ci'] : [],
          policy: POLICY,
        }),
  };
}

const n = (digest: string): number => Number.parseInt(digest.slice(7), 16);

describe('fleet queries on verification status', () => {
  let store: IndexStore;
  let cleanup: () => void;
  before(() => {
    const t = tempStore();
    store = t.store;
    cleanup = t.cleanup;
    store.writeRepository({
      registry: 'registry.test',
      name: 'app',
      location: 'registry.test/app',
      syncedAt: '2026-12-06T12:00:00.000Z',
      changed: [
        // 1: vuln verified, sbom unsigned; 2: vuln signed by an untrusted key; 3: synced without a policy
        image(1, {}, { versions: [version(1, 'vuln', 'verified'), version(2, 'sbom', 'unsigned')] }),
        image(2, {}, { versions: [version(3, 'vuln', 'untrusted')] }),
        image(3, {}, { versions: [version(4, 'vuln', undefined)] }),
      ],
      unchanged: [],
    });
  });
  after(() => cleanup());

  const cases: Array<[string, number[]]> = [
    ['"vuln" in verified', [1]],
    ['!("vuln" in verified)', [2, 3]],
    ['"vuln" in signed && !("vuln" in verified)', [2]],
    ['verification["vuln"] == "untrusted"', [2]],
    ['verification["vuln"] == "not-checked"', [3]],
    ['verification["sbom"] == "unsigned"', [1]],
    ['size(verified) == 0', [2, 3]],
  ];
  for (const [expression, expected] of cases) {
    it(`${expression} -> ${expected.join(', ')}`, async () => {
      const query = await prepareQuery(expression);
      assert.deepEqual(
        runQuery(store, query, { now: NOW }).images.map((i) => n(i.digest)),
        expected,
      );
      const everything = store.load(store.select({ where: '1 = 1', params: [] }, undefined, 100));
      assert.deepEqual(
        everything.filter((i) => query.matches(i, NOW)).map((i) => n(i.digest)),
        expected,
      );
      assert.equal(countQuery(store, query, NOW), expected.length);
    });
  }

  it('"x" in verified compiles to SQL; the rows keep who signed and under which policy', async () => {
    const { plan } = runQuery(store, await prepareQuery('"vuln" in verified'), { now: NOW });
    assert.equal(plan.exact, true);
    assert.match(plan.compiled[0]!.sql, /v\.verification = 'verified'/);
    const [first] = store.load(store.select({ where: '1 = 1', params: [] }, undefined, 1));
    const vuln = first!.versions.find((v) => v.type === 'vuln')!;
    assert.deepEqual([vuln.verification, vuln.signedBy, vuln.policy], ['verified', ['acme-ci'], POLICY]);
  });

  it('--unverified TYPE is !("TYPE" in verified)', () => {
    assert.equal(savedQuery({ unverified: 'vuln' }), '!("vuln" in verified)');
  });
});

describe('fleet index store: migration 3', () => {
  it('an index of schema 2 keeps its versions, not-checked under no policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-'));
    try {
      const path = join(dir, 'index.db');
      const db = new DatabaseSync(path);
      db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
      for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
        for (const statement of m.statements) db.exec(statement);
        db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
      }
      db.exec("INSERT INTO registries (id, name) VALUES (1, 'registry.test')");
      db.exec(
        "INSERT INTO repositories (id, registry_id, name, location) VALUES (1, 1, 'a', 'registry.test/a')",
      );
      db.exec(`INSERT INTO images VALUES (1, 1, 'registry.test/a@x', '${digestOf(1)}', 'm', '', '', 'key-1',
        't', 't', 0, 0, 0, 0, 0, '', '', '', '', '', '', '')`);
      db.exec(`INSERT INTO versions VALUES (1, 'vuln', '${digestOf(2)}', '', 'ci', 'signed', 1, 0)`);
      db.close();
      const store = openSqliteStore(path);
      try {
        const [full] = store.load(store.select({ where: '1 = 1', params: [] }, undefined, 10));
        assert.deepEqual(
          full!.versions.map((v) => [v.type, v.signature, v.verification, v.signedBy, v.policy]),
          [['vuln', 'signed', 'not-checked', [], '']],
        );
        assert.deepEqual([...store.listingKeys('registry.test/a').values()], ['key-1']);
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
