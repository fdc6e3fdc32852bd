// MANIFESTO_* variables are read in one place with the flags' parsers: sizes take units
// (MANIFESTO_MAX_SIZE=1G was NaN, which disabled the limit), bad values are usage errors naming
// the variable, empty means unset, and tests pass their own environment object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { parseSeconds, parseSize, parseSwitch, setting } from '../../../src/util/settings.ts';

function refuses(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isManifestoError(error));
    assert.equal(error.code, code);
    assert.equal(error.category, 'usage');
    assert.match(error.message, message);
    return true;
  });
}

describe('settings', () => {
  it('sizes: bytes or binary units, any case, with or without B / iB', () => {
    const cases: [string, number][] = [
      ['1048576', 1048576],
      ['1K', 1024],
      ['1k', 1024],
      ['1KiB', 1024],
      ['512KB', 512 * 1024],
      ['100M', 100 * 1024 ** 2],
      ['1G', 1024 ** 3],
      ['2GiB', 2 * 1024 ** 3],
      ['1T', 1024 ** 4],
    ];
    for (const [text, bytes] of cases) assert.equal(parseSize(text, '--max-size'), bytes, text);
    for (const text of ['1X', 'G', '-1K', '1.5G', 'lots'])
      refuses(
        () => parseSize(text, 'MANIFESTO_MAX_SIZE'),
        'SIZE_INVALID',
        /^MANIFESTO_MAX_SIZE: invalid size/,
      );
  });

  it('MANIFESTO_MAX_SIZE through setting(): units, unset, empty, refused', () => {
    assert.equal(setting({ MANIFESTO_MAX_SIZE: '1G' }, 'MANIFESTO_MAX_SIZE'), 1024 ** 3);
    assert.equal(setting({}, 'MANIFESTO_MAX_SIZE'), undefined);
    assert.equal(setting({ MANIFESTO_MAX_SIZE: '' }, 'MANIFESTO_MAX_SIZE'), undefined);
    refuses(() => setting({ MANIFESTO_MAX_SIZE: 'big' }, 'MANIFESTO_MAX_SIZE'), 'SIZE_INVALID', /"big"/);
  });

  it('switches, seconds and the settle time', () => {
    for (const on of ['1', 'true', 'TRUE', 'yes', 'on']) assert.equal(parseSwitch(on, 'X'), true, on);
    for (const off of ['0', 'false', 'no', 'off']) assert.equal(parseSwitch(off, 'X'), false, off);
    refuses(
      () => setting({ MANIFESTO_INSECURE: 'maybe' }, 'MANIFESTO_INSECURE'),
      'SWITCH_INVALID',
      /MANIFESTO_INSECURE/,
    );
    assert.equal(parseSeconds('0.4', '--timeout'), 400);
    refuses(
      () => setting({ MANIFESTO_TIMEOUT: 'soon' }, 'MANIFESTO_TIMEOUT'),
      'TIMEOUT_INVALID',
      /^MANIFESTO_TIMEOUT: "soon"/,
    );
    assert.equal(setting({ MANIFESTO_SETTLE_MS: '4000' }, 'MANIFESTO_SETTLE_MS'), 4000);
    refuses(
      () => setting({ MANIFESTO_SETTLE_MS: '-1' }, 'MANIFESTO_SETTLE_MS'),
      'SETTLE_INVALID',
      /0-600000/,
    );
    assert.equal(setting({ MANIFESTO_CACHE: 'off' }, 'MANIFESTO_CACHE'), false);
    assert.equal(setting({ MANIFESTO_LAYOUT_REFERRERS: 'listed' }, 'MANIFESTO_LAYOUT_REFERRERS'), 'listed');
  });
});
