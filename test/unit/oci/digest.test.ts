import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import {
  DigestVerifier,
  digestOf,
  isDigest,
  parseDigest,
  tryParseDigest,
  verifyBytes,
  verifyStream,
} from '../../../src/oci/digest.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

// Known answers (FIPS 180-2 "abc", and the empty string).
const ABC_SHA256 = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_SHA512 =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA512 =
  'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

describe('parseDigest / tryParseDigest / isDigest', () => {
  const valid: [string, string, string][] = [
    [ABC_SHA256, 'sha256', ABC_SHA256.slice(7)],
    [ABC_SHA512, 'sha512', ABC_SHA512.slice(7)],
    [`sha256:${'0'.repeat(64)}`, 'sha256', '0'.repeat(64)],
  ];
  for (const [digest, algorithm, hex] of valid) {
    it(`parses ${digest.slice(0, 20)}…`, () => {
      assert.deepEqual(parseDigest(digest), { algorithm, hex });
      assert.deepEqual(tryParseDigest(digest), { algorithm, hex });
      assert.equal(isDigest(digest), true);
    });
  }
  const invalid: string[] = [
    '',
    'sha256',
    'sha256:',
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'A'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `sha384:${'a'.repeat(96)}`,
    `SHA256:${'a'.repeat(64)}`,
    `md5:${'a'.repeat(32)}`,
    'a'.repeat(64),
    ` ${ABC_SHA256}`,
    `${ABC_SHA256}\n`,
    `sha256:${'a'.repeat(64)}:x`,
  ];
  for (const digest of invalid) {
    it(`rejects ${JSON.stringify(digest.slice(0, 24))}`, () => {
      assert.equal(tryParseDigest(digest), undefined);
      assert.equal(isDigest(digest), false);
      assert.throws(
        () => parseDigest(digest),
        (error: unknown) => {
          assert.ok(isManifestoError(error));
          assert.equal(error.code, 'DIGEST_INVALID');
          assert.equal(error.category, 'usage');
          assert.equal(error.message, `invalid digest "${digest}"`);
          assert.match(error.hint ?? '', /sha256:<64 lower-case hex digits>/);
          return true;
        },
      );
    });
  }
});

describe('digestOf', () => {
  const cases: [string, 'sha256' | 'sha512' | undefined, string][] = [
    ['abc', undefined, ABC_SHA256],
    ['abc', 'sha256', ABC_SHA256],
    ['abc', 'sha512', ABC_SHA512],
    ['', 'sha256', EMPTY_SHA256],
    ['', 'sha512', EMPTY_SHA512],
    ['{}', 'sha256', 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'],
  ];
  for (const [text, algorithm, expected] of cases) {
    it(`${algorithm ?? 'default'} of ${JSON.stringify(text)}`, () => {
      assert.equal(
        algorithm === undefined ? digestOf(bytes(text)) : digestOf(bytes(text), algorithm),
        expected,
      );
    });
  }
});

interface VerifyFailure {
  name: string;
  content: string;
  expected: string;
  size?: number;
  code: string;
  message: string;
}

const failures: VerifyFailure[] = [
  {
    name: 'different content',
    content: 'abd',
    expected: ABC_SHA256,
    code: 'DIGEST_MISMATCH',
    message: `digest mismatch: expected ${ABC_SHA256}, got ${digestOf(bytes('abd'))}`,
  },
  {
    name: 'different content, sha512',
    content: 'abd',
    expected: ABC_SHA512,
    code: 'DIGEST_MISMATCH',
    message: `digest mismatch: expected ${ABC_SHA512}, got ${digestOf(bytes('abd'), 'sha512')}`,
  },
  {
    name: 'same size, different content',
    content: 'abd',
    expected: ABC_SHA256,
    size: 3,
    code: 'DIGEST_MISMATCH',
    message: `digest mismatch: expected ${ABC_SHA256}, got ${digestOf(bytes('abd'))}`,
  },
  {
    name: 'truncated',
    content: 'ab',
    expected: ABC_SHA256,
    size: 3,
    code: 'SIZE_MISMATCH',
    message: `content of ${ABC_SHA256} has 2 bytes, its descriptor says 3`,
  },
  {
    name: 'too long',
    content: 'abcd',
    expected: ABC_SHA256,
    size: 3,
    code: 'SIZE_MISMATCH',
    message: `content of ${ABC_SHA256} is larger than its descriptor says (3 bytes)`,
  },
  {
    name: 'right content, wrong size in descriptor',
    content: 'abc',
    expected: ABC_SHA256,
    size: 4,
    code: 'SIZE_MISMATCH',
    message: `content of ${ABC_SHA256} has 3 bytes, its descriptor says 4`,
  },
];

function assertIntegrity(error: unknown, failure: VerifyFailure): true {
  assert.ok(isManifestoError(error));
  assert.equal(error.code, failure.code);
  assert.equal(error.category, 'integrity');
  assert.equal(error.message, failure.message);
  assert.match(error.hint ?? '', /do not trust it/);
  return true;
}

describe('verifyBytes', () => {
  const ok: [string, string, number | undefined][] = [
    ['abc', ABC_SHA256, undefined],
    ['abc', ABC_SHA256, 3],
    ['abc', ABC_SHA512, 3],
    ['', EMPTY_SHA256, 0],
    ['', EMPTY_SHA512, undefined],
  ];
  for (const [text, expected, size] of ok) {
    it(`accepts ${JSON.stringify(text)} as ${expected.slice(0, 14)}… (size ${size})`, () => {
      assert.doesNotThrow(() => verifyBytes(bytes(text), expected, size));
    });
  }
  for (const failure of failures) {
    it(`rejects ${failure.name}`, () => {
      assert.throws(
        () => verifyBytes(bytes(failure.content), failure.expected, failure.size),
        (error: unknown) => assertIntegrity(error, failure),
      );
    });
  }
  it('rejects an invalid expected digest as a usage error', () => {
    assert.throws(() => verifyBytes(bytes('abc'), 'sha256:abc'), {
      code: 'DIGEST_INVALID',
      category: 'usage',
    });
  });
});

async function* chunks(text: string, chunkSize: number): AsyncGenerator<Uint8Array> {
  const all = bytes(text);
  for (let i = 0; i < all.length; i += chunkSize) yield all.subarray(i, i + chunkSize);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<{ data: string; chunks: number }> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return { data: Buffer.concat(parts).toString('utf8'), chunks: parts.length };
}

describe('verifyStream', () => {
  const text = 'The quick brown fox jumps over the lazy dog';
  const digest256 = digestOf(bytes(text));
  const digest512 = digestOf(bytes(text), 'sha512');

  for (const chunkSize of [1, 7, 43, 1000]) {
    it(`passes matching content through in chunks of ${chunkSize}`, async () => {
      const result = await collect(verifyStream(chunks(text, chunkSize), digest256, text.length));
      assert.equal(result.data, text);
      assert.equal(result.chunks, Math.ceil(text.length / chunkSize));
    });
  }
  it('verifies sha512 without a size', async () => {
    assert.equal((await collect(verifyStream(chunks(text, 5), digest512))).data, text);
  });
  it('verifies an empty stream', async () => {
    assert.equal((await collect(verifyStream(chunks('', 1), EMPTY_SHA256, 0))).data, '');
  });

  for (const failure of failures) {
    it(`rejects ${failure.name} at the end of the stream`, async () => {
      await assert.rejects(
        collect(verifyStream(chunks(failure.content, 1), failure.expected, failure.size)),
        (error: unknown) => assertIntegrity(error, failure),
      );
    });
  }

  it('fails as soon as the stream overflows its size, before passing on the extra bytes', async () => {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of verifyStream(chunks('abcdef', 2), ABC_SHA256, 3)) {
          seen.push(Buffer.from(part).toString('utf8'));
        }
      })(),
      { code: 'SIZE_MISMATCH' },
    );
    assert.deepEqual(seen, ['ab']);
  });

  it('reports a truncated stream only after the source ends', async () => {
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of verifyStream(chunks(text.slice(0, 20), 10), digest256, text.length)) {
          seen.push(Buffer.from(part).toString('utf8'));
        }
      })(),
      { code: 'SIZE_MISMATCH', message: `content of ${digest256} has 20 bytes, its descriptor says 43` },
    );
    assert.deepEqual(seen, [text.slice(0, 10), text.slice(10, 20)]);
  });

  it('propagates a source error', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes('ab');
      throw new Error('connection reset');
    }
    await assert.rejects(collect(verifyStream(broken(), ABC_SHA256, 3)), { message: 'connection reset' });
  });
});

describe('DigestVerifier', () => {
  it('tracks size and verifies incrementally', () => {
    const verifier = new DigestVerifier(ABC_SHA256, 3);
    verifier.update(bytes('a'));
    verifier.update(bytes('bc'));
    assert.equal(verifier.size, 3);
    assert.equal(verifier.expected, ABC_SHA256);
    assert.equal(verifier.expectedSize, 3);
    assert.doesNotThrow(() => verifier.verify());
  });
  it('rejects an invalid expected digest', () => {
    assert.throws(() => new DigestVerifier('md5:abc'), {
      code: 'DIGEST_INVALID',
      message: 'invalid digest "md5:abc"',
    });
  });
});
