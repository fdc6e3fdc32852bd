// The registry catalog (src/registry/catalog.ts) as index sync crawls it: every repository under a
// prefix, page by page (n, and the Link header distribution sends), none outside the prefix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createImageOpener, createTransportPool } from '../../../src/open/open-image.ts';
import { listCatalog } from '../../../src/registry/catalog.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';

const distribution = testRegistry('distribution');

if (distribution !== undefined) {
  describe('registry catalog (distribution 2.8)', () => {
    it('lists the repositories under a prefix in pages, and none outside it', async () => {
      const prefix = uniqueRepository('fleetcat');
      const opener = createImageOpener({ plainHttp: true, manifestCacheDir: '' });
      const names = ['a', 'b/c', 'd', 'e'].map((n) => `${prefix}/${n}`);
      for (const name of [...names, `${prefix}-other/x`]) {
        const { repository } = await opener(`${distribution.host}/${name}:v1`);
        await pushTestImage(repository, { tag: 'v1', seed: name });
      }
      const events: RequestEvent[] = [];
      const transport = createTransportPool({ plainHttp: true, onRequest: (e) => events.push(e) })(
        distribution.host,
      );
      const paged = await listCatalog(transport, prefix, 2);
      assert.deepEqual(paged.repositories, names);
      assert.ok(paged.pages >= 3, `${paged.pages} pages of 2`);
      assert.ok(events.every((e) => e.status === 200));
      const whole = await listCatalog(transport, prefix);
      assert.deepEqual(whole.repositories, names);
      assert.ok((await listCatalog(transport)).repositories.includes(`${prefix}-other/x`));
    });
  });
}
