import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { formatDuration, parseDuration, parseDurationValue } from '../../../src/util/duration.ts';

describe('parseDuration', () => {
  it('reads a whole number and a unit', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('12h'), 43_200_000);
    assert.equal(parseDuration(' 7d '), 604_800_000);
    assert.equal(parseDuration('2w'), 1_209_600_000);
  });

  it('refuses zero, fractions, other units, a missing unit and more than six digits', () => {
    for (const text of ['0d', '1.5h', '3y', '10', 'd', '', '-1d', '1000000d']) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe('parseDurationValue', () => {
  it('returns milliseconds for a valid duration', () => {
    assert.equal(parseDurationValue('1h', '--expires'), 3_600_000);
  });

  it('throws a usage error naming the flag and the text', () => {
    assert.throws(
      () => parseDurationValue('soon', '--expires'),
      (error: unknown) =>
        isManifestoError(error) &&
        error.category === 'usage' &&
        error.message === '--expires: invalid duration "soon"' &&
        error.hint === 'e.g. 90s, 30m, 12h, 7d, 2w',
    );
  });
});

describe('formatDuration', () => {
  it('names the two largest units', () => {
    assert.equal(formatDuration(parseDuration('3d')! + parseDuration('4h')!), '3d 4h');
    assert.equal(formatDuration(parseDuration('2h')!), '2h');
    assert.equal(formatDuration(parseDuration('25m')!), '25m');
    assert.equal(formatDuration(40_500), '40s');
    assert.equal(formatDuration(-parseDuration('1d')!), '1d');
  });
});
