import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ReferrersCapabilityCache } from '../../../src/registry/capabilities.ts';
import type { RegistryTransport } from '../../../src/registry/http/types.ts';
import type { RegistryTarget } from '../../../src/registry/registry-target.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function target(registry: string, repository: string): RegistryTarget {
  const transport: RegistryTransport = {
    registry,
    baseUrl: `http://${registry}`,
    request: async () => {
      throw new Error('no requests in this test');
    },
  };
  return { transport, repository };
}

async function file(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'manifesto-capabilities-'));
  dirs.push(dir);
  return join(dir, 'sub', 'referrers-capabilities.json');
}

describe('referrers capability cache on disk', () => {
  it('is shared by processes (instances) and by the repositories of one registry', async () => {
    const path = await file();
    new ReferrersCapabilityCache({ file: path }).set(target('reg:5000', 'team/a'), 'tag-schema');
    const next = new ReferrersCapabilityCache({ file: path });
    assert.equal(next.get(target('reg:5000', 'team/a')), 'tag-schema');
    assert.equal(next.get(target('reg:5000', 'team/other')), 'tag-schema');
    assert.equal(next.get(target('other:5000', 'team/a')), undefined);
  });

  it('forgets an answer on disk for the registry too when deleted (a reply contradicted it)', async () => {
    const path = await file();
    new ReferrersCapabilityCache({ file: path }).set(target('reg:5000', 'team/a'), 'api');
    new ReferrersCapabilityCache({ file: path }).delete(target('reg:5000', 'team/a'));
    const next = new ReferrersCapabilityCache({ file: path });
    assert.equal(next.get(target('reg:5000', 'team/a')), undefined);
    assert.equal(next.get(target('reg:5000', 'team/other')), undefined);
  });

  it('forgets answers older than its time to live', async () => {
    const path = await file();
    let now = 1_000_000;
    new ReferrersCapabilityCache({ file: path, ttlMs: 60_000, now: () => now }).set(target('r', 'x'), 'api');
    now += 59_000;
    assert.equal(
      new ReferrersCapabilityCache({ file: path, ttlMs: 60_000, now: () => now }).get(target('r', 'x')),
      'api',
    );
    now += 2_000;
    assert.equal(
      new ReferrersCapabilityCache({ file: path, ttlMs: 60_000, now: () => now }).get(target('r', 'x')),
      undefined,
    );
  });

  it('treats a corrupt or unwritable file as empty, and works without a file', async () => {
    const path = await file();
    const cache = new ReferrersCapabilityCache({ file: path });
    cache.set(target('r', 'x'), 'api');
    await writeFile(path, '{not json');
    assert.equal(new ReferrersCapabilityCache({ file: path }).get(target('r', 'x')), undefined);
    const blocked = new ReferrersCapabilityCache({ file: join(path, 'below-a-file', 'c.json') });
    blocked.set(target('r', 'x'), 'api');
    assert.equal(blocked.get(target('r', 'x')), 'api');
    const memoryOnly = new ReferrersCapabilityCache();
    memoryOnly.set(target('r', 'x'), 'tag-schema');
    assert.equal(memoryOnly.get(target('r', 'x')), 'tag-schema');
    assert.equal(memoryOnly.get(target('r', 'y')), undefined);
  });
});
