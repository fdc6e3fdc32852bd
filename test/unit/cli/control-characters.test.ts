// terminalSafe's spelt-out class of control characters (src/cli/render.ts) is exactly Unicode's
// [\p{Cc}\p{Bidi_Control}]: every code point is escaped by one exactly when the other matches it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalSafe } from '../../../src/cli/render.ts';

describe('terminalSafe control characters', () => {
  it('escapes exactly the code points of \\p{Cc} and \\p{Bidi_Control} (tab kept)', () => {
    const property = /^[\p{Cc}\p{Bidi_Control}]$/u;
    const differ: string[] = [];
    let escaped = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const expected = property.test(c) && c !== '\t';
      const actual = terminalSafe(c) !== c;
      if (actual) escaped++;
      if (expected !== actual) differ.push(cp.toString(16));
    }
    assert.deepEqual(differ, []);
    assert.equal(escaped, 65 + 12 - 1);
  });
});
