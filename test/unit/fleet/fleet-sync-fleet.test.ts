// syncFleet (src/fleet/sync-fleet.ts) over real OCI layouts: a source that lists every repository
// of a registry (a catalog) removes from the index the repositories it no longer lists; a source
// that failed to list removes nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import type { SyncTarget } from '../../../src/fleet/sync.ts';
import { syncFleet } from '../../../src/fleet/sync-fleet.ts';
import { pushTestImage } from '../../support/images.ts';
import { tempStore } from './fleet-images.ts';

describe('syncFleet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-sources-'));
  const t = tempStore();
  after(() => {
    t.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes repositories gone from a complete listing, and nothing when the listing failed', async () => {
    const targets: SyncTarget[] = [];
    for (const name of ['a', 'b', 'c']) {
      const repository = await openLayout(join(dir, name), { create: true });
      await pushTestImage(repository, { tag: 'v1', seed: name });
      targets.push({ registry: 'registry.test', name, location: `registry.test/${name}`, repository });
    }
    const other = {
      registry: 'other.test',
      name: 'x',
      location: 'other.test/x',
      repository: targets[0]!.repository,
    };
    const locations = () => t.store.status().repositories.map((r) => `${r.location}:${r.images}`);
    const sync = (listed: () => Promise<SyncTarget[]>) =>
      syncFleet({
        store: t.store,
        sources: [
          { registry: 'registry.test', complete: 'registry.test/', repositories: listed },
          { registry: 'other.test', repositories: async () => [other] },
        ],
      });

    const first = await sync(async () => targets);
    assert.deepEqual(first.removed, []);
    assert.deepEqual(locations(), [
      'other.test/x:1',
      'registry.test/a:1',
      'registry.test/b:1',
      'registry.test/c:1',
    ]);

    const second = await sync(async () => [targets[0]!]);
    assert.deepEqual(second.removed, ['registry.test/b', 'registry.test/c']);
    assert.deepEqual(locations(), ['other.test/x:1', 'registry.test/a:1']);

    const failed = await sync(async () => {
      throw new Error('catalog refused');
    });
    assert.deepEqual(failed.removed, []);
    assert.deepEqual(failed.failed, [{ location: 'registry.test', error: 'catalog refused' }]);
    assert.deepEqual(locations(), ['other.test/x:1', 'registry.test/a:1']);
    assert.equal(
      t.store.status().registries.find((r) => r.name === 'registry.test')?.error,
      'catalog refused',
    );
  });
});
