/**
 * The embedded fleet index: one SQLite file through Node's built-in `node:sqlite` (no native addon),
 * in WAL mode so queries read while a sync writes. Each repository's sync is one transaction
 * (BEGIN IMMEDIATE ... COMMIT): an interrupted sync leaves the previous state of that repository.
 *
 * Migrations (schema.ts) run on open inside a transaction; a file written by a newer manifesto is
 * refused rather than guessed at.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { ManifestoError } from '../errors/errors.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import {
  ALL_FACTS,
  type FactTable,
  type FullImage,
  type ImageRow,
  type IndexedImage,
  type IndexStatus,
  type IndexStore,
  type RepositoryTarget,
  type RepositoryWrite,
  type SqlFilter,
  type VerificationStatus,
} from './store.ts';

type Row = Record<string, SQLInputValue>;

const IMAGE_COLUMNS = `i.id AS id, i.sort_key AS sortKey, g.name AS registry, r.name AS repository,
  r.location AS location, i.digest AS digest, i.media_type AS mediaType, i.platform AS platform,
  i.parent_index AS parentIndex, i.indexed_at AS indexedAt, i.synced_at AS syncedAt,
  g.synced_at AS registrySyncedAt, i.vuln_critical AS vulnCritical, i.vuln_high AS vulnHigh,
  i.vuln_medium AS vulnMedium, i.vuln_low AS vulnLow, i.vuln_fixable AS vulnFixable,
  i.vuln_scanned_at AS vulnScannedAt, i.lifecycle_status AS lifecycleStatus,
  i.lifecycle_eol AS lifecycleEol, i.contact_team AS contactTeam,
  i.provenance_builder AS provenanceBuilder, i.provenance_source AS provenanceSource,
  i.provenance_commit AS provenanceCommit`;

const IMAGE_FROM =
  'images i JOIN repositories r ON r.id = i.repository_id JOIN registries g ON g.id = r.registry_id';

function indexError(message: string, hint: string, cause?: unknown): ManifestoError {
  return new ManifestoError('INDEX_UNREADABLE', message, { category: 'usage', hint, cause });
}

export function openSqliteStore(path: string): IndexStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    // WAL with synchronous=NORMAL: a commit survives a crash of the process (not of the machine,
    // which at worst loses the last syncs: the index is a cache, the next sync redoes them).
    db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;',
    );
    migrate(db, path);
  } catch (error) {
    if (error instanceof ManifestoError) throw error;
    throw indexError(
      `cannot open the index ${path}: ${error instanceof Error ? error.message : String(error)}`,
      'The index is a cache: remove the file (manifesto index drop) and sync again.',
      error,
    );
  }
  return new SqliteStore(db, path);
}

function migrate(db: DatabaseSync, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw indexError(
      `the index ${path} has schema version ${current}; this manifesto knows up to ${SCHEMA_VERSION}`,
      'Use a newer manifesto, or point --index at another file.',
    );
  }
  for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
    transaction(db, () => {
      for (const statement of migration.statements) db.exec(statement);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(migration.version);
    });
  }
}

function transaction(db: DatabaseSync, work: () => void): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    work();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

class SqliteStore implements IndexStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.path = path;
  }

  /** Each statement is prepared once per store (a sync inserts millions of rows through a few). */
  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  listingKeys(location: string): Map<string, string> {
    const rows = this.#prepare(
      'SELECT i.digest AS digest, i.listing_key AS k FROM images i JOIN repositories r ON r.id = i.repository_id WHERE r.location = ?',
    ).all(location) as Array<{ digest: string; k: string }>;
    return new Map(rows.map((r) => [r.digest, r.k]));
  }

  #repositoryId(target: RepositoryTarget): number {
    this.#prepare('INSERT INTO registries (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(
      target.registry,
    );
    const registry = this.#prepare('SELECT id FROM registries WHERE name = ?').get(target.registry) as {
      id: number;
    };
    this.#prepare(
      'INSERT INTO repositories (registry_id, name, location) VALUES (?, ?, ?) ON CONFLICT (location) DO NOTHING',
    ).run(registry.id, target.name, target.location);
    const repository = this.#prepare('SELECT id FROM repositories WHERE location = ?').get(
      target.location,
    ) as {
      id: number;
    };
    return repository.id;
  }

  writeRepository(write: RepositoryWrite): void {
    const db = this.#db;
    transaction(db, () => {
      const repositoryId = this.#repositoryId(write);
      const keep = new Set([...write.changed.map((i) => i.digest), ...write.unchanged.map((i) => i.digest)]);
      const stored = this.#prepare('SELECT id, digest FROM images WHERE repository_id = ?').all(
        repositoryId,
      ) as Array<{
        id: number;
        digest: string;
      }>;
      const remove = this.#prepare('DELETE FROM images WHERE id = ?');
      const changed = new Set(write.changed.map((i) => i.digest));
      for (const row of stored) if (!keep.has(row.digest) || changed.has(row.digest)) remove.run(row.id);
      const touch = this.#prepare(
        'UPDATE images SET synced_at = ? WHERE repository_id = ? AND digest = ? RETURNING id',
      );
      const clearTags = this.#prepare('DELETE FROM image_tags WHERE image_id = ?');
      const addTag = this.#prepare('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)');
      for (const image of write.unchanged) {
        const row = touch.get(write.syncedAt, repositoryId, image.digest) as { id: number } | undefined;
        if (row === undefined) continue;
        clearTags.run(row.id);
        for (const tag of image.tags) addTag.run(row.id, tag);
      }
      for (const image of write.changed) this.#insertImage(repositoryId, write, image);
      this.#prepare('UPDATE repositories SET synced_at = ?, error = NULL WHERE id = ?').run(
        write.syncedAt,
        repositoryId,
      );
    });
  }

  #insertImage(repositoryId: number, write: RepositoryWrite, image: IndexedImage): void {
    const f = image.facts;
    const open = f.findings.filter((x) => !x.suppressed);
    const count = (severity: string) => open.filter((x) => x.severity === severity).length;
    const inserted = this.#prepare(
      `INSERT INTO images (repository_id, sort_key, digest, media_type, platform, parent_index, listing_key,
          indexed_at, synced_at, vuln_critical, vuln_high, vuln_medium, vuln_low, vuln_fixable, vuln_scanned_at,
          lifecycle_status, lifecycle_eol, contact_team, provenance_builder, provenance_source, provenance_commit)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ).get(
      repositoryId,
      `${write.location}@${image.digest}`,
      image.digest,
      image.mediaType,
      image.platform,
      image.parentIndex,
      image.listingKey,
      write.syncedAt,
      write.syncedAt,
      count('critical'),
      count('high'),
      count('medium'),
      count('low'),
      open.filter((x) => x.fixed !== '').length,
      f.vulnScannedAt,
      f.lifecycle.status,
      f.lifecycle.endOfLife,
      f.contactTeam,
      f.provenance.builder,
      f.provenance.source,
      f.provenance.commit,
    ) as { id: number };
    const id = inserted.id;
    const tag = this.#prepare('INSERT OR IGNORE INTO image_tags (image_id, tag) VALUES (?, ?)');
    for (const t of image.tags) tag.run(id, t);
    const version = this.#prepare(
      'INSERT OR IGNORE INTO versions (image_id, type, digest, created, author, signature, latest, inherited, verification, signed_by, policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const v of image.versions)
      version.run(
        id,
        v.type,
        v.digest,
        v.created,
        v.author,
        v.signature,
        v.latest ? 1 : 0,
        v.inherited ? 1 : 0,
        v.verification ?? 'not-checked',
        JSON.stringify(v.signedBy ?? []),
        v.policy ?? '',
      );
    const finding = this.#prepare(
      'INSERT INTO vuln_findings (image_id, vuln_id, severity, package, installed, fixed, purl, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const x of f.findings)
      finding.run(id, x.id, x.severity, x.package, x.installed, x.fixed, x.purl, x.suppressed ? 1 : 0);
    const pkg = this.#prepare(
      'INSERT INTO sbom_packages (image_id, name, version, purl, licenses) VALUES (?, ?, ?, ?, ?)',
    );
    for (const p of f.packages) pkg.run(id, p.name, p.version, p.purl, JSON.stringify(p.licenses));
    const approval = this.#prepare(
      'INSERT OR REPLACE INTO approvals (image_id, gate, status, approver, time) VALUES (?, ?, ?, ?, ?)',
    );
    for (const a of f.approvals) approval.run(id, a.gate, a.status, a.approver, a.time);
    const deployment = this.#prepare(
      'INSERT INTO deployments (image_id, environment, cluster, deployed_at, undeployed_at, active) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const d of f.deployments)
      deployment.run(id, d.environment, d.cluster, d.deployedAt, d.undeployedAt, d.active ? 1 : 0);
  }

  repositoryFailed(target: RepositoryTarget, error: string): void {
    transaction(this.#db, () => {
      const id = this.#repositoryId(target);
      this.#prepare('UPDATE repositories SET error = ? WHERE id = ?').run(error, id);
    });
  }

  removeRepositories(registry: string, prefix: string, keep: ReadonlySet<string>): string[] {
    const removed: string[] = [];
    transaction(this.#db, () => {
      const rows = this.#prepare(
        'SELECT r.id AS id, r.location AS location FROM repositories r JOIN registries g ON g.id = r.registry_id WHERE g.name = ?',
      ).all(registry) as Array<{ id: number; location: string }>;
      const remove = this.#prepare('DELETE FROM repositories WHERE id = ?');
      for (const row of rows) {
        if (!row.location.startsWith(prefix) || keep.has(row.location)) continue;
        remove.run(row.id);
        removed.push(row.location);
      }
    });
    return removed.sort();
  }

  registrySynced(name: string, syncedAt: string, error: string | null, requests: number | null): void {
    this.#prepare('INSERT INTO registries (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
    this.#prepare('UPDATE registries SET synced_at = ?, error = ?, requests = ? WHERE name = ?').run(
      syncedAt,
      error,
      requests,
      name,
    );
  }

  status(): IndexStatus {
    const registries = this.#prepare(
      `SELECT g.name AS name, g.synced_at AS syncedAt, g.error AS error, g.requests AS requests,
          (SELECT COUNT(*) FROM repositories r WHERE r.registry_id = g.id) AS repositories,
          (SELECT COUNT(*) FROM images i JOIN repositories r ON r.id = i.repository_id WHERE r.registry_id = g.id) AS images
         FROM registries g ORDER BY g.name`,
    )
      .all()
      .map((row) => ({ ...row })) as unknown as IndexStatus['registries'];
    const repositories = this.#prepare(
      `SELECT r.location AS location, r.synced_at AS syncedAt, r.error AS error,
          (SELECT COUNT(*) FROM images i WHERE i.repository_id = r.id) AS images
         FROM repositories r ORDER BY r.location`,
    )
      .all()
      .map((row) => ({ ...row })) as unknown as IndexStatus['repositories'];
    return { path: this.path, schemaVersion: SCHEMA_VERSION, registries, repositories };
  }

  select(filter: SqlFilter, after: string | undefined, limit: number): ImageRow[] {
    const where = after === undefined ? filter.where : `(${filter.where}) AND i.sort_key > ?`;
    const params = after === undefined ? filter.params : [...filter.params, after];
    return this.#prepare(
      `SELECT ${IMAGE_COLUMNS} FROM ${IMAGE_FROM} WHERE ${where} ORDER BY i.sort_key LIMIT ?`,
    )
      .all(...params, limit)
      .map((row) => ({ ...row })) as unknown as ImageRow[];
  }

  count(filter: SqlFilter): number {
    const row = this.#prepare(`SELECT COUNT(*) AS n FROM ${IMAGE_FROM} WHERE ${filter.where}`).get(
      ...filter.params,
    ) as { n: number };
    return row.n;
  }

  load(rows: readonly ImageRow[], facts: ReadonlySet<FactTable> = ALL_FACTS): FullImage[] {
    const read = <T>(table: FactTable, sql: string, map: (row: Row) => T) => {
      if (!facts.has(table)) return () => [];
      const statement = this.#prepare(sql);
      return (id: number) => (statement.all(id) as Row[]).map(map);
    };
    const tags = read('tags', 'SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag', (t) =>
      String(t.tag),
    );
    const versions = read(
      'versions',
      'SELECT type, digest, created, author, signature, latest, inherited, verification, signed_by, policy FROM versions WHERE image_id = ? ORDER BY type, created DESC',
      (v) => ({
        type: String(v.type),
        digest: String(v.digest),
        created: String(v.created),
        author: String(v.author),
        signature: v.signature as FullImage['versions'][number]['signature'],
        latest: v.latest === 1,
        inherited: v.inherited === 1,
        verification: v.verification as VerificationStatus,
        signedBy: v.signed_by === '' ? [] : (JSON.parse(String(v.signed_by)) as string[]),
        policy: String(v.policy),
      }),
    );
    const findings = read(
      'findings',
      'SELECT vuln_id AS id, severity, package, installed, fixed, purl, suppressed FROM vuln_findings WHERE image_id = ?',
      (f) => ({
        id: String(f.id),
        severity: String(f.severity),
        package: String(f.package),
        installed: String(f.installed),
        fixed: String(f.fixed),
        purl: String(f.purl),
        suppressed: f.suppressed === 1,
      }),
    );
    const packages = read(
      'packages',
      'SELECT name, version, purl, licenses FROM sbom_packages WHERE image_id = ?',
      (p) => ({
        name: String(p.name),
        version: String(p.version),
        purl: String(p.purl),
        licenses: JSON.parse(String(p.licenses)) as string[],
      }),
    );
    const approvals = read(
      'approvals',
      'SELECT gate, status, approver, time FROM approvals WHERE image_id = ? ORDER BY gate',
      (a) => ({
        gate: String(a.gate),
        status: String(a.status),
        approver: String(a.approver),
        time: String(a.time),
      }),
    );
    const deployments = read(
      'deployments',
      'SELECT environment, cluster, deployed_at AS deployedAt, undeployed_at AS undeployedAt, active FROM deployments WHERE image_id = ? ORDER BY environment, cluster',
      (d) => ({
        environment: String(d.environment),
        cluster: String(d.cluster),
        deployedAt: String(d.deployedAt),
        undeployedAt: String(d.undeployedAt),
        active: d.active === 1,
      }),
    );
    return rows.map((row) => ({
      ...row,
      tags: tags(row.id),
      versions: versions(row.id),
      findings: findings(row.id),
      packages: packages(row.id),
      approvals: approvals(row.id),
      deployments: deployments(row.id),
    }));
  }

  clear(): void {
    transaction(this.#db, () => {
      this.#db.exec('DELETE FROM images; DELETE FROM repositories; DELETE FROM registries;');
    });
  }

  close(): void {
    this.#db.close();
  }
}
