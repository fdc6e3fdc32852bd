import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorCodesSection, exitColumn, README_PATH, readmeSection } from '../../../scripts/error-codes.ts';
import { categoriesOf, ERROR_CATALOGUE, type ErrorCode, isErrorCode } from '../../../src/errors/catalogue.ts';
import { EXIT_CODES } from '../../../src/errors/categories.ts';

const readme = readFileSync(README_PATH, 'utf8');

describe('README error codes', () => {
  it('lists exactly the catalogue codes with their exit codes', () => {
    const section = readmeSection(readme);
    assert.ok(section !== undefined, 'README.md has the error-code markers');
    const rows = new Map<string, string>();
    for (const match of section.matchAll(/^\| `([A-Z0-9_]+)` +\| ([^|]+?) +\|/gm))
      rows.set(match[1]!, match[2]!);
    const listed = [...rows.keys()].sort();
    const catalogued = Object.keys(ERROR_CATALOGUE).sort();
    assert.deepEqual(
      listed.filter((c) => !isErrorCode(c)),
      [],
      'README lists codes the catalogue does not have',
    );
    assert.deepEqual(
      catalogued.filter((c) => !rows.has(c)),
      [],
      'README lacks codes of the catalogue',
    );
    for (const [code, exit] of rows) {
      const first = Number.parseInt(exit, 10);
      assert.equal(first, EXIT_CODES[categoriesOf(code as ErrorCode)[0]!], code);
      assert.equal(exit, exitColumn(code as ErrorCode), code);
    }
  });

  it('is the section scripts/error-codes.ts makes (run it with --write after changing the catalogue)', () => {
    assert.equal(readmeSection(readme), errorCodesSection());
  });
});
