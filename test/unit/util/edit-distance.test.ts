import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance } from '../../../src/util/edit-distance.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('secomp', 'seccomp'), 1);
    assert.equal(editDistance('vulns', 'vuln'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'tree'), 4);
    assert.equal(editDistance('tree', 'tree'), 0);
  });

  it('counts a swap of two adjacent letters as one edit', () => {
    assert.equal(editDistance('josn', 'json'), 1);
    assert.equal(editDistance('deploymnet', 'deployment'), 1);
  });
});
