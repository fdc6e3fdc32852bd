import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRecord, parseJsonObject } from '../../../src/util/json-record.ts';

describe('isRecord', () => {
  it('accepts objects, including empty ones and those without a prototype', () => {
    assert.equal(isRecord({}), true);
    assert.equal(isRecord({ a: 1 }), true);
    assert.equal(isRecord(Object.create(null)), true);
  });

  it('refuses arrays, null and scalars', () => {
    for (const value of [[], [1], null, undefined, 0, '', 'x', true]) assert.equal(isRecord(value), false);
  });
});

describe('parseJsonObject', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('returns the object a JSON text holds', () => {
    assert.deepEqual(parseJsonObject(bytes('{"mediaType":"m","layers":[]}')), { mediaType: 'm', layers: [] });
  });

  it('returns undefined for a JSON array, scalar or null, for broken JSON and for bytes that are not UTF-8', () => {
    for (const text of ['[]', '"s"', '3', 'null', '{', ''])
      assert.equal(parseJsonObject(bytes(text)), undefined);
    assert.equal(parseJsonObject(Uint8Array.of(0x7b, 0xff, 0x7d)), undefined);
  });
});
