import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachLimit, mapLimit } from '../../../src/util/pool.ts';

/** Work whose items finish only when the test says so; records starts and the most at work at once. */
function gatedWork() {
  const gates = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const started: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const work = (item: number) =>
    new Promise<number>((resolve, reject) => {
      started.push(item);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      gates.set(item, {
        resolve: () => {
          inFlight--;
          resolve(item * 10);
        },
        reject: (error) => {
          inFlight--;
          reject(error);
        },
      });
    });
  /** Lets pending promise callbacks run (no timers). */
  const settle = async () => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return {
    work,
    started,
    settle,
    gates,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('mapLimit', () => {
  it('returns results in the order of the items, whatever order they finish in', async () => {
    const gated = gatedWork();
    const items = [1, 2, 3, 4, 5];
    const done = mapLimit(items, 5, gated.work);
    await gated.settle();
    for (const item of [...items].reverse()) gated.gates.get(item)!.resolve();
    assert.deepEqual(await done, [10, 20, 30, 40, 50]);
  });

  it('has at most `limit` items at work and starts them in list order', async () => {
    const gated = gatedWork();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const done = mapLimit(items, 3, gated.work);
    for (let finished = 0; finished < items.length; finished++) {
      await gated.settle();
      assert.ok(gated.inFlight <= 3, `${gated.inFlight} at work`);
      // Finish the oldest item still at work.
      gated.gates.get(finished)!.resolve();
    }
    assert.deepEqual(
      await done,
      items.map((i) => i * 10),
    );
    assert.equal(gated.maxInFlight, 3);
    assert.deepEqual(gated.started, items);
  });

  it('passes each item its index', async () => {
    assert.deepEqual(await mapLimit(['a', 'b', 'c'], 2, async (item, index) => `${index}${item}`), [
      '0a',
      '1b',
      '2c',
    ]);
  });

  it('returns an empty list for no items without calling the work', async () => {
    let calls = 0;
    assert.deepEqual(
      await mapLimit([], 4, async () => {
        calls++;
      }),
      [],
    );
    assert.equal(calls, 0);
  });

  it('runs one at a time for a limit below 1 (or not a number)', async () => {
    for (const limit of [0, -3, Number.NaN]) {
      const gated = gatedWork();
      const done = mapLimit([1, 2, 3], limit, gated.work);
      for (const item of [1, 2, 3]) {
        await gated.settle();
        assert.equal(gated.inFlight, 1);
        gated.gates.get(item)!.resolve();
      }
      assert.deepEqual(await done, [10, 20, 30]);
      assert.equal(gated.maxInFlight, 1);
    }
  });

  it('stops at the first error: no further item starts, the started ones settle, then it rejects with that error', async () => {
    const gated = gatedWork();
    let rejected: unknown;
    const done = mapLimit([1, 2, 3, 4, 5, 6], 2, gated.work).catch((error: unknown) => {
      rejected = error;
    });
    await gated.settle();
    assert.deepEqual(gated.started, [1, 2]);
    gated.gates.get(1)!.reject(new Error('first'));
    await gated.settle();
    // Item 2 is still at work: the call has not returned, and nothing else started.
    assert.equal(rejected, undefined);
    assert.deepEqual(gated.started, [1, 2]);
    gated.gates.get(2)!.reject(new Error('second'));
    await done;
    assert.equal(String(rejected), 'Error: first');
    assert.deepEqual(gated.started, [1, 2]);
    assert.equal(gated.inFlight, 0);
  });

  it('rejects with an error thrown synchronously by the work', async () => {
    await assert.rejects(
      mapLimit([1], 1, () => {
        throw new Error('at once');
      }),
      /at once/,
    );
  });
});

describe('forEachLimit', () => {
  it('starts no further item once the signal is aborted, and resolves when the started ones settle', async () => {
    const gated = gatedWork();
    const stop = new AbortController();
    let resolved = false;
    const done = forEachLimit(
      [1, 2, 3, 4, 5],
      2,
      async (item) => {
        await gated.work(item);
      },
      { signal: stop.signal },
    ).then(() => {
      resolved = true;
    });
    await gated.settle();
    stop.abort();
    gated.gates.get(1)!.resolve();
    await gated.settle();
    assert.equal(resolved, false);
    gated.gates.get(2)!.resolve();
    await done;
    assert.deepEqual(gated.started, [1, 2]);
  });

  it('starts nothing when the signal is aborted before the call', async () => {
    let calls = 0;
    await forEachLimit(
      [1, 2],
      2,
      async () => {
        calls++;
      },
      { signal: AbortSignal.abort() },
    );
    assert.equal(calls, 0);
  });
});
