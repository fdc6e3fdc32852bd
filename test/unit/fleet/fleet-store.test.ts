// The SQLite fleet index store (src/fleet/sqlite-store.ts): the shared store suite
// (fleet-store-suite.ts), then what is SQLite's own: migrations, WAL, a newer schema refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, it } from 'node:test';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../src/fleet/schema.ts';
import { openSqliteStore } from '../../../src/fleet/sqlite-store.ts';
import { digestOf, tempStore } from './fleet-images.ts';
import { indexStoreSuite } from './fleet-store-suite.ts';

indexStoreSuite('node:sqlite', tempStore);

const all = { where: '1 = 1', params: [] };

describe('fleet index store: SQLite migrations', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('migrations are recorded, run once, and a newer schema is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-'));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    const path = join(dir, 'index.db');
    openSqliteStore(path).close();
    openSqliteStore(path).close();
    const db = new DatabaseSync(path);
    assert.deepEqual(
      (db.prepare('SELECT version FROM schema_version').all() as Array<{ version: number }>).map(
        (r) => r.version,
      ),
      MIGRATIONS.map((m) => m.version),
    );
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION + 1);
    db.close();
    assert.throws(
      () => openSqliteStore(path),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'INDEX_UNREADABLE');
        assert.match(error.message, /schema version/);
        return true;
      },
    );
  });

  it('an index of an older schema is migrated, and its images are read again on the next sync', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-'));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    const path = join(dir, 'index.db');
    const db = new DatabaseSync(path);
    db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const statement of MIGRATIONS[0]!.statements) db.exec(statement);
    db.exec('INSERT INTO schema_version (version) VALUES (1)');
    db.exec("INSERT INTO registries (id, name) VALUES (1, 'registry.test')");
    db.exec(
      "INSERT INTO repositories (id, registry_id, name, location) VALUES (1, 1, 'a', 'registry.test/a')",
    );
    db.exec(`INSERT INTO images VALUES (1, 1, 'registry.test/a@x', '${digestOf(1)}', 'm', '', '', 'key-1',
      't', 't', 0, 0, 0, 0, 0, '', '', '', '', '', '', '')`);
    db.exec("INSERT INTO vuln_findings VALUES (1, 'CVE-1', 'low', 'p', '1', '', '')");
    db.close();
    const store = openSqliteStore(path);
    const before = cleanup;
    cleanup = () => {
      store.close();
      before();
    };
    assert.deepEqual([...store.listingKeys('registry.test/a').entries()], [[digestOf(1), '']]);
    const [full] = store.load(store.select(all, undefined, 10));
    assert.deepEqual(
      full!.findings.map((f) => [f.id, f.suppressed]),
      [['CVE-1', false]],
    );
  });
});
