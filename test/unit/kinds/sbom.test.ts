import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sbomKind } from '../../../src/kinds/sbom/kind.ts';
import { assertInvalid, at, bytes, fixture, fixtureJson, mutated } from './support.ts';

describe('sbom: SPDX 2.3 JSON', () => {
  it("validates and normalises Syft's SPDX document, leaving out the image itself", () => {
    const content = fixture('spdx.json');
    assert.deepEqual(sbomKind.validate(content, 'application/spdx+json'), { format: 'spdx' });
    const sbom = sbomKind.normalise(content, 'application/spdx+json');
    assert.equal(sbom.format, 'spdx');
    assert.equal(sbom.specVersion, '2.3');
    assert.equal(sbom.name, 'registry.example.com/team/app:v1.1');
    assert.equal(sbom.createdAt, '2026-11-22T18:02:40.000Z');
    assert.deepEqual(sbom.tools, ['syft 1.16.0']);
    assert.equal(sbom.packageCount, 5);
    assert.deepEqual(sbom.packages[0], {
      name: 'apt',
      version: '2.6.1',
      purl: 'pkg:deb/debian/apt@2.6.1?arch=amd64&distro=debian-12',
      // licenseConcluded is NOASSERTION: the declared license counts.
      licenses: ['GPL-2.0-or-later'],
    });
    assert.deepEqual(sbom.packages[4], {
      name: 'stdlib',
      version: 'go1.22.1',
      purl: 'pkg:golang/stdlib@1.22.1',
      licenses: [],
    });
    assert.deepEqual(sbom.licenses, {
      'Apache-2.0': 1,
      'BSD-3-Clause': 1,
      'GPL-2.0-or-later': 1,
      Zlib: 1,
      unknown: 1,
    });
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('spdx.json', (d) => {
            at(d, 'creationInfo').created = '22/11/2026';
          }),
          'application/spdx+json',
        ),
      {
        kind: 'sbom',
        format: 'spdx',
        pointer: '/creationInfo/created',
        message: /^sbom \(spdx\): \/creationInfo\/created must be an RFC 3339 timestamp/,
      },
    );
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('spdx.json', (d) => {
            at(d, 'packages', 2).SPDXID = 'libssl3';
          }),
          'application/spdx+json',
        ),
      { kind: 'sbom', format: 'spdx', pointer: '/packages/2/SPDXID', message: /must be SPDXRef-/ },
    );
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('spdx.json', (d) => {
            d.spdxVersion = 'SPDX-3.0';
          }),
          'application/spdx+json',
        ),
      { kind: 'sbom', format: 'spdx', pointer: '/spdxVersion', message: /must be one of SPDX-2.2, SPDX-2.3/ },
    );
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('spdx.json', (d) => {
            delete at(d, 'packages', 3).downloadLocation;
          }),
          'application/spdx+json',
        ),
      { kind: 'sbom', format: 'spdx', pointer: '/packages/3/downloadLocation', message: /is required$/ },
    );
  });
});

describe('sbom: CycloneDX JSON', () => {
  it("validates and normalises Syft's CycloneDX 1.6 BOM (files left out)", () => {
    const content = fixture('cyclonedx-sbom.json');
    assert.deepEqual(sbomKind.validate(content, 'application/vnd.cyclonedx+json'), { format: 'cyclonedx' });
    const sbom = sbomKind.normalise(content, 'application/vnd.cyclonedx+json');
    assert.equal(sbom.specVersion, '1.6');
    assert.equal(sbom.name, 'registry.example.com/team/app:v1.1');
    assert.deepEqual(sbom.tools, ['syft 1.16.0']);
    assert.equal(sbom.packageCount, 9);
    assert.deepEqual(
      sbom.packages.map((pkg) => pkg.name),
      [
        'apt',
        'libssl3',
        'zlib1g',
        'tzdata',
        'golang.org/x/net',
        'golang.org/x/text',
        'github.com/prometheus/client_golang',
        'stdlib',
        'debian',
      ],
    );
    assert.deepEqual(sbom.packages[6]!.licenses, ['Apache-2.0']);
    assert.deepEqual(sbom.licenses, {
      'Apache-2.0': 2,
      'BSD-3-Clause': 2,
      unknown: 2,
      'GPL-2.0-or-later': 1,
      Zlib: 1,
      'public-domain': 1,
    });
  });

  it("reads Trivy's CycloneDX 1.5 with nested components, and a BOM in an in-toto statement", () => {
    const sbom = sbomKind.normalise(fixture('cyclonedx-vuln.json'), 'application/vnd.cyclonedx+json');
    assert.deepEqual(
      sbom.packages.map((pkg) => [pkg.name, pkg.version]),
      [
        ['debian', '12.5'],
        ['zlib1g', '1:1.2.13.dfsg-1'],
        ['libssl3', '3.0.11-1~deb12u1'],
        ['app/server', null],
        ['golang.org/x/net', 'v0.17.0'],
      ],
    );
    assert.deepEqual(sbom.tools, ['trivy 0.57.1']);
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'registry.example.com/team/app', digest: { sha256: 'ab'.repeat(32) } }],
      predicateType: 'https://cyclonedx.org/bom',
      predicate: fixtureJson('cyclonedx-sbom.json'),
    };
    assert.equal(sbomKind.normalise(bytes(statement), 'application/vnd.in-toto+json').packageCount, 9);
  });

  it('names the field at fault, in nested components too', () => {
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('cyclonedx-vuln.json', (d) => {
            delete at(d, 'components', 3, 'components', 0).name;
          }),
          'application/vnd.cyclonedx+json',
        ),
      {
        kind: 'sbom',
        format: 'cyclonedx',
        pointer: '/components/3/components/0/name',
        message: 'sbom (cyclonedx): /components/3/components/0/name is required',
      },
    );
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('cyclonedx-sbom.json', (d) => {
            d.specVersion = '1.1';
          }),
          'application/vnd.cyclonedx+json',
        ),
      {
        kind: 'sbom',
        format: 'cyclonedx',
        pointer: '/specVersion',
        message: /must be one of 1.4, 1.5, 1.6, 1.7/,
      },
    );
    assertInvalid(
      () =>
        sbomKind.validate(
          mutated('cyclonedx-sbom.json', (d) => {
            at(d, 'components', 1).licenses = [{ license: {} }];
          }),
          'application/vnd.cyclonedx+json',
        ),
      {
        kind: 'sbom',
        format: 'cyclonedx',
        pointer: '/components/1/licenses/0',
        message: /must have license.id, license.name or expression/,
      },
    );
    assertInvalid(() => sbomKind.validate(fixture('trivy.json'), 'application/json'), {
      kind: 'sbom',
      format: undefined,
      pointer: '',
      message:
        'sbom: the document must be an SPDX 2.2/2.3 JSON or SPDX 3.0 JSON-LD document, or a CycloneDX JSON BOM',
    });
  });

  it('summarises package count, top licenses and sample purls', () => {
    assert.deepEqual(sbomKind.summarise(sbomKind.normalise(fixture('cyclonedx-sbom.json'), '')), [
      'CycloneDX 1.6 SBOM of registry.example.com/team/app:v1.1: 9 packages, made by syft 1.16.0 at 2026-11-22T18:02:40.000Z',
      'licenses: Apache-2.0 (2), BSD-3-Clause (2), unknown (2), GPL-2.0-or-later (1), Zlib (1), +1 more',
      'e.g. pkg:deb/debian/apt@2.6.1?arch=amd64&distro=debian-12, pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12, pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
    ]);
  });
});

describe('sbom: licence expressions', () => {
  it('splits SPDX expressions into licences: AND/OR and parentheses separate, WITH attaches, LicenseRef- kept', async () => {
    const { splitLicenseExpression } = await import('../../../src/kinds/sbom/license-expression.ts');
    assert.deepEqual(splitLicenseExpression('MIT AND (GPL-3.0-only OR Apache-2.0)'), [
      'MIT',
      'GPL-3.0-only',
      'Apache-2.0',
    ]);
    assert.deepEqual(splitLicenseExpression('(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT) and MIT'), [
      'GPL-2.0-only WITH Classpath-exception-2.0',
      'MIT',
    ]);
    assert.deepEqual(splitLicenseExpression('LicenseRef-scancode-public-domain OR GPL-2.0+'), [
      'LicenseRef-scancode-public-domain',
      'GPL-2.0+',
    ]);
    assert.deepEqual(splitLicenseExpression('GNU General Public License v3'), [
      'GNU General Public License v3',
    ]);
    assert.deepEqual(splitLicenseExpression('NOASSERTION'), []);
  });

  it("counts the same licences in Trivy's SPDX (expressions) and CycloneDX (one licence per entry)", () => {
    const expression = 'GPL-3.0-only AND (LGPL-2.1-or-later OR MIT) AND LicenseRef-debian-copyright';
    const spdx = sbomKind.normalise(
      mutated('spdx.json', (d) => {
        at(d, 'packages', 1).licenseDeclared = expression;
        at(d, 'packages', 2).licenseConcluded = 'GPL-3.0-only WITH GCC-exception-3.1';
      }),
      '',
    );
    const cyclonedx = sbomKind.normalise(
      mutated('cyclonedx-sbom.json', (d) => {
        at(d, 'components', 0).licenses = [
          { license: { id: 'GPL-3.0-only' } },
          { license: { id: 'LGPL-2.1-or-later' } },
          { license: { id: 'MIT' } },
          { license: { name: 'LicenseRef-debian-copyright' } },
        ];
        at(d, 'components', 1).licenses = [{ expression: 'GPL-3.0-only WITH GCC-exception-3.1' }];
      }),
      '',
    );
    assert.deepEqual(spdx.packages[0]!.licenses, [
      'GPL-3.0-only',
      'LGPL-2.1-or-later',
      'MIT',
      'LicenseRef-debian-copyright',
    ]);
    for (const sbom of [spdx, cyclonedx]) {
      assert.equal(sbom.licenses['GPL-3.0-only'], 1, sbom.format);
      assert.equal(sbom.licenses['GPL-3.0-only WITH GCC-exception-3.1'], 1, sbom.format);
      assert.equal(sbom.licenses.MIT, 1, sbom.format);
      assert.equal(sbom.licenses['LicenseRef-debian-copyright'], 1, sbom.format);
    }
  });
});

describe('sbom: SPDX 3.0 JSON-LD', () => {
  it('reads the graph: the root image package is the name, packages with purls and licences', () => {
    const content = fixture('spdx3.jsonld');
    assert.deepEqual(sbomKind.validate(content, 'application/ld+json'), { format: 'spdx' });
    const sbom = sbomKind.normalise(content, 'application/ld+json');
    assert.equal(sbom.specVersion, '3.0.1');
    assert.equal(sbom.name, 'registry.example.com/team/app:v1.1');
    assert.equal(sbom.createdAt, '2026-11-22T18:02:40.000Z');
    assert.deepEqual(sbom.tools, ['syft 1.18.1']);
    assert.deepEqual(
      sbom.packages.map((p) => [p.name, p.version]),
      [
        ['apt', '2.6.1'],
        ['libssl3', '3.0.11-1~deb12u1'],
        ['zlib1g', '1:1.2.13.dfsg-1'],
        ['libgcc-s1', '12.2.0-14'],
        ['golang.org/x/net', 'v0.17.0'],
        ['stdlib', 'go1.21.4'],
      ],
    );
    assert.equal(
      sbom.packages[2]!.purl,
      'pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1',
    );
    assert.deepEqual(sbom.packages[3]!.licenses, [
      'GPL-3.0-only WITH GCC-exception-3.1',
      'GPL-3.0-or-later',
      'LicenseRef-debian-gcc',
    ]);
    assert.deepEqual(sbom.packages[5]!.licenses, []);
    assert.equal(sbom.licenses.unknown, 1);
    assert.match(
      sbomKind.summarise(sbom)[0]!,
      /^SPDX 3\.0\.1 SBOM of registry\.example\.com\/team\/app:v1\.1: 6 packages, made by syft 1\.18\.1/,
    );
  });

  it('refuses a graph without an SpdxDocument or with another spec version, naming the field', () => {
    assertInvalid(
      () =>
        sbomKind.normalise(
          mutated('spdx3.jsonld', (d) => {
            d['@graph'] = (d['@graph'] as Array<{ type: string }>).filter((e) => e.type !== 'SpdxDocument');
          }),
          '',
        ),
      {
        kind: 'sbom',
        format: 'spdx',
        pointer: '/@graph',
        message: /must hold one SpdxDocument element \(found 0\)/,
      },
    );
    assertInvalid(
      () =>
        sbomKind.normalise(
          mutated('spdx3.jsonld', (d) => {
            at(d, '@graph', 0).specVersion = '2.3';
          }),
          '',
        ),
      {
        kind: 'sbom',
        format: 'spdx',
        pointer: '/@graph/3/creationInfo/specVersion',
        message: /must be 3\.0\.x/,
      },
    );
    assertInvalid(() => sbomKind.normalise(bytes({ hello: 'world' }), ''), {
      kind: 'sbom',
      pointer: '',
      message: /SPDX 3\.0 JSON-LD/,
    });
  });
});
