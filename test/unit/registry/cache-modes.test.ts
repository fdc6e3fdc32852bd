// The caches hold what this user read from private registries (manifests, which registries have the
// referrers API): files 0600 in directories 0700, also when an older version made its folder 0755.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { digestOf } from '../../../src/oci/digest.ts';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import type { RegistryTransport } from '../../../src/registry/http/types.ts';
import { diskManifestCache } from '../../../src/registry/manifest-cache.ts';
import type { RegistryTarget } from '../../../src/registry/registry-target.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-cache-modes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const mode = (path: string) => statSync(path).mode & 0o777;

describe('cache file modes', () => {
  it('the manifest cache: files 0600, its folders 0700', async () => {
    const root = join(dir, 'new', 'manifesto');
    const bytes = new TextEncoder().encode('{"schemaVersion":2}');
    const digest = digestOf(bytes);
    await diskManifestCache(root).write(digest, bytes);
    const file = join(root, 'manifests', 'sha256', digest.slice('sha256:'.length));
    assert.equal(mode(file), 0o600);
    for (const folder of [root, join(root, 'manifests'), join(root, 'manifests', 'sha256')]) {
      assert.equal(mode(folder), 0o700, folder);
    }
  });

  it("an existing 0755 manifests folder (an older version's) is made 0700 on the first write", async () => {
    const root = join(dir, 'old');
    mkdirSync(join(root, 'manifests', 'sha256'), { recursive: true, mode: 0o755 });
    const bytes = new TextEncoder().encode('{"schemaVersion":2,"x":1}');
    await diskManifestCache(root).write(digestOf(bytes), bytes);
    assert.equal(mode(join(root, 'manifests')), 0o700);
  });

  it('the capability cache: file 0600 in a 0700 folder', () => {
    const root = join(dir, 'caps', 'manifesto');
    const file = join(root, 'referrers-capabilities.json');
    const transport: RegistryTransport = {
      registry: 'reg.example:5000',
      baseUrl: 'http://reg.example:5000',
      request: async () => {
        throw new Error('no requests in this test');
      },
    };
    const target: RegistryTarget = { transport, repository: 'team/a' };
    new ReferrersCapabilityCache({ file }).set(target, 'api');
    assert.equal(mode(file), 0o600);
    assert.equal(mode(root), 0o700);
  });
});
