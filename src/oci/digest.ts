/** Content digests (`algorithm:hex`): parsing, computing and verifying, sha256 and sha512. */
import { createHash, type Hash } from 'node:crypto';
import { integrityError, usageError } from '../errors/errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };
const DIGEST_PATTERN = /^(sha256|sha512):([a-f0-9]+)$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

/** Parses `sha256:<64 hex>` or `sha512:<128 hex>`; undefined if it is not one. */
export function tryParseDigest(digest: string): ParsedDigest | undefined {
  const match = DIGEST_PATTERN.exec(digest);
  if (!match) return undefined;
  const algorithm = match[1] as DigestAlgorithm;
  const hex = match[2]!;
  return hex.length === HEX_LENGTH[algorithm] ? { algorithm, hex } : undefined;
}

export function isDigest(value: string): boolean {
  return tryParseDigest(value) !== undefined;
}

export function parseDigest(digest: string): ParsedDigest {
  const parsed = tryParseDigest(digest);
  if (!parsed) {
    throw usageError(
      'DIGEST_INVALID',
      `invalid digest "${digest}"`,
      'A digest is sha256:<64 lower-case hex digits> or sha512:<128 lower-case hex digits>.',
    );
  }
  return parsed;
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

/** Incremental digest check of content that should have `expected` digest and `size` bytes. */
export class DigestVerifier {
  readonly expected: string;
  readonly expectedSize: number | undefined;
  readonly #hash: Hash;
  readonly #algorithm: DigestAlgorithm;
  #size = 0;

  constructor(expected: string, expectedSize?: number) {
    this.#algorithm = parseDigest(expected).algorithm;
    this.expected = expected;
    this.expectedSize = expectedSize;
    this.#hash = createHash(this.#algorithm);
  }

  get size(): number {
    return this.#size;
  }

  update(chunk: Uint8Array): void {
    this.#size += chunk.byteLength;
    if (this.expectedSize !== undefined && this.#size > this.expectedSize) {
      throw integrityError(
        'SIZE_MISMATCH',
        `content of ${this.expected} is larger than its descriptor says (${this.expectedSize} bytes)`,
        'The registry returned different content than was stored; do not trust it.',
      );
    }
    this.#hash.update(chunk);
  }

  /** Throws an integrity error unless everything seen so far matches the expected digest and size. */
  verify(): void {
    if (this.expectedSize !== undefined && this.#size !== this.expectedSize) {
      throw integrityError(
        'SIZE_MISMATCH',
        `content of ${this.expected} has ${this.#size} bytes, its descriptor says ${this.expectedSize}`,
        'The content was truncated or replaced; do not trust it.',
      );
    }
    const actual = `${this.#algorithm}:${this.#hash.digest('hex')}`;
    if (actual !== this.expected) {
      throw integrityError(
        'DIGEST_MISMATCH',
        `digest mismatch: expected ${this.expected}, got ${actual}`,
        'The content was modified or corrupted in storage or transit; do not trust it.',
      );
    }
  }
}

/** Throws an integrity error unless `bytes` has digest `expected` (and `expectedSize`, if given). */
export function verifyBytes(bytes: Uint8Array, expected: string, expectedSize?: number): void {
  const verifier = new DigestVerifier(expected, expectedSize);
  verifier.update(bytes);
  verifier.verify();
}

/** Passes chunks through, throwing an integrity error at the end (or early on overflow) on mismatch. */
export async function* verifyStream(
  source: AsyncIterable<Uint8Array>,
  expected: string,
  expectedSize?: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  const verifier = new DigestVerifier(expected, expectedSize);
  for await (const chunk of source) {
    verifier.update(chunk);
    yield chunk;
  }
  verifier.verify();
}
