import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { queueReferrersUpdate } from '../../../src/registry/referrers-index-queue.ts';
import {
  combine,
  mergeChange,
  type ReferrerChange,
  referrersTag,
  reflects,
  serializeIndex,
  type TagSchemaClock,
  updateReferrersIndex,
} from '../../../src/registry/referrers-tag-schema.ts';
import { FakeTransport } from './fake-transport.ts';

const SUBJECT = digestOf(new TextEncoder().encode('subject'));
const TAG = referrersTag(SUBJECT);

function descriptor(label: string): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digestOf(new TextEncoder().encode(label)),
    size: label.length,
    artifactType: 'application/vnd.example',
  };
}

/** A virtual clock: sleeping advances time at once. */
function virtualClock(): TagSchemaClock & { slept: number[] } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(0, ms);
    },
    random: () => 0.5,
  };
}

/** An in-memory registry holding one tag, with hooks to misbehave. */
function tagStore(options: { afterPut?: (store: { current: Uint8Array | undefined }) => void } = {}) {
  const store: { current: Uint8Array | undefined; puts: number; deletes: string[] } = {
    current: undefined,
    puts: 0,
    deletes: [],
  };
  const transport = new FakeTransport()
    .on('GET', new RegExp(`/manifests/${TAG}$`), () =>
      store.current === undefined
        ? new Response('', { status: 404 })
        : new Response(store.current, {
            headers: {
              'Content-Type': 'application/vnd.oci.image.index.v1+json',
              'Docker-Content-Digest': digestOf(store.current),
            },
          }),
    )
    .on('HEAD', new RegExp(`/manifests/${TAG}$`), () =>
      store.current === undefined
        ? new Response(null, { status: 404 })
        : new Response(null, { headers: { 'Docker-Content-Digest': digestOf(store.current) } }),
    )
    .on('PUT', new RegExp(`/manifests/${TAG}$`), (request) => {
      const body = request.body as Uint8Array;
      store.current = body;
      store.puts++;
      // A concurrent writer may land right after us.
      options.afterPut?.(store);
      return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': digestOf(body) } });
    })
    .on('DELETE', /\/manifests\/sha256:/, (_request, url) => {
      const digest = url.pathname.split('/').at(-1)!;
      store.deletes.push(digest);
      if (store.current !== undefined && digestOf(store.current) === digest) store.current = undefined;
      return new Response(null, { status: 202 });
    });
  return { store, target: { transport, repository: 'app' } };
}

function listed(store: { current: Uint8Array | undefined }): string[] {
  if (store.current === undefined) return [];
  const index = JSON.parse(new TextDecoder().decode(store.current)) as { manifests: Descriptor[] };
  return index.manifests.map((d) => d.digest);
}

describe('referrers tag schema: pure parts', () => {
  it('names the tag <alg>-<hex> with truncation and character replacement', () => {
    assert.equal(referrersTag(`sha256:${'0'.repeat(64)}`), `sha256-${'0'.repeat(64)}`);
    assert.equal(referrersTag(`sha512:${'f'.repeat(128)}`), `sha512-${'f'.repeat(64)}`);
    assert.equal(referrersTag(`${'x'.repeat(40)}+b64:abc=`), `${'x'.repeat(32)}-abc-`);
  });

  it('merges deterministically: existing order kept, new entries appended, removals by digest', () => {
    const [a, b, c] = [descriptor('a'), descriptor('b'), descriptor('c')];
    assert.deepEqual(mergeChange([a, b], { kind: 'add', descriptor: c }), [a, b, c]);
    assert.deepEqual(mergeChange([a, b], { kind: 'add', descriptor: a }), [a, b]);
    assert.deepEqual(mergeChange([a, b, c], { kind: 'remove', digests: [b.digest] }), [a, c]);
    assert.ok(reflects([a], { kind: 'add', descriptor: a }));
    assert.ok(reflects([a], { kind: 'remove', digests: [b.digest] }));
    assert.deepEqual(serializeIndex([a]), serializeIndex([{ ...a, urls: ['ignored'] }]));
  });

  it('removes a set of digests in one merge; reflected only once every one is gone', () => {
    const [a, b, c, d] = [descriptor('a'), descriptor('b'), descriptor('c'), descriptor('d')];
    const change = { kind: 'remove', digests: [b.digest, d.digest, descriptor('x').digest] } as const;
    assert.deepEqual(mergeChange([a, b, c, d], change), [a, c]);
    assert.ok(!reflects([a, b, c], change), 'b still listed');
    assert.ok(reflects([a, c], change));
    assert.ok(reflects([], { kind: 'remove', digests: [] }));
  });
});

describe('referrers tag schema: update algorithm (virtual clock)', () => {
  it('uncontended: one PUT and one verification HEAD after the settle time', async () => {
    const { store, target } = tagStore();
    const clock = virtualClock();
    const result = await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'add', descriptor: descriptor('a') },
      undefined,
      {
        clock,
      },
    );
    assert.equal(result.writes, 1);
    assert.deepEqual(listed(store), [descriptor('a').digest]);
    assert.deepEqual(
      target.transport.requests.map((r) => r.method),
      ['GET', 'PUT', 'HEAD'],
    );
    assert.ok(clock.slept[0]! >= 250, `settled ${clock.slept[0]} ms`);
  });

  it('rewrites when a stale writer overwrote the index, then confirms', async () => {
    let clobbers = 1;
    const { store, target } = tagStore({
      afterPut: (s) => {
        if (clobbers-- > 0) s.current = serializeIndex([descriptor('other')]);
      },
    });
    await updateReferrersIndex(target, SUBJECT, { kind: 'add', descriptor: descriptor('mine') }, undefined, {
      clock: virtualClock(),
    });
    assert.deepEqual(listed(store), [descriptor('other').digest, descriptor('mine').digest]);
    assert.equal(store.puts, 2);
  });

  it('watches an index another writer merged our change into, and confirms it only once stable', async () => {
    const { target } = tagStore({
      afterPut: (s) => {
        // Another writer merges ours right after our write.
        if (s.current !== undefined && listed(s).length === 1) {
          s.current = serializeIndex([descriptor('mine'), descriptor('theirs')]);
        }
      },
    });
    const result = await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'add', descriptor: descriptor('mine') },
      undefined,
      {
        clock: virtualClock(),
      },
    );
    assert.equal(result.writes, 1);
    assert.equal(
      result.confirmedDigest,
      digestOf(serializeIndex([descriptor('mine'), descriptor('theirs')])),
    );
    // GET, PUT, HEAD (changed), GET (reflected), HEAD (stable): confirmed.
    assert.deepEqual(
      target.transport.requests.map((r) => r.method),
      ['GET', 'PUT', 'HEAD', 'GET', 'HEAD'],
    );
  });

  it('gives up with a conflict error when every write is lost', async () => {
    const { target } = tagStore({
      afterPut: (s) => {
        s.current = serializeIndex([descriptor('other')]);
      },
    });
    await assert.rejects(
      updateReferrersIndex(target, SUBJECT, { kind: 'add', descriptor: descriptor('mine') }, undefined, {
        clock: virtualClock(),
        maxWrites: 4,
      }),
      (e) => isManifestoError(e) && e.category === 'conflict' && e.code === 'REFERRERS_UPDATE_UNCONFIRMED',
    );
  });

  it('re-reads a snapshot older than the accepted read age before writing', async () => {
    const { store, target } = tagStore();
    store.current = serializeIndex([descriptor('newer')]);
    const clock = virtualClock();
    const stale = { digest: undefined, etag: undefined, manifests: [], readStartedAt: 0, observedAt: 1 };
    await updateReferrersIndex(target, SUBJECT, { kind: 'add', descriptor: descriptor('mine') }, stale, {
      clock,
    });
    assert.deepEqual(listed(store), [descriptor('newer').digest, descriptor('mine').digest]);
  });

  it('deletes an emptied index and the indexes it replaced', async () => {
    const { store, target } = tagStore();
    const clock = virtualClock();
    await updateReferrersIndex(target, SUBJECT, { kind: 'add', descriptor: descriptor('a') }, undefined, {
      clock,
    });
    const first = digestOf(store.current!);
    await updateReferrersIndex(target, SUBJECT, { kind: 'add', descriptor: descriptor('b') }, undefined, {
      clock,
    });
    assert.deepEqual(store.deletes, [first]);
    await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'remove', digests: [descriptor('a').digest] },
      undefined,
      { clock },
    );
    const result = await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'remove', digests: [descriptor('b').digest] },
      undefined,
      {
        clock,
      },
    );
    assert.equal(store.current, undefined);
    assert.equal(result.confirmedDigest, undefined);
  });

  it('removes 50 entries with one write, one verification and one settle time', async () => {
    const { store, target } = tagStore();
    const all = Array.from({ length: 52 }, (_, i) => descriptor(`v${i}`));
    store.current = serializeIndex(all);
    const old = digestOf(store.current);
    const clock = virtualClock();
    const removed = all.slice(2).map((d) => d.digest);
    const result = await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'remove', digests: removed },
      undefined,
      { clock },
    );
    assert.equal(result.writes, 1);
    assert.equal(result.alreadyReflected, false);
    assert.ok(removed.every((d) => result.firstListed.has(d)));
    assert.deepEqual(listed(store), [all[0]!.digest, all[1]!.digest]);
    assert.deepEqual(
      target.transport.requests.map((r) => r.method),
      ['GET', 'PUT', 'HEAD', 'DELETE'],
    );
    assert.deepEqual(store.deletes, [old], 'the replaced index is deleted');
    assert.equal(clock.slept.length, 1, `one settle wait, slept ${clock.slept.join(', ')}`);
  });

  it('a batch removal keeps an entry a concurrent writer added from a newer read', async () => {
    let clobbers = 1;
    const all = Array.from({ length: 10 }, (_, i) => descriptor(`v${i}`));
    const { store, target } = tagStore({
      afterPut: (s) => {
        // A writer that read the index before our write lands right after it: all ten plus its own.
        if (clobbers-- > 0) s.current = serializeIndex([...all, descriptor('theirs')]);
      },
    });
    store.current = serializeIndex(all);
    await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'remove', digests: all.slice(1).map((d) => d.digest) },
      undefined,
      { clock: virtualClock() },
    );
    assert.deepEqual(listed(store), [all[0]!.digest, descriptor('theirs').digest]);
    assert.equal(store.puts, 2);
  });

  it('a batch removal that empties the index deletes it', async () => {
    const { store, target } = tagStore();
    const all = Array.from({ length: 5 }, (_, i) => descriptor(`v${i}`));
    store.current = serializeIndex(all);
    const result = await updateReferrersIndex(
      target,
      SUBJECT,
      { kind: 'remove', digests: all.map((d) => d.digest) },
      undefined,
      { clock: virtualClock() },
    );
    assert.equal(store.current, undefined);
    assert.equal(result.confirmedDigest, undefined);
    assert.equal(store.puts, 0);
  });

  it('refuses a tag holding something other than an OCI index', async () => {
    const transport = new FakeTransport().on(
      'GET',
      /\/manifests\//,
      () =>
        new Response(
          '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}',
          {
            headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
          },
        ),
    );
    await assert.rejects(
      updateReferrersIndex(
        { transport, repository: 'app' },
        SUBJECT,
        { kind: 'add', descriptor: descriptor('a') },
        undefined,
        {
          clock: virtualClock(),
        },
      ),
      (e) => isManifestoError(e) && e.code === 'REFERRERS_TAG_CONFLICT',
    );
    assert.equal(transport.requests.filter((r) => r.method === 'PUT').length, 0);
  });
});

/** Queues one change of SUBJECT's index in `target`, on the virtual clock. */
function queued(
  target: ReturnType<typeof tagStore>['target'],
  clock: TagSchemaClock,
  change: ReferrerChange,
) {
  return queueReferrersUpdate(target, SUBJECT, change, undefined, { clock });
}

describe("referrers tag schema: one process's concurrent changes, coalesced", () => {
  it('combines changes in arrival order: the last change of a digest wins', () => {
    const [a, b, c] = [descriptor('a'), descriptor('b'), descriptor('c')];
    assert.deepEqual(
      combine([
        { kind: 'add', descriptor: a },
        { kind: 'remove', digests: [a.digest, b.digest] },
        { kind: 'add', descriptor: b },
        { kind: 'add', descriptor: c },
      ]),
      { kind: 'batch', add: [b, c], remove: [a.digest] },
    );
    const merged = mergeChange([a, descriptor('keep')], { kind: 'batch', add: [b, c], remove: [a.digest] });
    assert.deepEqual(
      merged.map((d) => d.digest),
      [descriptor('keep').digest, b.digest, c.digest],
    );
  });

  it('seven concurrent changes of one index: two updates, none lost, each told its own outcome', async () => {
    const { store, target } = tagStore();
    store.current = serializeIndex([descriptor('r1'), descriptor('r2'), descriptor('keep')]);
    const clock = virtualClock();
    const results = await Promise.all([
      ...['a1', 'a2', 'a3', 'a4'].map((label) =>
        queued(target, clock, { kind: 'add', descriptor: descriptor(label) }),
      ),
      queued(target, clock, { kind: 'remove', digests: [descriptor('r1').digest] }),
      queued(target, clock, { kind: 'remove', digests: [descriptor('r2').digest] }),
      queued(target, clock, { kind: 'remove', digests: [descriptor('gone').digest] }),
    ]);
    assert.deepEqual(
      listed(store).sort(),
      ['keep', 'a1', 'a2', 'a3', 'a4'].map((label) => descriptor(label).digest).sort(),
    );
    assert.equal(store.puts, 2, 'the first change alone, then the six that queued meanwhile in one write');
    assert.deepEqual(
      results.map((r) => r.alreadyReflected),
      [false, false, false, false, false, false, true],
    );
  });

  it('a failed update fails the changes it carried; the next ones still run', async () => {
    let failPuts = 1;
    const { store, target } = tagStore();
    const transport = target.transport;
    const original = transport.request.bind(transport);
    transport.request = async (request) => {
      if (request.method === 'PUT' && failPuts-- > 0) {
        return new Response('{"errors":[{"code":"DENIED","message":"no"}]}', { status: 403 });
      }
      return original(request);
    };
    const clock = virtualClock();
    const first = queued(target, clock, { kind: 'add', descriptor: descriptor('x') });
    const second = queued(target, clock, { kind: 'add', descriptor: descriptor('y') });
    await assert.rejects(first, (e) => isManifestoError(e) && e.status === 403);
    await second;
    assert.deepEqual(listed(store), [descriptor('y').digest]);
  });
});
