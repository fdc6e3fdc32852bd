import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toManifestoError } from '../../../src/cli/errors-output.ts';
import {
  categoriesOf,
  ERROR_CATALOGUE,
  type ErrorCode,
  isErrorCode,
  isRegistryErrorCode,
} from '../../../src/errors/catalogue.ts';
import { ERROR_CATEGORIES } from '../../../src/errors/categories.ts';
import { internalError, ManifestoError, usageError } from '../../../src/errors/errors.ts';
import { errorFromStatus } from '../../../src/registry/http/response-errors.ts';
import {
  KEY_PROBLEMS,
  keyProblem,
  VERIFICATION_FAILURES,
  verificationFailure,
} from '../../../src/signing/errors.ts';

const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('error catalogue', () => {
  it('names every code in UPPER_SNAKE_CASE with a known category and a one-line summary', () => {
    assert.ok(codes.length > 150, `${codes.length} codes`);
    for (const code of codes) {
      const spec = ERROR_CATALOGUE[code];
      assert.match(code, /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, code);
      assert.ok(ERROR_CATEGORIES.includes(spec.category), `${code}: ${spec.category}`);
      for (const other of 'alsoAs' in spec ? spec.alsoAs : []) {
        assert.ok(ERROR_CATEGORIES.includes(other), `${code}: ${other}`);
      }
      assert.ok(spec.summary.length > 5 && !spec.summary.includes('\n') && !spec.summary.includes('|'), code);
    }
  });

  it('gives a code its category and default hint when the use names none', () => {
    const error = new ManifestoError('SIGNER_UNTRUSTED', 'signed by nobody we know');
    assert.equal(error.category, 'verification');
    assert.equal(error.exitCode, 9);
    assert.equal(error.hint, ERROR_CATALOGUE.SIGNER_UNTRUSTED.hint);
    const own = new ManifestoError('SIGNER_UNTRUSTED', 'x', { hint: 'trust it' });
    assert.equal(own.hint, 'trust it');
    const plain = usageError('TYPE_NAME_INVALID', 'invalid metadata type "A B"');
    assert.equal(plain.hint, undefined, 'a code without a default hint');
    assert.equal(plain.exitCode, 2);
    const flags = usageError('FLAGS_CONFLICT', '--a and --b cannot be used together');
    assert.equal(flags.hint, ERROR_CATALOGUE.FLAGS_CONFLICT.hint);
    assert.equal(usageError('FLAGS_CONFLICT', 'x', 'Choose one.').hint, 'Choose one.');
  });

  it('lets a code take only a category the catalogue allows (also at run time, via alsoAs)', () => {
    assert.deepEqual(categoriesOf('MANIFEST_TOO_LARGE'), ['usage', 'integrity']);
    assert.deepEqual(categoriesOf('REFERENCE_INVALID'), ['usage']);
    assert.equal(categoriesOf('PLATFORMS_FAILED')[0], 'partial');
    assert.equal(new Set(categoriesOf('PLATFORMS_FAILED')).size, ERROR_CATEGORIES.length);
    const stored = new ManifestoError('MANIFEST_TOO_LARGE', 'stored manifest over 4 MiB', {
      category: 'integrity',
    });
    assert.equal(stored.exitCode, 7);
  });

  it('gives every signing code its category and a default hint', () => {
    for (const code of VERIFICATION_FAILURES) {
      assert.equal(ERROR_CATALOGUE[code].category, 'verification', code);
      const error = verificationFailure(code, 'x');
      assert.equal(error.category, 'verification');
      assert.ok(error.hint, `${code} has a default hint`);
    }
    for (const code of KEY_PROBLEMS) {
      assert.equal(ERROR_CATALOGUE[code].category, 'usage', code);
      assert.ok(keyProblem(code, 'x').hint, `${code} has a default hint`);
    }
  });

  it('builds INTERNAL one way, for the library and the CLI alike', () => {
    const bug = new TypeError('undefined is not a function');
    const fromLibrary = internalError(bug);
    const fromCli = toManifestoError(bug);
    for (const error of [fromLibrary, fromCli]) {
      assert.equal(error.code, 'INTERNAL');
      assert.equal(error.category, 'internal');
      assert.equal(error.exitCode, 1);
      assert.equal(error.message, 'undefined is not a function');
      assert.equal(error.hint, ERROR_CATALOGUE.INTERNAL.hint);
      assert.equal(error.cause, bug);
    }
    assert.equal(internalError('a string').message, 'a string');
    const typed = usageError('KEEP_INVALID', '--keep 0');
    assert.equal(internalError(typed), typed);
  });

  it('knows the codes of the distribution spec and keeps them from registry replies', () => {
    assert.ok(isErrorCode('MANIFEST_UNKNOWN'));
    assert.ok(!isErrorCode('MANIFEST_UNKNWN'));
    assert.ok(!isErrorCode('toString'));
    assert.ok(isRegistryErrorCode('BLOB_UPLOAD_INVALID'));
    assert.ok(!isRegistryErrorCode('REFERENCE_INVALID'));
    for (const code of codes.filter(isRegistryErrorCode)) {
      const error = errorFromStatus(400, '', [{ code }], { operation: 'push blob' }, 'registry.test');
      assert.equal(error.code, code);
      assert.ok(categoriesOf(code).includes(error.category), `${code} as ${error.category}`);
    }
  });

  it('keeps a 409 as CONFLICT unless the registry names a conflict of the spec', () => {
    const vendor = errorFromStatus(409, '', [{ code: 'VENDOR_LOCKED' }], { operation: 'push' }, 'r.test');
    assert.equal(vendor.code, 'CONFLICT');
    assert.equal(vendor.category, 'conflict');
    assert.deepEqual(vendor.registryErrors, [{ code: 'VENDOR_LOCKED' }]);
    const upload = errorFromStatus(
      409,
      '',
      [{ code: 'BLOB_UPLOAD_INVALID' }],
      { operation: 'push' },
      'r.test',
    );
    assert.equal(upload.code, 'BLOB_UPLOAD_INVALID');
    assert.equal(upload.category, 'conflict');
  });
});
