// The behaviour every IndexStore shares (src/fleet/store.ts), as one suite a second backend joins by
// calling indexStoreSuite with its own opener: one transaction per repository, revalidated rows keep
// their facts, removed images disappear, status and freshness.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { SCHEMA_VERSION } from '../../../src/fleet/schema.ts';
import type { IndexStore } from '../../../src/fleet/store.ts';
import { digestOf, image } from './fleet-images.ts';

const target = { registry: 'registry.test', name: 'team/app', location: 'registry.test/team/app' };
const all = { where: '1 = 1', params: [] };

/** Opens an empty store; `cleanup` closes and removes it. */
export type OpenTestStore = () => { store: IndexStore; cleanup: () => void };

export function indexStoreSuite(label: string, tempStore: OpenTestStore): void {
  describe(`fleet index store (${label})`, () => {
    let cleanup = () => {};
    afterEach(() => cleanup());

    it('writes a repository and reads every fact back', () => {
      const t = tempStore();
      cleanup = t.cleanup;
      t.store.writeRepository({
        ...target,
        syncedAt: '2026-12-01T00:00:00.000Z',
        changed: [
          image(
            1,
            {
              findings: [
                {
                  id: 'CVE-1',
                  severity: 'critical',
                  package: 'openssl',
                  installed: '3.0.1',
                  fixed: '3.0.2',
                  purl: '',
                  suppressed: false,
                },
                {
                  id: 'CVE-2',
                  severity: 'low',
                  package: 'zlib',
                  installed: '1.2',
                  fixed: '',
                  purl: '',
                  suppressed: false,
                },
              ],
              packages: [
                {
                  name: 'openssl',
                  version: '3.0.1',
                  purl: 'pkg:deb/openssl@3.0.1',
                  licenses: ['Apache-2.0', 'GPL-2.0 WITH x'],
                },
              ],
              approvals: [
                {
                  gate: 'qa',
                  status: 'approved',
                  approver: 'a@example.com',
                  time: '2026-11-01T00:00:00.000Z',
                },
              ],
              deployments: [
                {
                  environment: 'production',
                  cluster: 'eu',
                  deployedAt: '2026-11-02T00:00:00.000Z',
                  undeployedAt: '',
                  active: true,
                },
              ],
              lifecycle: { status: 'active', endOfLife: '2027-01-01' },
              contactTeam: 'payments',
            },
            {
              versions: [
                {
                  type: 'vuln',
                  digest: digestOf(100),
                  created: '2026-11-01T00:00:00.000Z',
                  author: 'ci',
                  signature: 'signed',
                  latest: true,
                  inherited: false,
                },
              ],
              tags: ['v1', 'latest'],
            },
          ),
        ],
        unchanged: [],
      });
      const rows = t.store.select(all, undefined, 10);
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.equal(row.location, 'registry.test/team/app');
      assert.equal(row.vulnCritical, 1);
      assert.equal(row.vulnLow, 1);
      assert.equal(row.vulnFixable, 1);
      assert.equal(row.indexedAt, '2026-12-01T00:00:00.000Z');
      const [full] = t.store.load(rows);
      assert.deepEqual(full!.tags, ['latest', 'v1']);
      assert.deepEqual(full!.packages[0]!.licenses, ['Apache-2.0', 'GPL-2.0 WITH x']);
      assert.equal(full!.versions[0]!.signature, 'signed');
      assert.equal(full!.versions[0]!.latest, true);
      assert.equal(full!.deployments[0]!.active, true);
      assert.equal(full!.approvals[0]!.status, 'approved');
    });

    it('a second write keeps unchanged images (fresher), replaces changed ones and removes the rest', () => {
      const t = tempStore();
      cleanup = t.cleanup;
      t.store.writeRepository({
        ...target,
        syncedAt: '2026-12-01T00:00:00.000Z',
        changed: [image(1), image(2), image(3)],
        unchanged: [],
      });
      assert.deepEqual([...t.store.listingKeys(target.location).entries()].sort(), [
        [digestOf(1), 'key-1'],
        [digestOf(2), 'key-2'],
        [digestOf(3), 'key-3'],
      ]);
      t.store.writeRepository({
        ...target,
        syncedAt: '2026-12-02T00:00:00.000Z',
        changed: [image(2, { contactTeam: 'new' }, { listingKey: 'key-2b' })],
        unchanged: [{ digest: digestOf(1), tags: ['v1', 'stable'] }],
      });
      const rows = t.store.select(all, undefined, 10);
      assert.deepEqual(
        rows.map((r) => r.digest),
        [digestOf(1), digestOf(2)],
      );
      assert.equal(rows[0]!.indexedAt, '2026-12-01T00:00:00.000Z');
      assert.equal(rows[0]!.syncedAt, '2026-12-02T00:00:00.000Z');
      assert.deepEqual(t.store.load(rows)[0]!.tags, ['stable', 'v1']);
      assert.equal(rows[1]!.contactTeam, 'new');
      assert.equal(rows[1]!.indexedAt, '2026-12-02T00:00:00.000Z');
    });

    it('a failing write leaves the previous state of the repository (one transaction)', () => {
      const t = tempStore();
      cleanup = t.cleanup;
      t.store.writeRepository({
        ...target,
        syncedAt: '2026-12-01T00:00:00.000Z',
        changed: [image(1)],
        unchanged: [],
      });
      // The same digest twice breaks the UNIQUE constraint after image 2 was inserted.
      assert.throws(() =>
        t.store.writeRepository({
          ...target,
          syncedAt: '2026-12-02T00:00:00.000Z',
          changed: [image(2), image(2)],
          unchanged: [],
        }),
      );
      assert.deepEqual(
        t.store.select(all, undefined, 10).map((r) => r.digest),
        [digestOf(1)],
      );
    });

    it('status: registries with their last sync, errors and counts', () => {
      const t = tempStore();
      cleanup = t.cleanup;
      t.store.writeRepository({
        ...target,
        syncedAt: '2026-12-01T00:00:00.000Z',
        changed: [image(1), image(2)],
        unchanged: [],
      });
      t.store.repositoryFailed(
        { registry: 'registry.test', name: 'broken', location: 'registry.test/broken' },
        'denied',
      );
      t.store.registrySynced('registry.test', '2026-12-01T00:00:05.000Z', null, 42);
      const status = t.store.status();
      assert.equal(status.schemaVersion, SCHEMA_VERSION);
      assert.deepEqual(status.registries, [
        {
          name: 'registry.test',
          syncedAt: '2026-12-01T00:00:05.000Z',
          error: null,
          requests: 42,
          repositories: 2,
          images: 2,
        },
      ]);
      assert.deepEqual(
        status.repositories.map((r) => [r.location, r.error, r.images]),
        [
          ['registry.test/broken', 'denied', 0],
          ['registry.test/team/app', null, 2],
        ],
      );
      t.store.clear();
      assert.deepEqual(t.store.status().registries, []);
    });
  });
}
