import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../../src/oci/digest.ts';
import { defaultManifestCacheDir, diskManifestCache } from '../../../src/registry/manifest-cache.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'manifesto-cache-test-'));
  dirs.push(d);
  return d;
}

const bytes = new TextEncoder().encode('{"schemaVersion":2,"annotations":{"a":"b"}}');
const digest = digestOf(bytes);

describe('on-disk manifest cache', () => {
  it('returns what was written, by digest (sha256 and sha512)', async () => {
    const cache = diskManifestCache(await tempDir());
    assert.equal(await cache.read(digest), undefined);
    await cache.write(digest, bytes);
    assert.deepEqual(new Uint8Array((await cache.read(digest))!), bytes);
    const d512 = digestOf(bytes, 'sha512');
    await cache.write(d512, bytes);
    assert.deepEqual(new Uint8Array((await cache.read(d512))!), bytes);
  });

  it('refuses to store bytes under a digest they do not have', async () => {
    const dir = await tempDir();
    const cache = diskManifestCache(dir);
    await cache.write(digest, new TextEncoder().encode('{"other":true}'));
    assert.equal(await cache.read(digest), undefined);
  });

  it('drops a tampered file instead of returning it', async () => {
    const dir = await tempDir();
    const cache = diskManifestCache(dir);
    await cache.write(digest, bytes);
    const path = join(dir, 'manifests', 'sha256', digest.slice(7));
    await writeFile(path, '{"schemaVersion":2,"annotations":{"a":"EVIL"}}');
    assert.equal(await cache.read(digest), undefined);
    assert.deepEqual(await readdir(join(dir, 'manifests', 'sha256')), []);
  });

  it('ignores invalid digests and unwritable directories', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, 'not a directory');
    const cache = diskManifestCache(join(file, 'cache'));
    await cache.write(digest, bytes);
    assert.equal(await cache.read(digest), undefined);
    assert.equal(await cache.read('not-a-digest'), undefined);
  });

  it('lives in MANIFESTO_CACHE_DIR, XDG_CACHE_HOME or ~/.cache, and can be turned off', () => {
    assert.equal(defaultManifestCacheDir({ MANIFESTO_CACHE_DIR: '/x' }), '/x');
    assert.equal(defaultManifestCacheDir({ XDG_CACHE_HOME: '/xdg' }), join('/xdg', 'manifesto'));
    assert.equal(defaultManifestCacheDir({ HOME: '/home/u' }), join('/home/u', '.cache', 'manifesto'));
    assert.equal(defaultManifestCacheDir({ MANIFESTO_CACHE: 'off', MANIFESTO_CACHE_DIR: '/x' }), undefined);
  });
});
