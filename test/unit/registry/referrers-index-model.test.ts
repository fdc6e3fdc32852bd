// The pure parts of the tag-schema writer: the index model (referrers-index-model.ts), the timing rules
// (tag-schema-timing.ts) and the per-transport record (registry-quirks.ts). No I/O, no clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { errorFromStatus } from '../../../src/registry/http/response-errors.ts';
import {
  changeParts,
  combine,
  describeChange,
  digestsReportedMissing,
  indexEntry,
  mergeChange,
  oversizeIndex,
  reflectsListed,
  serializeIndex,
} from '../../../src/registry/referrers-index-model.ts';
import { describeQuirks, registryQuirks } from '../../../src/registry/registry-quirks.ts';
import { rememberedLatency, rememberLatency, timingRules } from '../../../src/registry/tag-schema-timing.ts';

function descriptor(label: string, extra: Partial<Descriptor> = {}): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: digestOf(new TextEncoder().encode(label)),
    size: label.length,
    ...extra,
  };
}

describe('referrers index model', () => {
  it('changeParts: the adds and removes of each kind of change', () => {
    const a = descriptor('a');
    assert.deepEqual(changeParts({ kind: 'add', descriptor: a }), { add: [a], remove: [] });
    assert.deepEqual(changeParts({ kind: 'remove', digests: ['x'] }), { add: [], remove: ['x'] });
    assert.deepEqual(changeParts({ kind: 'batch', add: [a], remove: ['y'] }), { add: [a], remove: ['y'] });
  });

  it('indexEntry keeps mediaType, digest, size, artifactType and non-empty annotations only', () => {
    const full = descriptor('a', {
      artifactType: 'application/vnd.example',
      annotations: { k: 'v' },
      urls: ['https://example.com'],
      platform: { architecture: 'amd64', os: 'linux' },
    });
    assert.deepEqual(indexEntry(full), {
      mediaType: full.mediaType,
      digest: full.digest,
      size: full.size,
      artifactType: 'application/vnd.example',
      annotations: { k: 'v' },
    });
    assert.deepEqual(Object.keys(indexEntry(descriptor('b', { annotations: {} }))), [
      'mediaType',
      'digest',
      'size',
    ]);
  });

  it('serializeIndex writes the same bytes for the same entries (digests comparable across writers)', () => {
    const [a, b] = [descriptor('a'), descriptor('b')];
    const bytes = serializeIndex([a, b]);
    assert.deepEqual(bytes, serializeIndex([{ ...a }, { ...b }]));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [a, b],
    });
    assert.notEqual(digestOf(bytes), digestOf(serializeIndex([b, a])), 'order is part of the content');
  });

  it('a batch merge keeps order, drops removed digests, appends new adds once', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((l) => descriptor(l)) as [
      Descriptor,
      Descriptor,
      Descriptor,
      Descriptor,
    ];
    const merged = mergeChange([a, b, c], { kind: 'batch', add: [d, a, d], remove: [b.digest] });
    assert.deepEqual(
      merged.map((x) => x.digest),
      [a.digest, c.digest, d.digest],
    );
  });

  it('reflectsListed: every add listed and no remove listed', () => {
    const [a, b] = [descriptor('a'), descriptor('b')];
    const listed = new Set([a.digest]);
    assert.ok(reflectsListed(listed, { kind: 'batch', add: [a], remove: [b.digest] }));
    assert.ok(!reflectsListed(listed, { kind: 'batch', add: [a, b], remove: [] }));
    assert.ok(!reflectsListed(listed, { kind: 'batch', add: [], remove: [a.digest] }));
  });

  it('combine: the last change of a digest wins, in arrival order', () => {
    const [a, b] = [descriptor('a'), descriptor('b')];
    assert.deepEqual(
      combine([
        { kind: 'remove', digests: [a.digest] },
        { kind: 'add', descriptor: a },
        { kind: 'add', descriptor: b },
        { kind: 'remove', digests: [b.digest] },
      ]),
      { kind: 'batch', add: [a], remove: [b.digest] },
    );
  });

  it('oversizeIndex refuses only growth past the limit, never a removal', () => {
    const entries = Array.from({ length: 20 }, (_, i) => descriptor(`v${i}`));
    const add = { kind: 'add', descriptor: descriptor('new') } as const;
    const merged = mergeChange(entries, add);
    const size = serializeIndex(merged).byteLength;
    assert.equal(oversizeIndex(entries, merged, add, size), undefined, 'exactly at the limit fits');
    assert.equal(oversizeIndex(entries, merged, add, size - 1), size);
    const remove = { kind: 'remove', digests: [entries[0]!.digest] } as const;
    assert.equal(oversizeIndex(entries, mergeChange(entries, remove), remove, 10), undefined);
    // An add already listed does not grow the index: not refused even over the limit.
    const again = { kind: 'add', descriptor: entries[0]! } as const;
    assert.equal(oversizeIndex(entries, mergeChange(entries, again), again, 10), undefined);
  });

  it('digestsReportedMissing reads the digests of a rejected index write, and nothing else', () => {
    const gone = descriptor('gone').digest;
    const rejected = errorFromStatus(
      400,
      'Bad Request',
      [{ code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: gone }],
      { operation: 'push manifest' },
      'reg.example',
    );
    assert.deepEqual([...digestsReportedMissing(rejected)], [gone]);
    const inMessage = errorFromStatus(
      404,
      'Not Found',
      [{ code: 'MANIFEST_UNKNOWN', message: `manifest unknown: ${gone}`, detail: { Tag: 'x' } }],
      { operation: 'push manifest' },
      'reg.example',
    );
    assert.deepEqual([...digestsReportedMissing(inMessage)], [gone]);
    const other = errorFromStatus(
      400,
      'Bad Request',
      [{ code: 'MANIFEST_INVALID', detail: gone }],
      { operation: 'push manifest' },
      'reg.example',
    );
    assert.equal(digestsReportedMissing(other).size, 0);
    assert.equal(digestsReportedMissing(new Error(gone)).size, 0);
  });

  it('describeChange words each kind of change for messages', () => {
    const a = descriptor('a');
    assert.equal(describeChange({ kind: 'add', descriptor: a }), `adding ${a.digest} to`);
    assert.equal(describeChange({ kind: 'remove', digests: [a.digest] }), `removing ${a.digest} from`);
    assert.equal(describeChange({ kind: 'remove', digests: ['x', 'y'] }), 'removing 2 referrers from');
    assert.equal(
      describeChange({ kind: 'batch', add: [a], remove: ['x', 'y'] }),
      'adding 1 and removing 2 referrers in',
    );
  });
});

describe('tag-schema timing rules', () => {
  it('defaults: read age 125 ms, settle 250 ms on a responsive registry; both grow with latency', () => {
    const rules = timingRules({});
    assert.equal(rules.maxReadAge(0), 125);
    assert.equal(rules.settle(0), 250);
    assert.equal(rules.settle(20), 250, 'W + 3L = 185 < 250');
    // L = 100: W = max(125, 200) = 200, S = max(250, 200 + 300) = 500.
    assert.equal(rules.maxReadAge(100), 200);
    assert.equal(rules.settle(100), 500);
    assert.equal(rules.maxWrites, 20);
    assert.equal(rules.maxObservations, 60);
    assert.equal(rules.jitterMs, 100);
  });

  it('settleMs sets the read age to half of it unless given; backoff doubles per write up to 2 s', () => {
    const rules = timingRules({ settleMs: 1000, jitterMs: 50 });
    assert.equal(rules.maxReadAge(0), 500);
    assert.equal(rules.settle(0), 1000);
    assert.equal(timingRules({ settleMs: 1000, maxReadAgeMs: 10 }).maxReadAge(0), 10);
    assert.deepEqual(
      [0, 1, 2, 3, 7, 20].map((w) => rules.backoff(w)),
      [50, 50, 100, 200, 2000, 2000],
    );
  });

  it('remembers the slowest recent request per registry, halving every 10 s', () => {
    const quirks = registryQuirks({ registry: 'timing.example' });
    assert.equal(rememberedLatency(quirks, 0), 0);
    rememberLatency(quirks, 80, 1000);
    rememberLatency(quirks, 20, 1000);
    assert.equal(rememberedLatency(quirks, 1000), 80, 'a faster request does not lower it');
    assert.equal(rememberedLatency(quirks, 11_000), 40);
    rememberLatency(quirks, 50, 11_000);
    assert.equal(rememberedLatency(quirks, 11_000), 50, 'a slower one than the decayed memory replaces it');
  });
});

describe('registry record', () => {
  it('is one record per transport, and describes what is known and what was never tried', () => {
    const transport = { registry: 'reg.example:5000' };
    const record = registryQuirks(transport);
    assert.equal(registryQuirks(transport), record);
    assert.notEqual(registryQuirks({ registry: 'reg.example:5000' }), record, 'another transport');
    assert.equal(
      describeQuirks(record, 0),
      'registry reg.example:5000: blob upload monolithic POST unknown, streamed PUT unknown; manifest DELETE not refused; If-Match sent when an ETag is known; slowest recent index request none; tag-schema index updates 0 (0 running)',
    );
    record.upload.monolithicPost = false;
    record.upload.streamedPut = false;
    record.deletesRefused = true;
    record.conditionalWritesBroken = true;
    rememberLatency(record, 12.4, 100);
    assert.equal(
      describeQuirks(record, 1100),
      'registry reg.example:5000: blob upload monolithic POST no, streamed PUT no (chunked); manifest DELETE refused (405); If-Match ignored (412 to fresh writes); slowest recent index request 12 ms 1000 ms ago; tag-schema index updates 0 (0 running)',
    );
  });
});
