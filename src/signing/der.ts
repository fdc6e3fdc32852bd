/**
 * A minimal DER (ASN.1 Distinguished Encoding Rules) encoder and reader: just what building and
 * inspecting X.509 certificates needs (X.690). Encoders return canonical DER; the reader walks
 * tag-length-value elements and refuses indefinite or non-minimal lengths.
 */
import { concatBytes } from '../util/bytes.ts';

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One element: tag, DER length, content. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = concatBytes(content);
  return concatBytes([Uint8Array.of(tag), encodeLength(body.byteLength), body]);
}

export const sequence = (...items: readonly Uint8Array[]): Uint8Array => tlv(TAG.sequence, ...items);
export const set = (...items: readonly Uint8Array[]): Uint8Array => tlv(TAG.set, ...items);
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(TAG.octetString, bytes);
export const nullValue = (): Uint8Array => tlv(TAG.null);
export const booleanValue = (value: boolean): Uint8Array => tlv(TAG.boolean, Uint8Array.of(value ? 0xff : 0));
export const utf8String = (text: string): Uint8Array => tlv(TAG.utf8String, new TextEncoder().encode(text));
export const printableString = (text: string): Uint8Array =>
  tlv(TAG.printableString, new TextEncoder().encode(text));
/** Context-specific constructed tag `[n]` (EXPLICIT). */
export const explicit = (n: number, content: Uint8Array): Uint8Array => tlv(0xa0 | n, content);
/** Context-specific primitive tag `[n]` (IMPLICIT, primitive content). */
export const implicit = (n: number, content: Uint8Array): Uint8Array => tlv(0x80 | n, content);

export function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(TAG.bitString, Uint8Array.of(unusedBits), bytes);
}

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, with a leading 0 when needed). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const minimal = magnitude.subarray(start);
  const body = (minimal[0] ?? 0) >= 0x80 ? concatBytes([Uint8Array.of(0), minimal]) : minimal;
  return tlv(TAG.integer, body.byteLength === 0 ? Uint8Array.of(0) : body);
}

export function smallInteger(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return unsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [];
  for (const part of [first * 40 + second, ...rest]) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift(0x80 | (n & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(TAG.oid, Uint8Array.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds precision, `Z`. */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const tail = `${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) {
    return tlv(TAG.utcTime, new TextEncoder().encode(`${iso.slice(2, 4)}${tail}`));
  }
  return tlv(TAG.generalizedTime, new TextEncoder().encode(`${iso.slice(0, 4)}${tail}`));
}

// ---------------------------------------------------------------------------------------------
// Reader

/** One element read from DER bytes. `bytes` is the whole element (header and content). */
export interface DerElement {
  tag: number;
  /** The complete encoding of this element. */
  bytes: Uint8Array;
  /** The content octets. */
  content: Uint8Array;
}

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** Reads the element starting at `offset`; returns it and the offset after it. */
export function readElement(input: Uint8Array, offset = 0): { element: DerElement; next: number } {
  const tag = input[offset];
  if (tag === undefined) throw new DerError('unexpected end of DER input');
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not supported');
  const first = input[offset + 1];
  if (first === undefined) throw new DerError('unexpected end of DER input');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = input[offset + 2 + i];
      if (byte === undefined) throw new DerError('unexpected end of DER input');
      if (i === 0 && byte === 0) throw new DerError('non-minimal DER length');
      length = length * 256 + byte;
    }
    if (length < 0x80) throw new DerError('non-minimal DER length');
    header += count;
  }
  const end = offset + header + length;
  if (end > input.length) throw new DerError('DER element runs past the end of its input');
  return {
    element: {
      tag,
      bytes: input.subarray(offset, end),
      content: input.subarray(offset + header, end),
    },
    next: end,
  };
}

/** Reads exactly one element spanning all of `input`. */
export function readOne(input: Uint8Array): DerElement {
  const { element, next } = readElement(input, 0);
  if (next !== input.length) throw new DerError('trailing bytes after DER element');
  return element;
}

/** The elements inside a constructed element (SEQUENCE, SET, [n] EXPLICIT). */
export function children(element: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < element.content.length; ) {
    const { element: child, next } = readElement(element.content, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined || element.tag !== tag) {
    throw new DerError(`expected ${what}`);
  }
  return element;
}

export function readOid(element: DerElement): string {
  expectTag(element, TAG.oid, 'OBJECT IDENTIFIER');
  const bytes = element.content;
  if (bytes.length === 0) throw new DerError('empty OBJECT IDENTIFIER');
  const parts: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

export function readBoolean(element: DerElement): boolean {
  expectTag(element, TAG.boolean, 'BOOLEAN');
  return element.content.length === 1 && element.content[0] !== 0;
}

/** A small non-negative INTEGER (pathLenConstraint and the like). */
export function readSmallInteger(element: DerElement): number {
  expectTag(element, TAG.integer, 'INTEGER');
  let value = 0;
  for (const byte of element.content) value = value * 256 + byte;
  if (!Number.isSafeInteger(value)) throw new DerError('INTEGER too large');
  return value;
}

/** The bits of a BIT STRING, bit 0 being the most significant bit of the first content byte. */
export function readBits(element: DerElement): boolean[] {
  expectTag(element, TAG.bitString, 'BIT STRING');
  const unused = element.content[0] ?? 0;
  const data = element.content.subarray(1);
  const bits: boolean[] = [];
  for (let i = 0; i < data.length * 8 - unused; i++) {
    bits.push((((data[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) === 1);
  }
  return bits;
}
