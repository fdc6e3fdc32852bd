// Fleet queries (src/fleet/query.ts, compile.ts): CEL over the published fields, compiled to SQL
// where it can be, in process where not; the answer never depends on which. Real node:sqlite.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { countQuery, prepareQuery, runQuery } from '../../../src/fleet/query.ts';
import type { IndexedImage, IndexStore } from '../../../src/fleet/store.ts';
import { digestOf, image, tempStore } from './fleet-images.ts';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const vuln = (id: string, severity: string, pkg: string, fixed = '', suppressed = false) => ({
  id,
  severity,
  package: pkg,
  installed: '1.0',
  fixed,
  purl: `pkg:deb/debian/${pkg}@1.0`,
  suppressed,
});
const version = (
  type: string,
  n: number,
  signature: 'signed' | 'unsigned',
  created = '2026-12-01T00:00:00.000Z',
) => ({
  type,
  digest: digestOf(1000 + n),
  created,
  author: 'ci',
  signature,
  latest: true,
  inherited: false,
});

// 1: prod, critical fixable CVE-1 in openssl, signed vuln scan, approved by qa
// 2: staging, high CVE-2, unsigned vuln scan, qa pending
// 3: no metadata at all, deprecated, undeployed since November
// 4: prod + a platform child of an index, CVE-1 unfixed, sbom with openssl, lifecycle prunable
const FLEET: Array<{ location: string; images: IndexedImage[] }> = [
  {
    location: 'registry.test/shop/api',
    images: [
      image(
        1,
        {
          vulnScannedAt: '2026-11-27T00:00:00.000Z',
          findings: [vuln('CVE-1', 'critical', 'openssl', '3.0.2'), vuln('CVE-3', 'low', 'zlib')],
          approvals: [{ gate: 'qa', status: 'approved', approver: 'q', time: '2026-11-01T00:00:00.000Z' }],
          deployments: [
            {
              environment: 'production',
              cluster: 'eu',
              deployedAt: '2026-11-02T00:00:00.000Z',
              undeployedAt: '',
              active: true,
            },
          ],
          lifecycle: { status: 'active', endOfLife: '' },
          contactTeam: 'shop',
        },
        { versions: [version('vuln', 1, 'signed')], tags: ['v1', 'latest'] },
      ),
      image(
        2,
        {
          vulnScannedAt: '2026-12-06T00:00:00.000Z',
          // CVE-9 is suppressed by a VEX statement: listed, not counted.
          findings: [vuln('CVE-2', 'high', 'curl'), vuln('CVE-9', 'critical', 'bash', '', true)],
          approvals: [{ gate: 'qa', status: 'pending', approver: 'q', time: '2026-11-01T00:00:00.000Z' }],
          deployments: [
            {
              environment: 'staging',
              cluster: '',
              deployedAt: '2026-11-02T00:00:00.000Z',
              undeployedAt: '',
              active: true,
            },
          ],
        },
        { versions: [version('vuln', 2, 'unsigned')], tags: ['v2'] },
      ),
    ],
  },
  {
    location: 'registry.test/shop/web',
    images: [
      image(
        3,
        {
          deployments: [
            {
              environment: 'production',
              cluster: '',
              deployedAt: '2026-10-01T00:00:00.000Z',
              undeployedAt: '2026-11-01T00:00:00.000Z',
              active: false,
            },
          ],
          lifecycle: { status: 'deprecated', endOfLife: '2026-12-31' },
        },
        { versions: [version('deployment', 3, 'unsigned')] },
      ),
      image(
        4,
        {
          findings: [vuln('CVE-1', 'critical', 'openssl')],
          packages: [
            {
              name: 'openssl',
              version: '3.0.1',
              purl: 'pkg:deb/debian/openssl@3.0.1',
              licenses: ['Apache-2.0'],
            },
          ],
          deployments: [
            {
              environment: 'production',
              cluster: 'us',
              deployedAt: '2026-11-02T00:00:00.000Z',
              undeployedAt: '',
              active: true,
            },
          ],
          lifecycle: { status: 'prunable', endOfLife: '' },
          provenance: {
            builder: 'https://github.com/actions/runner',
            source: 'git+https://github.com/shop/web',
            commit: 'abc',
          },
        },
        {
          platform: 'linux/arm64',
          parentIndex: digestOf(40),
          versions: [version('vuln', 4, 'signed'), version('sbom', 5, 'unsigned')],
        },
      ),
    ],
  },
];

const n = (digest: string): number => Number.parseInt(digest.slice(7), 16);

describe('fleet queries', () => {
  let store: IndexStore;
  let cleanup: () => void;
  before(() => {
    const t = tempStore();
    store = t.store;
    cleanup = t.cleanup;
    for (const repo of FLEET) {
      const [registry, ...name] = repo.location.split('/');
      store.writeRepository({
        registry: registry!,
        name: name.join('/'),
        location: repo.location,
        syncedAt: '2026-12-06T12:00:00.000Z',
        changed: repo.images,
        unchanged: [],
      });
    }
  });
  after(() => cleanup());

  const answer = async (expression: string) => {
    const query = await prepareQuery(expression);
    const result = runQuery(store, query, { now: NOW });
    return { digests: result.images.map((i) => n(i.digest)), plan: result.plan, query };
  };

  // Each seed question, with the images that answer it.
  const cases: Array<[string, number[]]> = [
    ['vuln.critical > 0', [1, 4]],
    ['"CVE-1" in vuln.ids', [1, 4]],
    ['vuln.findings.exists(f, f.id == "CVE-1" && f.fixed != "")', [1]],
    [
      'vuln.findings.exists(f, f.package == "openssl") || sbom.packages.exists(p, p.name == "openssl")',
      [1, 4],
    ],
    ['sbom.packages.exists(p, p.purl.startsWith("pkg:deb/debian/openssl@"))', [4]],
    ['!("vuln" in signed)', [2, 3]],
    ['!("sbom" in types)', [1, 2, 3]],
    ['"production" in deployment.environments', [1, 4]],
    ['"production" in deployment.environments && vuln.critical > 0 && vuln.fixable > 0', [1]],
    [
      'lifecycle.status in ["deprecated", "end-of-life", "prunable"] && size(deployment.environments) == 0',
      [3],
    ],
    ['deployment.age > 30', [3]],
    ['vuln.age > 7', [1]],
    ['approvals["qa"] == "pending"', [2]],
    ['approvals["qa"] != "approved"', [2]],
    ['"qa" in approvals', [1, 2]],
    ['repository.startsWith("registry.test/shop/w")', [3, 4]],
    ['repository == "registry.test/shop/api" && "latest" in tags', [1]],
    ['platform == "linux/arm64" && parent != ""', [4]],
    ['provenance.source.contains("shop/web")', [4]],
    ['tags.exists(t, t.matches("^v[12]$"))', [1, 2]],
    ['true', [1, 2, 3, 4]],
    ['"CVE-9" in vuln.ids', []],
    ['vuln.findings.exists(f, f.id == "CVE-9" && f.suppressed)', [2]],
    ['lifecycle.status in ["deprecated", "prunable"]', [3, 4]],
  ];

  for (const [expression, expected] of cases) {
    it(`${expression} -> ${expected.join(', ')}`, async () => {
      const { digests, query } = await answer(expression);
      assert.deepEqual(digests, expected);
      // The same answer whatever the plan: every image evaluated in process.
      const everything = store.load(store.select({ where: '1 = 1', params: [] }, undefined, 100));
      assert.deepEqual(
        everything.filter((i) => query.matches(i, NOW)).map((i) => n(i.digest)),
        expected,
      );
      assert.equal(countQuery(store, query, NOW), expected.length);
    });
  }

  it('plans: indexable predicates compile to SQL, the rest runs in process', async () => {
    const exact = await answer('"CVE-1" in vuln.ids && vuln.critical > 0');
    assert.equal(exact.plan.exact, true);
    assert.equal(exact.plan.compiled.length, 2);
    assert.deepEqual(exact.plan.inProcess, []);
    const mixed = await answer('"production" in deployment.environments && vuln.age > 7');
    assert.equal(mixed.plan.exact, false);
    assert.deepEqual(
      mixed.plan.compiled.map((p) => p.source),
      ['"production" in deployment.environments'],
    );
    assert.deepEqual(mixed.plan.inProcess, ['vuln.age > 7']);
    // An OR with a part that cannot compile narrows nothing (never drops a filter).
    const or = await answer('vuln.critical > 0 || vuln.age > 7');
    assert.deepEqual(or.plan.compiled, []);
    assert.deepEqual(or.digests, [1, 4]);
  });

  it('keyset pages: every image once, in order, with or without in-process filtering', async () => {
    for (const expression of ['true', 'tags.exists(t, true) || size(tags) == 0']) {
      const query = await prepareQuery(expression);
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = runQuery(store, query, { limit: 1, cursor, now: NOW });
        seen.push(...page.images.map((i) => n(i.digest)));
        cursor = page.next;
        pages++;
      } while (cursor !== undefined && pages < 10);
      assert.deepEqual(seen, [1, 2, 3, 4], expression);
    }
  });

  it('unknown fields, type errors and malformed expressions are refused with their column', async () => {
    const refused: Array<[string, RegExp]> = [
      ['vuln.criticals > 0', /column 6: No such key: criticals/],
      ['vuln.critical > "high"', /no such overload/],
      ['vuln.critical >', /column 16: Unexpected token/],
      ['owner == "x"', /Unknown variable: owner/],
      ['vuln.critical', /gives int, not a bool/],
    ];
    for (const [expression, message] of refused) {
      await assert.rejects(
        prepareQuery(expression),
        (error: Error & { code?: string; category?: string }) => {
          assert.equal(error.code, 'QUERY_INVALID');
          assert.equal(error.category, 'usage');
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});

describe('docs/index.md', () => {
  it('lists every query field', async () => {
    const { readFileSync } = await import('node:fs');
    const { FIELDS } = await import('../../../src/fleet/fields.ts');
    const docs = readFileSync(new URL('../../../docs/index.md', import.meta.url), 'utf8');
    for (const field of FIELDS)
      assert.ok(docs.includes(`\`${field.name}\``), `${field.name} is not in docs/index.md`);
  });
});

describe('saved questions', () => {
  it('are CEL over the published fields, with user input as string literals', async () => {
    const { savedQuery } = await import('../../../src/fleet/saved.ts');
    const cases: Array<[Parameters<typeof savedQuery>[0], string | undefined]> = [
      [{ vulnerability: 'CVE-1' }, '"CVE-1" in vuln.ids'],
      [{ missing: 'sbom' }, '!("sbom" in types)'],
      [
        { unsigned: 'vuln', deployed: 'production' },
        '!("vuln" in signed) && "production" in deployment.environments',
      ],
      [{ pending: 'qa"||true' }, 'approvals["qa\\"||true"] == "pending"'],
      [{}, undefined],
    ];
    for (const [questions, expected] of cases) assert.equal(savedQuery(questions), expected);
    assert.equal(
      savedQuery({ missing: 'sbom' }, 'vuln.critical > 0'),
      '(vuln.critical > 0) && !("sbom" in types)',
    );
    // Every saved question type-checks.
    const all = savedQuery({
      vulnerability: 'CVE-1',
      package: 'pkg:deb/debian/openssl',
      missing: 'sbom',
      unsigned: 'vuln',
      staleDays: 7,
      pending: 'qa',
      deployed: 'production',
      prunableDays: 30,
    })!;
    await prepareQuery(all);
    await prepareQuery(savedQuery({ package: 'openssl' })!);
    await prepareQuery(savedQuery({ package: 'pkg:deb/debian/openssl@3.0.1' })!);
  });
});
