// The read-to-write guard of the referrers tag schema (referrers-tag-schema.ts, step 2): a snapshot
// older than the accepted read age is read again before it is written, also when that read itself was
// slow. Regression test for a lost write seen with 10 `manifesto put` processes racing 10 `oras attach`
// on distribution under heavy load (test/integration/metadata/race.test.ts), with a pre-release guard
// that exempted slow reads: a put's listing read took > 125 ms, the put uploaded its blobs for ~0.6 s,
// then wrote the index merged from that listing, dropping a version another put had confirmed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';
import {
  type IndexSnapshot,
  referrersTag,
  serializeIndex,
  type TagSchemaClock,
  updateReferrersIndex,
} from '../../../src/registry/referrers-tag-schema.ts';

const SUBJECT = `sha256:${'a'.repeat(64)}`;
const entry = (n: number): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  artifactType: 'application/vnd.manifesto.test.v1',
});

/** A registry holding one tag-schema index, with a clock that advances on sleep. */
function fakeRegistry(initial: Descriptor[]) {
  let now = 0;
  const clock: TagSchemaClock = {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
    random: () => 0,
  };
  let current = serializeIndex(initial);
  const requests: string[] = [];
  const transport: RegistryTransport = {
    registry: '127.0.0.1:5000',
    baseUrl: 'http://127.0.0.1:5000',
    async request(request: RegistryRequest) {
      requests.push(request.method);
      assert.ok(request.path.endsWith(`/manifests/${referrersTag(SUBJECT)}`), request.path);
      const headers = { 'Docker-Content-Digest': digestOf(current), 'Content-Type': OCI_INDEX };
      if (request.method === 'GET') return new Response(current, { status: 200, headers });
      if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
      if (request.method === 'PUT') {
        current = request.body as Uint8Array;
        return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': digestOf(current) } });
      }
      return new Response(null, { status: 202 });
    },
  };
  return {
    clock,
    advance: (ms: number) => {
      now += ms;
    },
    requests,
    target: { transport, repository: 'app' },
    listed: () =>
      (JSON.parse(new TextDecoder().decode(current)) as { manifests: Descriptor[] }).manifests.map(
        (d) => d.digest,
      ),
  };
}

describe('referrers tag schema: stale snapshots are read again before a write', () => {
  it('a caller snapshot whose read was slow, written much later, is read again first', async () => {
    // The caller read [1] in 200 ms (slower than maxReadAge = 125 ms); meanwhile another writer added 2.
    const registry = fakeRegistry([entry(1), entry(2)]);
    const stale: IndexSnapshot = {
      digest: digestOf(serializeIndex([entry(1)])),
      etag: undefined,
      manifests: [entry(1)],
      readStartedAt: 0,
      observedAt: 200,
    };
    registry.advance(2000); // the caller uploaded its blobs for 1.8 s after the reply
    await updateReferrersIndex(registry.target, SUBJECT, { kind: 'add', descriptor: entry(3) }, stale, {
      clock: registry.clock,
    });
    assert.equal(registry.requests[0], 'GET', `requests: ${registry.requests.join(' ')}`);
    assert.deepEqual(registry.listed(), [entry(1).digest, entry(2).digest, entry(3).digest]);
  });

  it('a slow read is written at once when nothing else happened since its reply', async () => {
    const registry = fakeRegistry([entry(1)]);
    registry.advance(1000);
    const snapshot: IndexSnapshot = {
      digest: digestOf(serializeIndex([entry(1)])),
      etag: undefined,
      manifests: [entry(1)],
      readStartedAt: 800,
      observedAt: 1000,
    };
    await updateReferrersIndex(registry.target, SUBJECT, { kind: 'add', descriptor: entry(3) }, snapshot, {
      clock: registry.clock,
    });
    assert.equal(registry.requests[0], 'PUT', `requests: ${registry.requests.join(' ')}`);
    assert.deepEqual(registry.listed(), [entry(1).digest, entry(3).digest]);
  });
});
