// Gate policy rules (docs/policy.md), each allowing and denying, on the kinds' fixtures.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import type { MetadataVersion } from '../../../src/metadata/version.ts';
import {
  type EvaluationContext,
  type EvaluationSubject,
  evaluateSubject,
  type PresentVersion,
  type RuleVerdict,
} from '../../../src/policy/gate/evaluate.ts';
import { compilePolicyCel } from '../../../src/policy/gate/gate.ts';
import { parseGatePolicy } from '../../../src/policy/gate/gate-policy.ts';
import type { SignatureVerification } from '../../../src/policy/trust/verifier.ts';

const IMAGE_DIGEST = 'sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d';
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'kinds');
const NOW = new Date('2026-11-25T00:00:00Z');

let versionCount = 0;
function present(
  type: string,
  file: string | Uint8Array,
  created = '2026-11-23T08:00:00.000Z',
): PresentVersion {
  const content = typeof file === 'string' ? readFileSync(join(FIXTURES, file)) : file;
  const digest = `sha256:${(++versionCount).toString(16).padStart(64, '0')}`;
  const version: MetadataVersion = {
    digest,
    descriptor: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1 },
    type,
    label: type,
    manifesto: true,
    artifactType: undefined,
    created: Date.parse(created),
    createdText: created,
    author: 'ci@example.com',
    supersedes: undefined,
    content: {
      digest: `sha256:${'f'.repeat(64)}`,
      size: content.byteLength,
      mediaType: typeof file === 'string' && file.endsWith('.yaml') ? 'application/yaml' : 'application/json',
    },
    annotations: {},
  };
  return {
    type,
    version,
    subject: { mediaType: version.descriptor.mediaType, digest: IMAGE_DIGEST, size: 1 },
    inherited: false,
    content,
  };
}

function subject(...versions: PresentVersion[]): EvaluationSubject {
  return {
    label: 'registry.example.com/team/app:v1.1',
    platform: undefined,
    digest: IMAGE_DIGEST,
    reference: 'registry.example.com/team/app:v1.1',
    versions: new Map(versions.map((v) => [v.type, v])),
  };
}

const FULL = () =>
  subject(
    present('vuln', 'trivy.json'),
    present('vex', 'openvex.json'),
    present('sbom', 'spdx.json'),
    present('provenance', 'provenance-slsa-v1.json'),
    present('approvals', 'approvals.yaml'),
  );

async function evaluate(
  yaml: string,
  target: EvaluationSubject,
  signatures?: Map<string, SignatureVerification>,
): Promise<RuleVerdict> {
  const policy = parseGatePolicy(new TextEncoder().encode(`version: 1\nrules:\n${yaml}`), 'test-policy.yaml');
  const cel = await compilePolicyCel(policy, 'test-policy.yaml');
  const context: EvaluationContext = { now: NOW, cel, signatures, cache: new Map() };
  const decision = evaluateSubject(policy, target, context);
  assert.equal(decision.rules.length, 1);
  return decision.rules[0]!;
}

function assertAllowed(verdict: RuleVerdict): void {
  assert.equal(verdict.allowed, true, `expected allow, got: ${verdict.reason}`);
}
function assertDenied(verdict: RuleVerdict, reason: RegExp): void {
  assert.equal(verdict.allowed, false, `expected deny, got allow: ${verdict.reason}`);
  assert.match(verdict.reason, reason);
}

describe('policy rules', () => {
  it('require: allows when every type is present (kind aliases count), denies naming the missing', async () => {
    assertAllowed(await evaluate('  - require: [vuln, sbom, approval]\n', FULL()));
    assertDenied(
      await evaluate('  - require: [vuln, seccomp, contact]\n', FULL()),
      /missing: seccomp, contact/,
    );
  });

  it('maxAge: from the scan time of vuln, else the stored time', async () => {
    // Scanned 2026-11-23T05:10:41Z, now 2026-11-25T00:00Z: 1d 18h.
    assertAllowed(await evaluate('  - maxAge: { type: vuln, age: 2d }\n', FULL()));
    assertDenied(
      await evaluate('  - maxAge: { type: vuln, age: 1d }\n', FULL()),
      /scanned 2026-11-23T05:10:41.123Z.*older than 1d/,
    );
    const old = subject(present('vuln', 'trivy.json', '2026-11-24T20:00:00.000Z'));
    assertAllowed(await evaluate('  - maxAge: { type: vuln, age: 12h, from: created }\n', old));
    assertDenied(
      await evaluate('  - maxAge: { type: sbom, age: 12h }\n', FULL()),
      /sbom stored 2026-11-23T08:00:00.000Z.*older than 12h/,
    );
    assertDenied(
      await evaluate('  - maxAge: { type: lifecycle, age: 12h }\n', FULL()),
      /no lifecycle metadata/,
    );
  });

  it('vulnerabilities: maxSeverity, with VEX and allow lists', async () => {
    // The critical CVE-2023-45853 is not_affected per the VEX for this image digest.
    assertAllowed(await evaluate('  - vulnerabilities: { maxSeverity: high }\n', FULL()));
    assertDenied(
      await evaluate('  - vulnerabilities: { maxSeverity: high, vex: false }\n', FULL()),
      /1 above high: CVE-2023-45853 \(critical\) in zlib1g/,
    );
    // Without the VEX document the critical one counts, unless allowed.
    const noVex = subject(present('vuln', 'trivy.json'));
    assertDenied(await evaluate('  - vulnerabilities: { maxSeverity: high }\n', noVex), /CVE-2023-45853/);
    assertAllowed(
      await evaluate('  - vulnerabilities: { maxSeverity: high, allow: [CVE-2023-45853] }\n', noVex),
    );
    assertDenied(await evaluate('  - vulnerabilities: { maxSeverity: medium }\n', noVex), /2 above medium/);
  });

  it('vulnerabilities: noFixable', async () => {
    const noVex = subject(present('vuln', 'trivy.json'));
    // CVE-2023-5363 (high) has a fix; the critical one has none.
    assertDenied(
      await evaluate('  - vulnerabilities: { noFixable: [high, critical] }\n', noVex),
      /1 fixable high\/critical: CVE-2023-5363 \(high\) in libssl3/,
    );
    assertAllowed(await evaluate('  - vulnerabilities: { noFixable: [critical] }\n', noVex));
    assertDenied(
      await evaluate('  - vulnerabilities: { noFixable: [critical] }\n', subject()),
      /no vuln metadata/,
    );
  });

  it('approvals: latest per gate approved, optionally by named approvers', async () => {
    assertAllowed(
      await evaluate(
        '  - approvals: [{ gate: qa }, { gate: security, approvers: [bob@example.com] }]\n',
        FULL(),
      ),
    );
    assertDenied(
      await evaluate('  - approvals: [{ gate: release }]\n', FULL()),
      /release: rejected by carol@example.com/,
    );
    assertDenied(
      await evaluate('  - approvals: [{ gate: qa, approvers: [bob@example.com] }]\n', FULL()),
      /qa: approved by alice@example.com, not by bob@example.com/,
    );
    assertDenied(await evaluate('  - approvals: [{ gate: perf }]\n', FULL()), /perf: no approval/);
  });

  it('provenance: builder and source globs', async () => {
    assertAllowed(
      await evaluate(
        '  - provenance: { builderId: "https://github.com/acme/*", sourceRepo: "https://github.com/acme/*" }\n',
        FULL(),
      ),
    );
    assertDenied(
      await evaluate('  - provenance: { sourceRepo: "https://github.com/other/*" }\n', FULL()),
      /source https:\/\/github.com\/acme\/app does not match/,
    );
  });

  it('provenance: the statement must be about the image (subjectMatchesImage, default true)', async () => {
    const other = present(
      'provenance',
      new TextEncoder().encode(
        readFileSync(join(FIXTURES, 'provenance-slsa-v1.json'), 'utf8').replace(
          '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
          'a'.repeat(64),
        ),
      ),
    );
    // The fixture's subject is IMAGE_DIGEST.
    assertAllowed(await evaluate('  - provenance: {}\n', FULL()));
    assertDenied(
      await evaluate('  - provenance: {}\n', subject(other)),
      new RegExp(`the provenance is about sha256:${'a'.repeat(64)}, not ${IMAGE_DIGEST}`),
    );
    assertAllowed(await evaluate('  - provenance: { subjectMatchesImage: false }\n', subject(other)));
    // Inherited from the index: the index's digest counts too.
    const inherited = present(
      'provenance',
      new TextEncoder().encode(
        readFileSync(join(FIXTURES, 'provenance-slsa-v1.json'), 'utf8').replace(
          '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
          'b'.repeat(64),
        ),
      ),
    );
    inherited.subject = { ...inherited.subject, digest: `sha256:${'b'.repeat(64)}` };
    inherited.inherited = true;
    assertAllowed(await evaluate('  - provenance: {}\n', subject(inherited)));
  });

  it('signedBy: authorities from the verifier; fails closed without one', async () => {
    const full = FULL();
    const vuln = full.versions.get('vuln')!.version.digest;
    const good = new Map([[vuln, { authorities: ['acme-ci'], reason: 'signed by acme-ci' }]]);
    assertAllowed(await evaluate('  - signedBy: { types: [vuln], authorities: [acme-ci] }\n', full, good));
    const expired = new Map([[vuln, { authorities: [], reason: 'the certificate expired' }]]);
    assertDenied(
      await evaluate('  - signedBy: { types: [vuln], authorities: [acme-ci] }\n', full, expired),
      /vuln not signed by acme-ci: the certificate expired/,
    );
    assertDenied(
      await evaluate('  - signedBy: { types: [vuln], authorities: [acme-ci] }\n', full),
      /no signature verifier/,
    );
  });

  it('cel: conditions over the normalised content', async () => {
    assertAllowed(
      await evaluate(
        '  - cel: \'sbom.packageCount < 500 && provenance.sourceRepo.startsWith("https://github.com/acme/")\'\n',
        FULL(),
      ),
    );
    assertDenied(
      await evaluate(
        '  - cel: \'vuln.findings.all(f, f.severity != "critical")\'\n    message: no critical findings\n',
        FULL(),
      ),
      /^no critical findings$/,
    );
    assertDenied(
      await evaluate('  - cel: \'contact.team == "payments"\'\n', FULL()),
      /could not be evaluated/,
    );
    assertDenied(await evaluate("  - cel: 'sbom.packageCount'\n", FULL()), /not a bool/);
  });

  it('stored content that does not normalise denies the rules that read it', async () => {
    const bad = subject(
      present('vuln', new TextEncoder().encode('{"SchemaVersion":2,"Results":[{"Target":1}]}')),
    );
    assertDenied(
      await evaluate('  - vulnerabilities: { maxSeverity: critical }\n', bad),
      /vuln sha256:.* is invalid: vuln \(trivy\)/,
    );
  });
});

describe('policy file', () => {
  function problem(yaml: string): string {
    try {
      parseGatePolicy(new TextEncoder().encode(yaml), 'deploy-policy.yaml');
    } catch (error) {
      assert.ok(isManifestoError(error));
      assert.equal(error.code, 'POLICY_INVALID');
      assert.equal(error.exitCode, 2);
      return error.message;
    }
    assert.fail('expected POLICY_INVALID');
  }

  it('names the field at fault', () => {
    assert.equal(problem('rules: []\n'), 'deploy-policy.yaml: /version is required');
    assert.match(
      problem('version: 1\nrules:\n  - maxAge: { type: vuln, age: soon }\n'),
      /^deploy-policy.yaml: \/rules\/0\/maxAge\/age must be a duration/,
    );
    assert.match(
      problem('version: 1\nrules:\n  - require: [sbom]\n  - vulnerabilities: { maxSeverity: severe }\n'),
      /\/rules\/1\/vulnerabilities\/maxSeverity must be one of critical, high/,
    );
    assert.match(
      problem('version: 1\nrules:\n  - requires: [sbom]\n'),
      /\/rules\/0\/requires is not a known field/,
    );
    assert.match(problem('version: 1\nrules:\n  - name: x\n'), /\/rules\/0 must have one of require, maxAge/);
    assert.match(
      problem('version: 1\nrules:\n  - require: [a]\n    cel: "true"\n'),
      /must have only one of require, cel/,
    );
    assert.match(
      problem('version: 1\nrules:\n  - {name: a, require: [a]}\n  - {name: a, require: [b]}\n'),
      /"a" is used twice/,
    );
  });

  it('rejects a CEL expression that does not parse, naming the rule', async () => {
    const policy = parseGatePolicy(
      new TextEncoder().encode('version: 1\nrules:\n  - cel: "sbom.packageCount <"\n'),
      'p.yaml',
    );
    await assert.rejects(
      compilePolicyCel(policy, 'p.yaml'),
      /p.yaml: \/rules\/0\/cel: the CEL expression does not parse/,
    );
  });
});
