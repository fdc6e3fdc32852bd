import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPageUrl } from '../../../src/registry/link-header.ts';
import { listTags } from '../../../src/registry/tags.ts';
import { FakeTransport, json } from './fake-transport.ts';

const ALL = ['v3', 'a', 'v10', 'b', 'latest'];
const SORTED = [...ALL].sort();

/** Registries' three behaviours: ignore n/last (distribution 2.8), honour without Link (ggcr), spec. */
function registry(kind: 'ignores' | 'no-link' | 'spec') {
  return new FakeTransport().on('GET', /\/tags\/list/, (_request, url) => {
    if (kind === 'ignores') return json({ name: 'app', tags: ALL });
    const n = Number(url.searchParams.get('n') ?? '1000');
    const last = url.searchParams.get('last');
    const rest = SORTED.filter((t) => last === null || t > last);
    const page = rest.slice(0, n);
    const more = rest.length > n;
    const headers: Record<string, string> =
      kind === 'spec' && more
        ? { Link: `</v2/app/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1)!)}>; rel="next"` }
        : {};
    return json({ name: 'app', tags: page }, 200, headers);
  });
}

async function allPages(transport: FakeTransport, limit: number): Promise<string[]> {
  const out: string[] = [];
  let last: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await listTags({ transport, repository: 'app' }, { limit, last });
    assert.ok(page.tags.length <= limit);
    out.push(...page.tags);
    if (page.next === undefined) return out;
    last = page.next;
  }
  throw new Error('did not end');
}

describe('tag listing', () => {
  for (const kind of ['ignores', 'no-link', 'spec'] as const) {
    it(`pages lexically over a registry that ${kind === 'ignores' ? 'ignores n and last' : kind === 'no-link' ? 'sends no Link header' : 'follows the spec'}`, async () => {
      for (const limit of [1, 2, 3, 5, 7]) {
        assert.deepEqual(await allPages(registry(kind), limit), SORTED, `limit ${limit}`);
      }
      const everything = await listTags({ transport: registry(kind), repository: 'app' });
      assert.deepEqual(everything.tags, SORTED);
      assert.equal(everything.next, undefined);
      const after = await listTags({ transport: registry(kind), repository: 'app' }, { last: 'latest' });
      assert.deepEqual(after.tags, ['v10', 'v3']);
    });
  }

  it('follows Link headers when listing everything', async () => {
    const transport = new FakeTransport()
      .on('GET', /page=2/, () => json({ tags: ['c', 'd'] }))
      .on('GET', /\/tags\/list$/, () =>
        json({ tags: ['a', 'b'] }, 200, { Link: '</v2/app/tags/list?page=2>; rel="next"' }),
      );
    assert.deepEqual((await listTags({ transport, repository: 'app' })).tags, ['a', 'b', 'c', 'd']);
  });

  it('reads "tags": null and a missing repository as no tags', async () => {
    const empty = new FakeTransport().on('GET', /tags/, () => json({ name: 'app', tags: null }));
    assert.deepEqual((await listTags({ transport: empty, repository: 'app' })).tags, []);
    const missing = new FakeTransport().on('GET', /tags/, () =>
      json({ errors: [{ code: 'NAME_UNKNOWN' }] }, 404),
    );
    assert.deepEqual((await listTags({ transport: missing, repository: 'app' })).tags, []);
  });
});

describe('Link header', () => {
  const res = (link: string) => new Response(null, { headers: { Link: link } });
  it('finds rel="next" among several links, resolving relative URLs', () => {
    assert.equal(
      nextPageUrl(
        res('<https://r.example/a>; rel="prev", </v2/x/tags/list?n=2&last=b>; rel="next"'),
        'https://r.example/v2/x/tags/list?n=2',
      ),
      'https://r.example/v2/x/tags/list?n=2&last=b',
    );
    assert.equal(nextPageUrl(res('</p2>; rel=next'), 'http://h/x'), 'http://h/p2');
    assert.equal(nextPageUrl(res('</p2>; rel="prev"'), 'http://h/x'), undefined);
    assert.equal(nextPageUrl(new Response(null), 'http://h/x'), undefined);
  });
});
