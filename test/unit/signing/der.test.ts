import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bitString,
  booleanValue,
  children,
  DerError,
  oid,
  readBits,
  readBoolean,
  readElement,
  readOid,
  readOne,
  readSmallInteger,
  sequence,
  smallInteger,
  TAG,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from '../../../src/signing/der.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('DER', () => {
  it('encodes lengths in short and long form', () => {
    assert.equal(hex(tlv(0x04, new Uint8Array(3))), '0403000000');
    assert.equal(hex(tlv(0x04, new Uint8Array(0x80))).slice(0, 6), '048180');
    assert.equal(hex(tlv(0x04, new Uint8Array(0x123))).slice(0, 8), '04820123');
    const big = tlv(0x04, new Uint8Array(70_000));
    assert.equal(readOne(big).content.length, 70_000);
  });

  it('encodes OIDs (RFC 5280 examples) and reads them back', () => {
    assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.equal(hex(oid('2.5.29.19')), '0603551d13');
    for (const id of ['1.3.6.1.5.5.7.3.3', '1.3.101.112', '2.5.4.3', '1.2.840.113549.1.1.11', '2.999.3']) {
      assert.equal(readOid(readOne(oid(id))), id);
    }
  });

  it('encodes minimal non-negative integers', () => {
    assert.equal(hex(smallInteger(0)), '020100');
    assert.equal(hex(smallInteger(2)), '020102');
    assert.equal(hex(smallInteger(128)), '02020080');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x7f))), '02017f');
    assert.equal(hex(unsignedInteger(Uint8Array.of(0xff))), '020200ff');
    assert.equal(readSmallInteger(readOne(smallInteger(300))), 300);
  });

  it('encodes UTCTime before 2050 and GeneralizedTime from 2050', () => {
    assert.equal(
      Buffer.from(readOne(time(new Date('2026-11-23T06:24:52.999Z'))).content).toString(),
      '261123062452Z',
    );
    const late = readOne(time(new Date('2051-01-02T03:04:05Z')));
    assert.equal(late.tag, TAG.generalizedTime);
    assert.equal(Buffer.from(late.content).toString(), '20510102030405Z');
  });

  it('reads nested structures, booleans and bit strings', () => {
    const encoded = sequence(booleanValue(true), bitString(Uint8Array.of(0x86), 1), utf8String('é'));
    const [flag, bits, text] = children(readOne(encoded));
    assert.equal(readBoolean(flag!), true);
    assert.deepEqual(readBits(bits!), [true, false, false, false, false, true, true]);
    assert.equal(Buffer.from(text!.content).toString('utf8'), 'é');
    assert.equal(hex(booleanValue(false)), '010100');
  });

  it('rejects truncated, non-minimal and trailing input', () => {
    assert.throws(() => readOne(Uint8Array.of(0x30, 0x05, 0x01)), DerError);
    assert.throws(() => readOne(Uint8Array.of(0x04, 0x81, 0x05, 1, 2, 3, 4, 5)), /non-minimal/);
    assert.throws(() => readOne(Uint8Array.of(0x04, 0x80)), /unsupported DER length/);
    assert.throws(() => readOne(Uint8Array.of(0x05, 0x00, 0x00)), /trailing/);
    assert.throws(() => readElement(new Uint8Array(), 0), /end of DER input/);
    assert.throws(() => readOid(readOne(utf8String('x'))), /OBJECT IDENTIFIER/);
  });
});
