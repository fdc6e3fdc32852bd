// The named steps of the tag-schema index update (referrers-index-update.ts, -write.ts, -verify.ts), each on its own: what it
// sends, what it changes in the update's state, and what it remembers in the registry's record.
// An in-memory registry holding one tag, and a virtual clock (sleeping advances time at once).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conflictError, isManifestoError } from '../../../src/errors/errors.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { errorFromStatus } from '../../../src/registry/http/response-errors.ts';
import type { RegistryRequest } from '../../../src/registry/http/types.ts';
import {
  type IndexSnapshot,
  type ReferrerChange,
  referrersTag,
  serializeIndex,
} from '../../../src/registry/referrers-index-model.ts';
import { confirmUpdate, startUpdate } from '../../../src/registry/referrers-index-update.ts';
import {
  type TagSchemaTraceEvent,
  updateContext,
} from '../../../src/registry/referrers-index-update-state.ts';
import { backOffAndReadAgain, verifyWatch } from '../../../src/registry/referrers-index-verify.ts';
import {
  deleteEmptyIndex,
  putMergedIndex,
  readAgainIfStale,
  recoverRejectedWrite,
} from '../../../src/registry/referrers-index-write.ts';
import { registryQuirks } from '../../../src/registry/registry-quirks.ts';
import type { TagSchemaClock } from '../../../src/registry/tag-schema-timing.ts';
import { FakeTransport, json } from './fake-transport.ts';

const SUBJECT = digestOf(new TextEncoder().encode('subject'));
const TAG = referrersTag(SUBJECT);

function entry(label: string): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digestOf(new TextEncoder().encode(label)),
    size: label.length,
  };
}

function virtualClock(): TagSchemaClock & { slept: number[]; advance(ms: number): void } {
  let now = 1000;
  const slept: number[] = [];
  return {
    slept,
    advance: (ms) => {
      now += ms;
    },
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(0, ms);
    },
    random: () => 0.5,
  };
}

interface StoreOptions {
  /** Status of every DELETE (default 202). */
  deleteStatus?: number;
  /** Replies to PUTs, in order, before the store accepts them (e.g. 412s). */
  putReplies?: Response[];
  etag?: boolean;
}

/** A registry holding one tag-schema index; records every request. */
function tagStore(initial: Descriptor[] | undefined, options: StoreOptions = {}) {
  const store = { current: initial === undefined ? undefined : serializeIndex(initial) };
  const putReplies = [...(options.putReplies ?? [])];
  const headers = () => ({
    'Content-Type': 'application/vnd.oci.image.index.v1+json',
    'Docker-Content-Digest': digestOf(store.current!),
    ...(options.etag === true ? { ETag: `"${digestOf(store.current!)}"` } : {}),
  });
  const transport = new FakeTransport()
    .on('GET', new RegExp(`/manifests/${TAG}$`), () =>
      store.current === undefined
        ? new Response('', { status: 404 })
        : new Response(store.current, { headers: headers() }),
    )
    .on('HEAD', new RegExp(`/manifests/${TAG}$`), () =>
      store.current === undefined
        ? new Response(null, { status: 404 })
        : new Response(null, { headers: headers() }),
    )
    .on('PUT', new RegExp(`/manifests/${TAG}$`), (request) => {
      const reply = putReplies.shift();
      if (reply !== undefined) return reply;
      store.current = request.body as Uint8Array;
      return new Response(null, {
        status: 201,
        headers: { 'Docker-Content-Digest': digestOf(store.current) },
      });
    })
    .on('DELETE', /\/manifests\/sha256:/, (_request, url) => {
      const status = options.deleteStatus ?? 202;
      if (status === 405) {
        return json({ errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] }, 405);
      }
      if (store.current !== undefined && digestOf(store.current) === url.pathname.split('/').at(-1)) {
        store.current = undefined;
      }
      return new Response(null, { status });
    });
  return { store, transport, target: { transport, repository: 'app' } };
}

function methods(requests: readonly RegistryRequest[]): string[] {
  return requests.map((r) => r.method);
}

async function stateFor(
  registry: ReturnType<typeof tagStore>,
  change: ReferrerChange,
  clock = virtualClock(),
  initial?: IndexSnapshot,
) {
  const events: TagSchemaTraceEvent[] = [];
  const context = updateContext(registry.target, SUBJECT, change, { clock, trace: (e) => events.push(e) });
  const state = await startUpdate(context, initial);
  return { context, state, clock, events };
}

const ADD_MINE: ReferrerChange = { kind: 'add', descriptor: entry('mine') };

describe('tag-schema update steps', () => {
  it('startUpdate reads the index once and notes what the first read listed', async () => {
    const registry = tagStore([entry('a'), entry('mine')]);
    const { state, events } = await stateFor(registry, ADD_MINE);
    assert.deepEqual(methods(registry.transport.requests), ['GET']);
    assert.equal(state.alreadyReflected, true);
    assert.deepEqual([...state.firstListed], [entry('a').digest, entry('mine').digest]);
    assert.equal(state.knownToExist, true);
    assert.deepEqual(
      events.map((e) => e.step),
      ['read'],
    );
  });

  it('startUpdate refuses a caller snapshot of a tag that is not a referrers index, sending nothing', async () => {
    const registry = tagStore([]);
    const refusal = conflictError('REFERRERS_TAG_CONFLICT', 'the tag holds an image manifest');
    const snapshot: IndexSnapshot = {
      digest: entry('image').digest,
      etag: undefined,
      manifests: [],
      readStartedAt: 1000,
      observedAt: 1000,
      notReferrers: refusal,
    };
    await assert.rejects(stateFor(registry, ADD_MINE, virtualClock(), snapshot), (e) => e === refusal);
    assert.equal(registry.transport.requests.length, 0);
  });

  it('readAgainIfStale: a fresh read passes; an old one is read again; the sixth in a row gives up', async () => {
    const registry = tagStore([entry('a')]);
    const { context, state, clock, events } = await stateFor(registry, ADD_MINE);
    state.staleRereads = 2;
    assert.equal(await readAgainIfStale(context, state), false);
    assert.equal(state.staleRereads, 0, 'a fresh read resets the count');
    assert.equal(registry.transport.requests.length, 1);

    clock.advance(126);
    assert.equal(await readAgainIfStale(context, state), true);
    assert.equal(state.staleRereads, 1);
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'GET']);
    assert.deepEqual(
      events.map((e) => e.step),
      ['read', 'stale-read', 'read'],
    );
    state.staleRereads = 5;
    clock.advance(126);
    await assert.rejects(
      readAgainIfStale(context, state),
      (e) => isManifestoError(e) && e.code === 'REFERRERS_UPDATE_UNCONFIRMED',
    );
  });

  it('deleteEmptyIndex deletes by digest and watches the absence', async () => {
    const registry = tagStore([entry('gone')]);
    const old = digestOf(registry.store.current!);
    const { context, state } = await stateFor(registry, { kind: 'remove', digests: [entry('gone').digest] });
    const watch = await deleteEmptyIndex(context, state);
    assert.deepEqual(watch, { digest: undefined, at: 1000 });
    assert.ok(state.deletedByUs.has(old));
    assert.equal(registry.transport.requests.at(-1)?.path.endsWith(old), true);
    assert.equal(await deleteEmptyIndex(context, state), undefined, 'not deleted twice');
    assert.equal(registry.transport.requests.length, 2);
  });

  it('deleteEmptyIndex: a registry refusing DELETE (405) is remembered in its record and not asked again', async () => {
    const registry = tagStore([entry('gone')], { deleteStatus: 405 });
    const { context, state } = await stateFor(registry, { kind: 'remove', digests: [entry('gone').digest] });
    assert.equal(await deleteEmptyIndex(context, state), undefined);
    assert.equal(registryQuirks(registry.transport).deletesRefused, true);
    assert.equal(await deleteEmptyIndex(context, state), undefined);
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'DELETE']);
  });

  it('putMergedIndex sends If-Match with the read ETag, notes the replaced index and watches the new one', async () => {
    const registry = tagStore([entry('a')], { etag: true });
    const old = digestOf(registry.store.current!);
    const { context, state } = await stateFor(registry, ADD_MINE);
    const merged = [entry('a'), entry('mine')];
    const watch = await putMergedIndex(context, state, merged);
    const put = registry.transport.requests.at(-1)!;
    assert.equal(put.headers?.['If-Match'], `"${old}"`);
    assert.deepEqual(watch, { digest: digestOf(serializeIndex(merged)), at: 1000 });
    assert.deepEqual([...state.replaced], [old]);
  });

  it('recoverRejectedWrite: three 412s in a row give up If-Match for the registry', async () => {
    const precondition = () => new Response(null, { status: 412 });
    const registry = tagStore([entry('a')], {
      etag: true,
      putReplies: [precondition(), precondition(), precondition()],
    });
    const { context, state } = await stateFor(registry, ADD_MINE);
    const merged = [entry('a'), entry('mine')];
    for (let i = 0; i < 3; i++) assert.equal(await putMergedIndex(context, state, merged), undefined);
    assert.equal(state.conditional412, 3);
    assert.equal(registryQuirks(registry.transport).conditionalWritesBroken, true);
    assert.ok(await putMergedIndex(context, state, merged));
    assert.equal(registry.transport.requests.at(-1)!.headers?.['If-Match'], undefined);
    assert.equal(state.conditional412, 0);
    // Each 412 was followed by a read: GET, (PUT 412, GET) x3, PUT.
    assert.deepEqual(methods(registry.transport.requests), [
      'GET',
      'PUT',
      'GET',
      'PUT',
      'GET',
      'PUT',
      'GET',
      'PUT',
    ]);
  });

  it('recoverRejectedWrite drops entries the registry calls missing; our own missing manifest is an error', async () => {
    const registry = tagStore([entry('a'), entry('deleted')]);
    const { context, state } = await stateFor(registry, ADD_MINE);
    const rejection = (digest: string) =>
      errorFromStatus(
        400,
        'Bad Request',
        [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: digest }],
        { operation: 'push manifest' },
        'fake.example:5000',
      );
    await recoverRejectedWrite(context, state, rejection(entry('deleted').digest));
    assert.deepEqual(
      state.snapshot.manifests.map((d) => d.digest),
      [entry('a').digest],
    );
    assert.equal(registry.transport.requests.length, 1, 'no request: the next write drops the entry');
    const ours = rejection(entry('mine').digest);
    await assert.rejects(recoverRejectedWrite(context, state, ours), (e) => e === ours);
  });

  it('verifyWatch: the same digest a settle time later confirms', async () => {
    const registry = tagStore([entry('mine')]);
    const { context, state, clock } = await stateFor(registry, ADD_MINE);
    const watched = digestOf(registry.store.current!);
    const verdict = await verifyWatch(context, state, { digest: watched, at: clock.now() });
    assert.deepEqual(verdict, { confirmed: true, digest: watched });
    assert.deepEqual(clock.slept, [300], 'settle 250 ms + jitter 0.5 x 100 ms');
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'HEAD']);
    assert.equal(state.observations, 1);
  });

  it('verifyWatch: another index that still reflects the change becomes the snapshot, to be watched', async () => {
    const registry = tagStore([entry('mine'), entry('theirs')]);
    const { context, state, clock } = await stateFor(registry, ADD_MINE);
    const verdict = await verifyWatch(context, state, { digest: 'sha256:0', at: clock.now() });
    assert.deepEqual(verdict, { confirmed: false });
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'HEAD', 'GET']);
    assert.equal(state.snapshot.digest, digestOf(registry.store.current!));
    assert.equal(clock.slept.length, 1, 'no backoff');
  });

  it('verifyWatch: a change overwritten from an older read backs off, then reads the base of the next write', async () => {
    const registry = tagStore([entry('theirs')]);
    const { context, state, clock } = await stateFor(registry, ADD_MINE);
    state.writes = 3;
    const verdict = await verifyWatch(context, state, { digest: 'sha256:0', at: clock.now() });
    assert.deepEqual(verdict, { confirmed: false });
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'HEAD', 'GET', 'GET']);
    assert.deepEqual(clock.slept, [300, 200], 'backoff random 0.5 x (100 x 2^2)');
  });

  it('backOffAndReadAgain waits at most 2 s however many writes were lost', async () => {
    const registry = tagStore([entry('theirs')]);
    const { context, state, clock } = await stateFor(registry, ADD_MINE);
    state.writes = 10;
    await backOffAndReadAgain(context, state);
    assert.deepEqual(clock.slept, [1000]);
    assert.deepEqual(methods(registry.transport.requests), ['GET', 'GET']);
  });

  it('verifyWatch: more verifications than maxObservations give up', async () => {
    const registry = tagStore([entry('mine')]);
    const { context, state, clock } = await stateFor(registry, ADD_MINE);
    state.observations = 60;
    await assert.rejects(
      verifyWatch(context, state, { digest: undefined, at: clock.now() }),
      (e) => isManifestoError(e) && e.category === 'conflict',
    );
    assert.equal(registry.transport.requests.length, 1);
  });

  it('confirmUpdate deletes the replaced indexes except the confirmed one, and reports the first read', async () => {
    const registry = tagStore([entry('a')]);
    const { context, state, events } = await stateFor(registry, ADD_MINE);
    state.replaced.add(entry('old-1').digest);
    state.replaced.add(entry('confirmed').digest);
    state.writes = 2;
    const result = await confirmUpdate(context, state, entry('confirmed').digest);
    assert.deepEqual(result, {
      alreadyReflected: false,
      firstListed: new Set([entry('a').digest]),
      confirmedDigest: entry('confirmed').digest,
      writes: 2,
    });
    const deletes = registry.transport.requests.filter((r) => r.method === 'DELETE');
    assert.deepEqual(
      deletes.map((r) => r.path.split('/').at(-1)),
      [entry('old-1').digest],
    );
    assert.deepEqual(
      events.map((e) => e.step),
      ['read', 'confirmed', 'cleanup'],
    );
  });
});
