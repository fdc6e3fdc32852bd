// Which copies `mirror --query` makes from the images a query matched (real SQLite index in a temp
// dir): a matching platform mirrors its index once, images keep their first tag, untagged images go
// by digest, layouts are named after their directory.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { mirrorJobs } from '../../../src/fleet/mirror-plan.ts';
import { prepareQuery, runQuery } from '../../../src/fleet/query.ts';
import { digestOf, image, tempStore } from './fleet-images.ts';

describe('mirrorJobs', () => {
  const { store, cleanup } = tempStore();
  after(() => cleanup());
  const index = digestOf(100);
  store.writeRepository({
    registry: 'ci.example.com',
    name: 'team/app',
    location: 'ci.example.com/team/app',
    syncedAt: '2026-12-06T12:00:00.000Z',
    changed: [
      image(100, {}, { mediaType: 'application/vnd.oci.image.index.v1+json', platform: '', tags: ['1.4'] }),
      // As sync writes them: a platform row carries its index's tags.
      image(101, {}, { parentIndex: index, platform: 'linux/amd64', tags: ['1.4'] }),
      image(102, {}, { parentIndex: index, platform: 'linux/arm64', tags: ['1.4'] }),
      image(103, {}, { tags: [] }),
    ],
    unchanged: [],
  });
  store.writeRepository({
    registry: 'oci:/media/usb/tools',
    name: '',
    location: 'oci:/media/usb/tools',
    syncedAt: '2026-12-06T12:00:00.000Z',
    changed: [image(200, {}, { tags: ['latest'] })],
    unchanged: [],
  });

  it('one job per image: platforms mirror their index once, tags kept, untagged by digest', async () => {
    const all = runQuery(store, await prepareQuery('true'), { limit: 100 }).images;
    const jobs = mirrorJobs(all, 'prod.example.com/mirror/');
    assert.deepEqual(
      jobs.map((j) => [j.source, j.destination]).sort(),
      [
        [`ci.example.com/team/app@${index}`, 'prod.example.com/mirror/team/app:1.4'],
        [`ci.example.com/team/app@${digestOf(103)}`, `prod.example.com/mirror/team/app@${digestOf(103)}`],
        [`oci:/media/usb/tools@${digestOf(200)}`, 'prod.example.com/mirror/tools:latest'],
      ].sort(),
    );
  });

  it('a query matching only a platform still mirrors the whole image under its tag', async () => {
    const arm = runQuery(store, await prepareQuery('platform == "linux/arm64"'), { limit: 100 }).images;
    assert.equal(arm.length, 1);
    assert.deepEqual(
      mirrorJobs(arm, 'prod.example.com/mirror').map((j) => j.destination),
      // The index row was not selected; the platform row's inherited tag names the image.
      ['prod.example.com/mirror/team/app:1.4'],
    );
  });
});
