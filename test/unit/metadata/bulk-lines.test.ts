// The `put --from` / `list --from` line formats: every line checked (valibot) before any request,
// a bad line named by its number and the field at fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBulkList, parseBulkPut } from '../../../src/metadata/bulk/lines.ts';

const line = (fields: Record<string, unknown>) => JSON.stringify(fields);
const ok = { image: 'registry.example.com/app:v1', type: 'notes', file: 'notes.txt' };

function rejects(text: string, message: RegExp) {
  assert.throws(
    () => parseBulkPut(text, 'ops.jsonl'),
    (error: Error & { code?: string; category?: string }) => {
      assert.equal(error.code, 'BULK_LINE_INVALID');
      assert.equal(error.category, 'usage');
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('bulk lines', () => {
  it('parses operations with their line numbers, skipping blank lines and comments', () => {
    const items = parseBulkPut(
      [
        '# ops',
        line(ok),
        '',
        line({ ...ok, annotations: { 'org.example.k': 'v' }, platform: 'linux/arm64', author: 'a@b' }),
      ].join('\n'),
      'ops.jsonl',
    );
    assert.equal(items.length, 2);
    assert.equal(items[0]!.line, 2);
    assert.equal(items[0]!.platform, undefined);
    assert.equal(items[1]!.line, 4);
    assert.deepEqual(items[1]!.annotations, { 'org.example.k': 'v' });
    assert.equal(items[1]!.platform?.architecture, 'arm64');
    assert.equal(items[1]!.author, 'a@b');
  });

  it('names the line and the field at fault', () => {
    rejects(`${line(ok)}\n{"image": "broken"`, /^ops\.jsonl line 2: not valid JSON/);
    rejects('[1]', /^ops\.jsonl line 1: expected a JSON object/);
    rejects(line({ image: ok.image, type: 'notes' }), /^ops\.jsonl line 1: \/file is required/);
    rejects(line({ ...ok, extra: 1 }), /^ops\.jsonl line 1: \/extra is not a known field/);
    rejects(line({ ...ok, author: 7 }), /^ops\.jsonl line 1: \/author must be a string \(got 7\)/);
    rejects(line({ ...ok, annotations: { k: 1 } }), /^ops\.jsonl line 1: \/annotations\/k must be a string/);
    rejects(line({ ...ok, annotations: 'k=v' }), /^ops\.jsonl line 1: \/annotations must be an object/);
    rejects(line({ ...ok, type: 'Not A Type' }), /^ops\.jsonl line 1: .*type/i);
    rejects(line({ ...ok, image: 'UPPER/Case:@@' }), /^ops\.jsonl line 1: /);
    rejects(line({ ...ok, platform: 'not a platform' }), /^ops\.jsonl line 1: /);
  });

  it('refuses a file without operations', () => {
    assert.throws(() => parseBulkPut('# nothing\n\n', 'ops.jsonl'), { code: 'BULK_EMPTY' });
    assert.throws(() => parseBulkList('\n', 'refs.txt'), { code: 'BULK_EMPTY' });
  });

  it('list --from: one reference per line, a bad one named by its line', () => {
    const items = parseBulkList(
      `a.example.com/x:1\n\n# c\nb.example.com/y@sha256:${'0'.repeat(64)}`,
      'refs.txt',
    );
    assert.deepEqual(
      items.map((i) => i.line),
      [1, 4],
    );
    assert.throws(() => parseBulkList('ok.example.com/x:1\nBAD REF', 'refs.txt'), /refs\.txt line 2: /);
  });
});
