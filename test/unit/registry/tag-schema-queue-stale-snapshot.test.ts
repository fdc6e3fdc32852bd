// Within one process, updates of one tag-schema index run one after the other (referrers-index-queue.ts)
// and must not rely on timing: a caller's snapshot read BEFORE an earlier update of the same index
// finished is never written. Regression test for a lost confirmed write (bulk.test.ts, seen once in a
// full run: two puts of one image, both reported ok, one type missing from the listing): the second
// update trusted its caller's snapshot, read before the first update, because the read-age guard is
// 2x the slowest recent request and a slow verification HEAD (a loaded machine) had raised it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';
import { queueReferrersUpdate } from '../../../src/registry/referrers-index-queue.ts';
import {
  type IndexSnapshot,
  referrersTag,
  serializeIndex,
  type TagSchemaClock,
} from '../../../src/registry/referrers-tag-schema.ts';

const SUBJECT = `sha256:${'b'.repeat(64)}`;
const entry = (n: number): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  artifactType: 'application/vnd.manifesto.test.v1',
});

/** A registry with one index tag; each HEAD takes `headMs` of the fake clock (a loaded registry). */
function fakeRegistry(headMs: number) {
  let now = 0;
  const clock: TagSchemaClock = {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
    random: () => 0,
  };
  let current: Uint8Array | undefined;
  const requests: string[] = [];
  const transport: RegistryTransport = {
    registry: '127.0.0.1:5001',
    baseUrl: 'http://127.0.0.1:5001',
    async request(request: RegistryRequest) {
      requests.push(request.method);
      assert.ok(request.path.endsWith(`/manifests/${referrersTag(SUBJECT)}`), request.path);
      if (request.method === 'PUT') {
        current = request.body as Uint8Array;
        return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': digestOf(current) } });
      }
      if (current === undefined) return new Response(null, { status: 404 });
      const headers = { 'Docker-Content-Digest': digestOf(current), 'Content-Type': OCI_INDEX };
      if (request.method === 'HEAD') {
        now += headMs;
        return new Response(null, { status: 200, headers });
      }
      if (request.method === 'GET') return new Response(current, { status: 200, headers });
      return new Response(null, { status: 202 });
    },
  };
  return {
    clock,
    requests,
    target: { transport, repository: 'app' },
    listed: () =>
      current === undefined
        ? []
        : (JSON.parse(new TextDecoder().decode(current)) as { manifests: Descriptor[] }).manifests.map(
            (d) => d.digest,
          ),
  };
}

describe('referrers index queue: caller snapshots older than an earlier update are read again', () => {
  it('two puts of one image read the listing together; the second update re-reads, nothing is lost', async () => {
    const registry = fakeRegistry(400);
    const empty: IndexSnapshot = {
      digest: undefined,
      etag: undefined,
      manifests: [],
      readStartedAt: 0,
      observedAt: 5,
    };
    const options = { clock: registry.clock, jitterMs: 0 };
    // First put: its update writes [1], waits the settle time, verifies with a slow HEAD.
    await queueReferrersUpdate(
      registry.target,
      SUBJECT,
      { kind: 'add', descriptor: entry(1) },
      empty,
      options,
    );
    assert.deepEqual(registry.listed(), [entry(1).digest]);
    // Second put, same process, with the snapshot both read at the start (before [1] was written).
    await queueReferrersUpdate(
      registry.target,
      SUBJECT,
      { kind: 'add', descriptor: entry(2) },
      empty,
      options,
    );
    assert.deepEqual(registry.listed(), [entry(1).digest, entry(2).digest], registry.requests.join(' '));
  });

  it('a snapshot read after the earlier update finished is still used as is (no extra read)', async () => {
    const registry = fakeRegistry(0);
    const options = { clock: registry.clock, jitterMs: 0 };
    const empty: IndexSnapshot = {
      digest: undefined,
      etag: undefined,
      manifests: [],
      readStartedAt: 0,
      observedAt: 1,
    };
    await queueReferrersUpdate(
      registry.target,
      SUBJECT,
      { kind: 'add', descriptor: entry(1) },
      empty,
      options,
    );
    const at = registry.clock.now();
    const fresh: IndexSnapshot = {
      digest: digestOf(serializeIndex([entry(1)])),
      etag: undefined,
      manifests: [entry(1)],
      readStartedAt: at,
      observedAt: at + 1,
    };
    registry.requests.length = 0;
    await queueReferrersUpdate(
      registry.target,
      SUBJECT,
      { kind: 'add', descriptor: entry(3) },
      fresh,
      options,
    );
    assert.equal(registry.requests[0], 'PUT', registry.requests.join(' '));
    assert.deepEqual(registry.listed(), [entry(1).digest, entry(3).digest]);
  });
});
