/** Helpers for the kinds' tests: fixtures, mutated copies, and checks of KIND_INVALID errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KindInvalidError } from '../../../src/kinds/kind.ts';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/kinds');
export const IMAGE_DIGEST = 'sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d';

export function fixture(name: string): Uint8Array {
  return readFileSync(join(FIXTURES, name));
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

export function bytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A deep copy of a fixture, changed by `edit`, as bytes. */
export function mutated(name: string, edit: (document: Record<string, unknown>) => void): Uint8Array {
  const document = fixtureJson(name);
  edit(document);
  return bytes(document);
}

/** Walks plain JSON with keys and indexes, for tests that edit fixtures. */
export function at(document: unknown, ...keys: (string | number)[]): Record<string, unknown> {
  let current = document;
  for (const key of keys) current = (current as Record<string | number, unknown>)[key];
  return current as Record<string, unknown>;
}

export interface Expected {
  kind: string;
  format?: string | undefined;
  pointer: string;
  message: string | RegExp;
}

/** Asserts that `run` throws KIND_INVALID (category usage) for the given field. */
export function assertInvalid(run: () => unknown, expected: Expected): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KindInvalidError, `expected KindInvalidError, got ${String(error)}`);
    assert.equal(error.code, 'KIND_INVALID');
    assert.equal(error.category, 'usage');
    assert.equal(error.exitCode, 2);
    assert.equal(error.kind, expected.kind);
    assert.equal(error.format, expected.format);
    assert.equal(error.pointer, expected.pointer);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
    else assert.match(error.message, expected.message);
    assert.ok(error.hint !== undefined && error.hint.length > 0);
    return true;
  });
}
