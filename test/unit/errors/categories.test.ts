import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ERROR_CATEGORIES,
  type ErrorCategory,
  EXIT_CODES,
  exitCodeFor,
  httpStatusFor,
} from '../../../src/errors/categories.ts';
import { ManifestoError } from '../../../src/errors/errors.ts';

// The documented mappings (README "Exit codes"; the server's HTTP statuses, categories.ts).
const EXPECTED: Readonly<Record<ErrorCategory, { exit: number; http: number }>> = {
  internal: { exit: 1, http: 500 },
  usage: { exit: 2, http: 400 },
  'not-found': { exit: 3, http: 404 },
  auth: { exit: 4, http: 403 },
  conflict: { exit: 5, http: 409 },
  unavailable: { exit: 6, http: 503 },
  integrity: { exit: 7, http: 502 },
  ambiguous: { exit: 8, http: 422 },
  verification: { exit: 9, http: 422 },
  denied: { exit: 10, http: 403 },
  partial: { exit: 11, http: 207 },
  unsupported: { exit: 12, http: 501 },
};

describe('error categories', () => {
  it('maps every category to its exit code and HTTP status', () => {
    assert.deepEqual([...ERROR_CATEGORIES].sort(), Object.keys(EXPECTED).sort());
    for (const category of ERROR_CATEGORIES) {
      assert.equal(exitCodeFor(category), EXPECTED[category].exit, category);
      assert.equal(httpStatusFor(category), EXPECTED[category].http, category);
    }
  });

  it('gives each category its own exit code, 1 to 12 in order', () => {
    assert.deepEqual(
      ERROR_CATEGORIES.map((c) => EXIT_CODES[c]),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
  });

  it('answers an error with a 4xx when the caller can act, a 5xx when the upstream or manifesto failed', () => {
    const callerCan: ErrorCategory[] = [
      'usage',
      'not-found',
      'auth',
      'conflict',
      'ambiguous',
      'verification',
      'denied',
    ];
    for (const category of ERROR_CATEGORIES) {
      const status = httpStatusFor(category);
      if (category === 'partial') assert.equal(status, 207);
      else if (callerCan.includes(category))
        assert.ok(status >= 400 && status < 500, `${category}: ${status}`);
      else assert.ok(status >= 500 && status < 600, `${category}: ${status}`);
    }
  });

  it('gives a ManifestoError the exit code and HTTP status of its category', () => {
    const error = new ManifestoError('REGISTRY_TIMEOUT', 'request to r.test timed out');
    assert.equal(error.exitCode, 6);
    assert.equal(error.httpStatus, 503);
  });
});
