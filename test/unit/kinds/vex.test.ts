import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyVex } from '../../../src/kinds/vex/apply.ts';
import { vexKind } from '../../../src/kinds/vex/kind.ts';
import { purlsMatch } from '../../../src/kinds/vex/purl.ts';
import type { VexDocument } from '../../../src/kinds/vex/types.ts';
import { vulnKind } from '../../../src/kinds/vuln/kind.ts';
import { assertInvalid, at, bytes, fixture, IMAGE_DIGEST, mutated } from './support.ts';

const OPENVEX = 'application/vnd.openvex+json';

function vexDocument(id: string, timestamp: string, statements: unknown[]): VexDocument {
  return vexKind.normalise(
    bytes({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': id,
      author: 'tests',
      timestamp,
      version: 1,
      statements,
    }),
    OPENVEX,
  );
}

describe('vex: OpenVEX documents', () => {
  it('validates and normalises an OpenVEX 0.2.0 document', () => {
    const content = fixture('openvex.json');
    assert.deepEqual(vexKind.validate(content, OPENVEX), { format: 'openvex' });
    const vex = vexKind.normalise(content, OPENVEX);
    assert.equal(vex.id, 'https://vex.example.com/team/app/vex-2026-11-23');
    assert.equal(vex.author, 'Team Payments <payments@example.com>');
    assert.equal(vex.timestamp, '2026-11-23T07:00:00.000Z');
    assert.equal(vex.version, 1);
    assert.deepEqual(
      vex.statements.map((s) => [s.vulnerability.name, s.status, s.justification, s.timestamp]),
      [
        ['CVE-2023-45853', 'not_affected', 'vulnerable_code_not_present', '2026-11-23T07:00:00.000Z'],
        ['CVE-2023-45288', 'not_affected', 'vulnerable_code_not_in_execute_path', '2026-11-23T07:00:00.000Z'],
        ['CVE-2011-3374', 'under_investigation', null, '2026-11-23T06:30:00.000Z'],
        ['CVE-2023-5363', 'fixed', null, '2026-11-23T07:00:00.000Z'],
      ],
    );
    assert.deepEqual(vex.statements[1]!.vulnerability.aliases, ['GHSA-4v7x-pqxf-cx7m']);
    assert.deepEqual(vex.statements[0]!.products[0]!.subcomponents, [
      { ids: ['pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1'] },
      { ids: ['pkg:deb/debian/zlib1g'] },
    ]);
    assert.equal(
      vexKind.summarise(vex)[0],
      'OpenVEX https://vex.example.com/team/app/vex-2026-11-23 by Team Payments <payments@example.com> at 2026-11-23T07:00:00.000Z (version 1): 4 statements (2 not_affected, 1 under_investigation, 1 fixed)',
    );
  });

  it('reads the OpenVEX 0.0.x shape (strings) and statements in an in-toto statement', () => {
    const old = vexDocument(
      'https://openvex.dev/docs/example/vex-9fb3463de1b57',
      '2023-01-08T18:02:03-06:00',
      [
        {
          vulnerability: 'CVE-2023-12345',
          products: ['pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64'],
          status: 'fixed',
        },
      ],
    );
    assert.deepEqual(old.statements[0]!.products, [
      { ids: ['pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64'], subcomponents: [] },
    ]);
    assert.equal(old.timestamp, '2023-01-09T00:02:03.000Z');
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'registry.example.com/team/app', digest: { sha256: IMAGE_DIGEST.slice(7) } }],
      predicateType: 'https://openvex.dev/ns/v0.2.0',
      predicate: {
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://vex.example.com/1',
        author: 'tests',
        timestamp: '2026-11-23T07:00:00Z',
        version: 1,
        statements: [
          {
            vulnerability: { name: 'CVE-2011-3374' },
            status: 'not_affected',
            justification: 'component_not_present',
          },
        ],
      },
    };
    const wrapped = vexKind.normalise(bytes(statement), 'application/vnd.in-toto+json');
    assert.deepEqual(wrapped.statements[0]!.products, [
      { ids: ['registry.example.com/team/app', IMAGE_DIGEST], subcomponents: [] },
    ]);
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            const statement = at(d, 'statements', 0);
            delete statement.justification;
            delete statement.impact_statement;
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/statements/0/justification',
        message:
          'vex (openvex): /statements/0/justification is required for not_affected (or an impact_statement)',
      },
    );
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            at(d, 'statements', 1).status = 'wont_fix';
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/statements/1/status',
        message: /must be one of not_affected, affected, fixed, under_investigation \(got "wont_fix"\)/,
      },
    );
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            at(d, 'statements', 1).justification = 'not_reachable';
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/statements/1/justification',
        message: /must be one of component_not_present/,
      },
    );
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            at(d, 'statements', 2, 'vulnerability').name = 42;
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/statements/2/vulnerability/name',
        message: /must be a string \(got 42\)/,
      },
    );
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            delete at(d, 'statements', 2).products;
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/statements/2/products',
        message: /must name at least one product/,
      },
    );
    assertInvalid(
      () =>
        vexKind.validate(
          mutated('openvex.json', (d) => {
            d['@context'] = 'https://example.com/vex';
          }),
          OPENVEX,
        ),
      {
        kind: 'vex',
        format: 'openvex',
        pointer: '/@context',
        message: /must start with https:\/\/openvex.dev\/ns/,
      },
    );
  });
});

describe('vex: applyVex', () => {
  const vex = vexKind.normalise(fixture('openvex.json'), OPENVEX);

  it('suppresses not_affected findings for the image and its matching subcomponents, and says why', () => {
    const trivy = vulnKind.normalise(fixture('trivy.json'), 'application/json');
    const result = applyVex(trivy.findings, [vex], { imageDigest: IMAGE_DIGEST });
    assert.deepEqual(
      result.findings.map((f) => f.id),
      ['CVE-2023-5363', 'CVE-2024-0727', 'CVE-2011-3374'],
    );
    assert.deepEqual(
      result.suppressed.map((s) => [s.finding.id, s.status, s.justification, s.statement]),
      [
        ['CVE-2023-45853', 'not_affected', 'vulnerable_code_not_present', 0],
        ['CVE-2023-45288', 'not_affected', 'vulnerable_code_not_in_execute_path', 1],
      ],
    );
    assert.equal(
      result.suppressed[0]!.reason,
      'not_affected (vulnerable_code_not_present) per https://vex.example.com/team/app/vex-2026-11-23 statement 0 (2026-11-23T07:00:00.000Z)',
    );
    assert.equal(result.suppressed[0]!.document, 'https://vex.example.com/team/app/vex-2026-11-23');
  });

  it('matches vulnerabilities by alias (Grype reports the GHSA id)', () => {
    const grype = vulnKind.normalise(fixture('grype.json'), 'application/json');
    const result = applyVex(grype.findings, [vex], { imageDigest: IMAGE_DIGEST });
    assert.deepEqual(
      result.suppressed.map((s) => s.finding.id),
      ['CVE-2023-45853', 'GHSA-4v7x-pqxf-cx7m'],
    );
  });

  it('ignores statements about another image, and applies to any image when no digest is given', () => {
    const trivy = vulnKind.normalise(fixture('trivy.json'), 'application/json');
    const other = applyVex(trivy.findings, [vex], { imageDigest: `sha256:${'0'.repeat(64)}` });
    assert.deepEqual(other.suppressed, []);
    assert.equal(other.findings.length, 5);
    const unknown = applyVex(trivy.findings, [vex]);
    // The `fixed` statement names another image's libssl3, so both libssl3 findings of CVE-2023-5363 go only without a digest.
    assert.deepEqual(
      unknown.suppressed.map((s) => [s.finding.id, s.status]),
      [
        ['CVE-2023-45853', 'not_affected'],
        ['CVE-2023-5363', 'fixed'],
        ['CVE-2023-45288', 'not_affected'],
      ],
    );
  });

  it('lets a later statement override an earlier one, and matches package purls directly', () => {
    const trivy = vulnKind.normalise(fixture('trivy.json'), 'application/json');
    const later = vexDocument('https://vex.example.com/2', '2026-11-24T00:00:00Z', [
      {
        vulnerability: { name: 'CVE-2023-45853' },
        products: [{ '@id': 'pkg:deb/debian/zlib1g' }],
        status: 'affected',
        action_statement: 'Rebuild on zlib 1.3.1',
      },
      {
        vulnerability: { name: 'CVE-2011-3374' },
        products: [{ '@id': 'pkg:deb/debian/apt@2.6.1?arch=amd64' }],
        status: 'not_affected',
        justification: 'vulnerable_code_cannot_be_controlled_by_adversary',
      },
    ]);
    const result = applyVex(trivy.findings, [vex, later], { imageDigest: IMAGE_DIGEST });
    assert.deepEqual(
      result.suppressed.map((s) => [s.finding.id, s.document]),
      [
        ['CVE-2011-3374', 'https://vex.example.com/2'],
        ['CVE-2023-45288', 'https://vex.example.com/team/app/vex-2026-11-23'],
      ],
    );
    assert.ok(result.findings.some((f) => f.id === 'CVE-2023-45853'));
    // Order of the documents does not matter: time does.
    const reversed = applyVex(trivy.findings, [later, vex], { imageDigest: IMAGE_DIGEST });
    assert.deepEqual(
      reversed.suppressed.map((s) => s.finding.id),
      ['CVE-2011-3374', 'CVE-2023-45288'],
    );
  });

  it('does not suppress a package another statement does not name', () => {
    const trivy = vulnKind.normalise(fixture('trivy.json'), 'application/json');
    const narrow = vexDocument('https://vex.example.com/3', '2026-11-24T00:00:00Z', [
      {
        vulnerability: { name: 'CVE-2023-5363' },
        products: [{ '@id': 'pkg:deb/debian/libssl3@3.0.99' }],
        status: 'fixed',
      },
    ]);
    assert.deepEqual(applyVex(trivy.findings, [narrow]).suppressed, []);
  });

  it('compares purls by type, namespace, name and (when both have one) version', () => {
    assert.ok(purlsMatch('pkg:golang/golang.org/x/net', 'pkg:golang/golang.org/x/net@v0.17.0'));
    assert.ok(
      purlsMatch(
        'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1',
        'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64',
      ),
    );
    assert.ok(purlsMatch('pkg:npm/%40angular/core@17.0.0', 'pkg:npm/@angular/core@17.0.0'));
    assert.ok(!purlsMatch('pkg:deb/debian/libssl3@3.0.99', 'pkg:deb/debian/libssl3@3.0.11-1~deb12u1'));
    assert.ok(!purlsMatch('pkg:deb/debian/libssl3', 'pkg:rpm/redhat/libssl3'));
  });
});

describe('vex: CSAF 2.0 VEX documents', () => {
  it('reads the CSAF VEX profile: products through the product tree, flags as justifications', () => {
    const content = fixture('csaf-vex.json');
    assert.deepEqual(vexKind.validate(content, 'application/json'), { format: 'csaf' });
    const vex = vexKind.normalise(content, 'application/json');
    assert.equal(vex.format, 'csaf');
    assert.equal(vex.id, 'EXAMPLE-VEX-2026-0042');
    assert.equal(vex.author, 'Example Company Product Security');
    assert.equal(vex.timestamp, '2026-11-23T08:00:00.000Z');
    assert.equal(vex.version, 2);
    assert.deepEqual(
      vex.statements.map((s) => [s.vulnerability.name, s.status, s.justification, s.actionStatement]),
      [
        ['CVE-2023-45853', 'not_affected', 'vulnerable_code_not_present', null],
        ['CVE-2024-0727', 'fixed', null, null],
        ['CVE-2023-5363', 'affected', null, 'Rebuild on debian:12.6 (libssl3 3.0.13-1~deb12u1).'],
        ['CVE-2011-3374', 'under_investigation', null, null],
      ],
    );
    assert.deepEqual(vex.statements[1]!.vulnerability.aliases, ['DSA-5621-1']);
    assert.deepEqual(vex.statements[0]!.products, [
      {
        ids: [
          'pkg:oci/app@sha256%3A6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d?repository_url=registry.example.com%2Fteam%2Fapp',
        ],
        subcomponents: [{ ids: ['pkg:deb/debian/zlib1g@1.2.13.dfsg-1?epoch=1'] }],
      },
    ]);
    assert.match(
      vexKind.summarise(vex)[0]!,
      /^CSAF VEX EXAMPLE-VEX-2026-0042 by Example Company Product Security/,
    );
  });

  it("suppresses Trivy's findings like the same statements in OpenVEX", () => {
    const trivy = vulnKind.normalise(fixture('trivy.json'), 'application/json');
    const vex = vexKind.normalise(fixture('csaf-vex.json'), 'application/json');
    const applied = applyVex(trivy.findings, [vex], { imageDigest: IMAGE_DIGEST });
    assert.deepEqual(applied.suppressed.map((s) => [s.finding.id, s.status]).sort(), [
      ['CVE-2023-45853', 'not_affected'],
      ['CVE-2024-0727', 'fixed'],
    ]);
    assert.deepEqual(applied.findings.map((f) => f.id).sort(), [
      'CVE-2011-3374',
      'CVE-2023-45288',
      'CVE-2023-5363',
    ]);
    // About another image: nothing suppressed.
    const other = applyVex(trivy.findings, [vex], { imageDigest: `sha256:${'0'.repeat(64)}` });
    assert.equal(other.suppressed.length, 0);
  });

  it('checks the VEX profile: not_affected needs a flag or impact, affected a remediation, products defined', () => {
    assertInvalid(
      () =>
        vexKind.normalise(
          mutated('csaf-vex.json', (d) => {
            delete at(d, 'vulnerabilities', 0).flags;
            delete at(d, 'vulnerabilities', 0).threats;
          }),
          '',
        ),
      {
        kind: 'vex',
        format: 'csaf',
        pointer: '/vulnerabilities/0/product_status/known_not_affected/0',
        message: /without a flag or an impact threat/,
      },
    );
    assertInvalid(
      () =>
        vexKind.normalise(
          mutated('csaf-vex.json', (d) => delete at(d, 'vulnerabilities', 2).remediations),
          '',
        ),
      {
        kind: 'vex',
        format: 'csaf',
        pointer: '/vulnerabilities/2/product_status/known_affected/0',
        message: /without a remediation/,
      },
    );
    assertInvalid(
      () =>
        vexKind.normalise(
          mutated('csaf-vex.json', (d) => {
            at(d, 'vulnerabilities', 1, 'product_status').fixed = ['CSAFPID-9999'];
          }),
          '',
        ),
      {
        kind: 'vex',
        format: 'csaf',
        pointer: '/vulnerabilities/1/product_status/fixed/0',
        message: /product_tree does not define \("CSAFPID-9999"\)/,
      },
    );
    assertInvalid(
      () =>
        vexKind.normalise(
          mutated('csaf-vex.json', (d) => {
            at(d, 'document').category = 'csaf_security_advisory';
          }),
          '',
        ),
      { kind: 'vex', format: 'csaf', pointer: '/document/category', message: /must be "csaf_vex"/ },
    );
  });
});
