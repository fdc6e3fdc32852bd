import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../../src/util/bytes.ts';

describe('concatBytes', () => {
  it('joins chunks in order', () => {
    assert.deepEqual(
      concatBytes([Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3)]),
      Uint8Array.of(1, 2, 3),
    );
  });

  it('uses a total given by the caller', () => {
    assert.deepEqual(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)], 3), Uint8Array.of(1, 2, 3));
  });

  it('returns no bytes for no chunks', () => {
    assert.equal(concatBytes([]).byteLength, 0);
  });

  it('returns a single chunk itself, without a copy', () => {
    const only = Uint8Array.of(9, 8, 7);
    assert.equal(concatBytes([only]), only);
  });

  it('joins views into larger buffers by their own bytes only', () => {
    const backing = Uint8Array.of(0, 1, 2, 3, 4, 5);
    assert.deepEqual(concatBytes([backing.subarray(1, 3), backing.subarray(4)]), Uint8Array.of(1, 2, 4, 5));
  });
});
