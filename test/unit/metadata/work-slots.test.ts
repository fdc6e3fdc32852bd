import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWorkSlots, slotReleasingClock } from '../../../src/metadata/bulk/work-slots.ts';
import type { WaitClock as TagSchemaClock } from '../../../src/util/clock.ts';

/** A promise with its resolve function, to step tasks by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('work slots', () => {
  it('runs at most `size` tasks at a time', async () => {
    const slots = createWorkSlots(2);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, gate);
    const done = gates.map((g) =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await g.promise;
        running--;
      }),
    );
    await settled();
    assert.equal(running, 2);
    for (const g of gates) g.open();
    await Promise.all(done);
    assert.equal(peak, 2);
    assert.equal(slots.busy, 0);
  });

  it('gives the slot to another task while a task is idle, and takes it back first', async () => {
    const slots = createWorkSlots(1);
    const order: string[] = [];
    const wake = gate();
    const a = slots.run(async () => {
      order.push('a works');
      await slots.idle(() => wake.promise);
      order.push('a resumes');
    });
    const bBlock = gate();
    const b = slots.run(async () => {
      order.push('b works');
      await bBlock.promise;
      order.push('b done');
    });
    const c = slots.run(async () => {
      order.push('c works');
    });
    await settled();
    assert.deepEqual(order, ['a works', 'b works']);
    assert.equal(slots.busy, 1);
    wake.open();
    await settled();
    // a waits for the slot (b holds it) but comes before c, which has not started.
    assert.deepEqual(order, ['a works', 'b works']);
    bBlock.open();
    await Promise.all([a, b, c]);
    assert.deepEqual(order, ['a works', 'b works', 'b done', 'a resumes', 'c works']);
    assert.equal(slots.busy, 0);
  });

  it('just waits when called outside a task, and returns the wait result', async () => {
    const slots = createWorkSlots(1);
    assert.equal(await slots.idle(async () => 42), 42);
    assert.equal(slots.busy, 0);
  });

  it('releases the slot when a task throws, and after a wait the task left running', async () => {
    const slots = createWorkSlots(1);
    await assert.rejects(
      slots.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(slots.busy, 0);
    const late = gate();
    let leftRunning: Promise<void> | undefined;
    await slots.run(async () => {
      leftRunning = slots.idle(() => late.promise);
    });
    late.open();
    await leftRunning;
    assert.equal(slots.busy, 0);
    assert.equal(await slots.run(async () => 'free'), 'free');
  });

  it('rejects a size below 1', () => {
    assert.throws(() => createWorkSlots(0), RangeError);
  });

  it('a slot-releasing clock sleeps through the wrapped clock without holding the slot', async () => {
    const slots = createWorkSlots(1);
    const sleeps: number[] = [];
    const wake = gate();
    const clock: TagSchemaClock = {
      now: () => 7,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
        await wake.promise;
      },
    };
    const releasing = slotReleasingClock(slots, clock);
    assert.equal(releasing.now(), 7);
    assert.equal(releasing.random(), 0.5);
    let otherRan = false;
    const sleeper = slots.run(() => releasing.sleep(250));
    await settled();
    await slots.run(async () => {
      otherRan = true;
    });
    assert.equal(otherRan, true);
    wake.open();
    await sleeper;
    assert.deepEqual(sleeps, [250]);
    assert.equal(slots.busy, 0);
  });
});
