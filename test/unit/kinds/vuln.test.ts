import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vulnKind } from '../../../src/kinds/vuln/kind.ts';
import type { VulnFinding } from '../../../src/kinds/vuln/types.ts';
import { assertInvalid, at, bytes, fixture, fixtureJson, mutated } from './support.ts';

const JSON_TYPE = 'application/json';

function row(finding: VulnFinding) {
  return [
    finding.id,
    finding.aliases.join(' '),
    finding.severity,
    finding.cvss,
    finding.package.name,
    finding.package.version,
    finding.fixedVersion,
    finding.fixAvailable,
  ];
}

describe('vuln: Trivy JSON', () => {
  it('validates and normalises a Trivy image report', () => {
    const content = fixture('trivy.json');
    assert.deepEqual(vulnKind.validate(content, JSON_TYPE), { format: 'trivy' });
    const report = vulnKind.normalise(content, JSON_TYPE);
    assert.equal(report.format, 'trivy');
    assert.deepEqual(report.scanner, { name: 'trivy', version: null });
    assert.equal(report.scannedAt, '2026-11-23T05:10:41.123Z');
    assert.equal(report.target, 'registry.example.com/team/app:v1.1');
    assert.deepEqual(report.findings.map(row), [
      ['CVE-2023-45853', '', 'critical', 9.8, 'zlib1g', '1:1.2.13.dfsg-1', null, false],
      ['CVE-2023-5363', 'DSA-5532-1', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
      ['CVE-2024-0727', 'DSA-5585-1', 'medium', 5.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.13-1~deb12u1', true],
      ['CVE-2011-3374', '', 'low', 3.7, 'apt', '2.6.1', null, false],
      ['CVE-2023-45288', 'GHSA-4v7x-pqxf-cx7m', 'medium', 7.5, 'golang.org/x/net', 'v0.17.0', '0.23.0', true],
    ]);
    assert.equal(report.findings[4]!.package.purl, 'pkg:golang/golang.org/x/net@v0.17.0');
  });

  it('reads the scanner version of newer reports and accepts a report without results', () => {
    const report = vulnKind.normalise(
      bytes({ SchemaVersion: 2, ArtifactName: 'alpine:3.20', Trivy: { Version: '0.57.1' } }),
      JSON_TYPE,
    );
    assert.deepEqual(report.scanner, { name: 'trivy', version: '0.57.1' });
    assert.deepEqual(report.findings, []);
    assert.deepEqual(vulnKind.summarise(report), ['trivy 0.57.1 scan (trivy) of alpine:3.20', 'no findings']);
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.json', (d) => {
            at(d, 'Results', 0, 'Vulnerabilities', 3).Severity = 'SEVERE';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'trivy',
        pointer: '/Results/0/Vulnerabilities/3/Severity',
        message:
          'vuln (trivy): /Results/0/Vulnerabilities/3/Severity must be one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN (got "SEVERE")',
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.json', (d) => {
            delete at(d, 'Results', 1, 'Vulnerabilities', 0).PkgName;
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'trivy',
        pointer: '/Results/1/Vulnerabilities/0/PkgName',
        message: 'vuln (trivy): /Results/1/Vulnerabilities/0/PkgName is required',
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.json', (d) => {
            d.CreatedAt = 'yesterday';
          }),
          JSON_TYPE,
        ),
      { kind: 'vuln', format: 'trivy', pointer: '/CreatedAt', message: /must be an RFC 3339 timestamp/ },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.json', (d) => {
            at(d, 'Results', 0, 'Vulnerabilities', 1, 'CVSS', 'nvd').V3Score = 75;
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'trivy',
        pointer: '/Results/0/Vulnerabilities/1/CVSS/nvd/V3Score',
        message: /must be a CVSS score between 0 and 10/,
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.json', (d) => {
            d.SchemaVersion = 1;
          }),
          JSON_TYPE,
        ),
      { kind: 'vuln', format: 'trivy', pointer: '/SchemaVersion', message: /must be 2 \(got 1\)/ },
    );
  });
});

describe('vuln: Grype JSON', () => {
  it('validates and normalises a Grype image report', () => {
    const content = fixture('grype.json');
    assert.deepEqual(vulnKind.validate(content, JSON_TYPE), { format: 'grype' });
    const report = vulnKind.normalise(content, JSON_TYPE);
    assert.deepEqual(report.scanner, { name: 'grype', version: '0.79.1' });
    assert.equal(report.scannedAt, '2026-11-23T05:12:03.528Z');
    assert.equal(report.target, 'registry.example.com/team/app:v1.1');
    assert.deepEqual(report.findings.map(row), [
      // Distro records carry no CVSS: the related NVD record's is used.
      ['CVE-2023-45853', '', 'critical', 9.8, 'zlib1g', '1:1.2.13.dfsg-1', null, false],
      ['CVE-2023-5363', '', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
      ['GHSA-4v7x-pqxf-cx7m', 'CVE-2023-45288', 'medium', 5.3, 'golang.org/x/net', 'v0.17.0', '0.23.0', true],
      ['CVE-2011-3374', '', 'negligible', 3.7, 'apt', '2.6.1', null, false],
    ]);
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('grype.json', (d) => {
            at(d, 'matches', 2, 'artifact').version = 17;
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'grype',
        pointer: '/matches/2/artifact/version',
        message: 'vuln (grype): /matches/2/artifact/version must be a string (got 17)',
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('grype.json', (d) => {
            at(d, 'matches', 0, 'vulnerability').severity = 'CRITICAL';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'grype',
        pointer: '/matches/0/vulnerability/severity',
        message: /must be one of Critical, High, Medium, Low, Negligible, Unknown \(got "CRITICAL"\)/,
      },
    );
  });
});

describe('vuln: SARIF 2.1.0', () => {
  it("reads Trivy's SARIF: rule ids, severities, packages and fixed versions from the texts", () => {
    const content = fixture('trivy.sarif.json');
    assert.deepEqual(vulnKind.validate(content, 'application/sarif+json'), { format: 'sarif' });
    const report = vulnKind.normalise(content, 'application/sarif+json');
    assert.deepEqual(report.scanner, { name: 'trivy', version: '0.57.1' });
    assert.equal(report.target, 'registry.example.com/team/app:v1.1');
    assert.deepEqual(report.findings.map(row), [
      ['CVE-2023-45853', '', 'critical', 9.8, 'zlib1g', '1:1.2.13.dfsg-1', null, false],
      ['CVE-2023-5363', '', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
      ['CVE-2023-45288', '', 'medium', 7.5, 'golang.org/x/net', 'v0.17.0', '0.23.0', true],
    ]);
  });

  it("reads Grype's SARIF (rule ids suffixed with the package, severity in the message)", () => {
    const grypeSarif = {
      version: '2.1.0',
      $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
      runs: [
        {
          tool: {
            driver: {
              name: 'Grype',
              version: '0.79.1',
              informationUri: 'https://github.com/anchore/grype',
              rules: [
                {
                  id: 'CVE-2023-5363-libssl3',
                  name: 'DpkgMatcherExactIndirectMatch',
                  shortDescription: { text: 'CVE-2023-5363 high vulnerability for libssl3 package' },
                  fullDescription: {
                    text: 'Version 3.0.11-1~deb12u1 is affected with an available fix in versions 3.0.11-1~deb12u2',
                  },
                  properties: { 'security-severity': '7.5' },
                },
              ],
            },
          },
          results: [
            {
              ruleId: 'CVE-2023-5363-libssl3',
              message: {
                text: 'A high vulnerability in deb package: libssl3, version 3.0.11-1~deb12u1 was found in image registry.example.com/team/app:v1.1 at: /var/lib/dpkg/status',
              },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'var/lib/dpkg/status' } } }],
            },
          ],
        },
      ],
    };
    const report = vulnKind.normalise(bytes(grypeSarif), 'application/sarif+json');
    assert.deepEqual(report.scanner, { name: 'grype', version: '0.79.1' });
    assert.deepEqual(report.findings.map(row), [
      ['CVE-2023-5363', '', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
    ]);
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.sarif.json', (d) => {
            const result = at(d, 'runs', 0, 'results', 1);
            delete result.ruleId;
            delete result.ruleIndex;
          }),
          JSON_TYPE,
        ),
      { kind: 'vuln', format: 'sarif', pointer: '/runs/0/results/1/ruleId', message: /is required/ },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.sarif.json', (d) => {
            d.version = '2.0.0';
          }),
          JSON_TYPE,
        ),
      { kind: 'vuln', format: 'sarif', pointer: '/version', message: /must be "2.1.0" \(got "2.0.0"\)/ },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('trivy.sarif.json', (d) => {
            at(d, 'runs', 0, 'results', 0).level = 'fatal';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'sarif',
        pointer: '/runs/0/results/0/level',
        message: /must be one of none, note, warning, error/,
      },
    );
  });
});

describe('vuln: CycloneDX with vulnerabilities', () => {
  it("validates and normalises Trivy's CycloneDX 1.5 report", () => {
    const content = fixture('cyclonedx-vuln.json');
    assert.deepEqual(vulnKind.validate(content, 'application/vnd.cyclonedx+json'), { format: 'cyclonedx' });
    const report = vulnKind.normalise(content, 'application/vnd.cyclonedx+json');
    assert.deepEqual(report.scanner, { name: 'trivy', version: '0.57.1' });
    assert.equal(report.scannedAt, '2026-11-23T05:10:41.000Z');
    assert.deepEqual(report.findings.map(row), [
      // The rating of the record's own source (debian) decides, as in Trivy's JSON.
      ['CVE-2023-45853', '', 'low', 9.8, 'zlib1g', '1:1.2.13.dfsg-1', null, false],
      ['CVE-2023-5363', 'DSA-5532-1', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
      ['CVE-2023-45288', 'GHSA-4v7x-pqxf-cx7m', 'medium', 7.5, 'golang.org/x/net', 'v0.17.0', '0.23.0', true],
    ]);
    assert.equal(report.findings[2]!.package.purl, 'pkg:golang/golang.org/x/net@v0.17.0');
  });

  it('refuses an SBOM without vulnerabilities, pointing at sbom', () => {
    assertInvalid(() => vulnKind.validate(fixture('cyclonedx-sbom.json'), JSON_TYPE), {
      kind: 'vuln',
      format: 'cyclonedx',
      pointer: '/vulnerabilities',
      message: /is required: a CycloneDX BOM without vulnerabilities is an SBOM \(store it as sbom\)/,
    });
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('cyclonedx-vuln.json', (d) => {
            at(d, 'vulnerabilities', 1, 'ratings', 0).severity = 'severe';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'cyclonedx',
        pointer: '/vulnerabilities/1/ratings/0/severity',
        message: /must be one of critical, high, medium, low, info, none, unknown \(got "severe"\)/,
      },
    );
  });
});

describe('vuln: cosign vuln predicate', () => {
  it('reads the predicate in an in-toto statement', () => {
    const content = fixture('cosign-vuln.intoto.json');
    assert.deepEqual(vulnKind.validate(content, 'application/vnd.in-toto+json'), { format: 'cosign-vuln' });
    const report = vulnKind.normalise(content, 'application/vnd.in-toto+json');
    assert.deepEqual(report.scanner, { name: 'trivy', version: '0.57.1' });
    assert.equal(report.scannedAt, '2026-11-23T05:20:00.500Z');
    assert.deepEqual(report.findings.map(row), [
      ['CVE-2023-5363', 'DSA-5532-1', 'high', 7.5, 'libssl3', '3.0.11-1~deb12u1', '3.0.11-1~deb12u2', true],
    ]);
  });

  it('reads the bare predicate (trivy --format cosign-vuln) and its scanners[] form', () => {
    const predicate = at(fixtureJson('cosign-vuln.intoto.json'), 'predicate');
    assert.equal(vulnKind.normalise(bytes(predicate), JSON_TYPE).format, 'cosign-vuln');
    const { scanner, ...rest } = predicate;
    const report = vulnKind.normalise(bytes({ ...rest, scanners: [scanner] }), JSON_TYPE);
    assert.equal(report.findings.length, 1);
  });

  it('reads a DSSE envelope holding the statement', () => {
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(fixture('cosign-vuln.intoto.json')).toString('base64'),
      signatures: [{ keyid: '', sig: 'MEUCIQ...' }],
    };
    assert.equal(vulnKind.normalise(bytes(envelope), JSON_TYPE).findings[0]!.id, 'CVE-2023-5363');
  });

  it('names the field at fault, inside the scan result too', () => {
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('cosign-vuln.intoto.json', (d) => {
            at(d, 'predicate', 'scanner', 'result', 'Results', 0, 'Vulnerabilities', 0).Severity = 'BAD';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'trivy',
        pointer: '/predicate/scanner/result/Results/0/Vulnerabilities/0/Severity',
        message: /must be one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN \(got "BAD"\)/,
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('cosign-vuln.intoto.json', (d) => {
            d.predicateType = 'https://slsa.dev/provenance/v1';
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'in-toto',
        pointer: '/predicateType',
        message: /must be https:\/\/cosign.sigstore.dev\/attestation\/vuln\/v1/,
      },
    );
    assertInvalid(
      () =>
        vulnKind.validate(
          mutated('cosign-vuln.intoto.json', (d) => {
            at(d, 'predicate', 'scanner').result = { hello: 'world' };
          }),
          JSON_TYPE,
        ),
      {
        kind: 'vuln',
        format: 'cosign-vuln',
        pointer: '/predicate/scanner/result',
        message: /must be a Trivy JSON report/,
      },
    );
  });
});

describe('vuln: unrecognised content', () => {
  it('rejects other JSON, non-JSON and binary content', () => {
    assertInvalid(() => vulnKind.validate(bytes({ hello: 'world' }), JSON_TYPE), {
      kind: 'vuln',
      format: undefined,
      pointer: '',
      message: /^vuln: the document must be a Trivy JSON report, a Grype JSON report, SARIF 2.1.0/,
    });
    assertInvalid(() => vulnKind.validate(bytes('CVE-2023-5363 high\n'), 'text/plain'), {
      kind: 'vuln',
      format: undefined,
      pointer: '',
      message: /^vuln: the document is not valid JSON/,
    });
    assertInvalid(
      () => vulnKind.validate(new Uint8Array([0xff, 0xfe, 0x00, 0x01]), 'application/octet-stream'),
      {
        kind: 'vuln',
        format: undefined,
        pointer: '',
        message: 'vuln: the document is not UTF-8 text',
      },
    );
  });
});

describe('vuln: summary', () => {
  it('counts findings by severity and lists the worst', () => {
    assert.deepEqual(vulnKind.summarise(vulnKind.normalise(fixture('grype.json'), JSON_TYPE)), [
      'grype 0.79.1 scan (grype) of registry.example.com/team/app:v1.1 at 2026-11-23T05:12:03.528Z',
      '4 findings (1 critical, 1 high, 1 medium, 1 negligible), 2 fixable',
      '  critical CVE-2023-45853 in zlib1g 1:1.2.13.dfsg-1 (no fix)',
      '  high CVE-2023-5363 in libssl3 3.0.11-1~deb12u1 (fixed in 3.0.11-1~deb12u2)',
    ]);
  });
});

describe('vuln: SARIF as real tools write it', () => {
  it("attributes govulncheck's findings to Go modules, so its OpenVEX from the same run suppresses them", async () => {
    const { vexKind } = await import('../../../src/kinds/vex/kind.ts');
    const { applyVex } = await import('../../../src/kinds/vex/apply.ts');
    const report = vulnKind.normalise(fixture('govulncheck.sarif.json'), 'application/sarif+json');
    assert.equal(report.scanner.name, 'govulncheck');
    assert.deepEqual(
      report.findings.map((f) => [f.id, f.package.name, f.package.version, f.package.purl, f.severity]),
      [
        [
          'GO-2024-2611',
          'google.golang.org/protobuf',
          'v1.32.0',
          'pkg:golang/google.golang.org/protobuf@v1.32.0',
          'unknown',
        ],
        ['GO-2024-2687', 'golang.org/x/net', '', 'pkg:golang/golang.org/x/net', 'unknown'],
        ['GO-2024-2963', 'stdlib', 'v1.22.4', 'pkg:golang/stdlib@v1.22.4', 'unknown'],
      ],
    );
    assert.deepEqual(report.findings[1]!.aliases, ['CVE-2023-45288', 'GHSA-4v7x-pqxf-cx7m']);
    const vex = vexKind.normalise(fixture('govulncheck.openvex.json'), 'application/vnd.openvex+json');
    const applied = applyVex(report.findings, [vex]);
    assert.deepEqual(
      applied.suppressed.map((s) => [s.finding.id, s.status]),
      [['GO-2024-2687', 'not_affected']],
    );
    assert.deepEqual(
      applied.findings.map((f) => f.id),
      ['GO-2024-2611', 'GO-2024-2963'],
    );
  });

  it("keeps Trivy's secret results out of the findings, as its JSON does", () => {
    const sarif = vulnKind.normalise(fixture('trivy-secret.sarif.json'), 'application/sarif+json');
    const json = vulnKind.normalise(fixture('trivy-secret.json'), 'application/json');
    assert.equal(json.findings.length, 0);
    assert.deepEqual(sarif.findings, json.findings);
    assert.equal(sarif.target, 'registry.example.com/team/app:v1.1');
    // A vulnerability scan's SARIF keeps its findings.
    assert.equal(vulnKind.normalise(fixture('trivy.sarif.json'), '').findings.length > 0, true);
  });

  it('refuses an ESLint SARIF as vuln: no vulnerability rules', () => {
    assertInvalid(() => vulnKind.normalise(fixture('eslint.sarif.json'), 'application/sarif+json'), {
      kind: 'vuln',
      format: 'sarif',
      pointer: '/runs/0/tool/driver/name',
      message:
        /is ESLint, whose rules \(no-unused-vars, no-eval\) report no vulnerabilities: not a vulnerability report/,
    });
  });
});
