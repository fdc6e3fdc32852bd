// The deployment gate (docs/policy.md) on real registries: check allows and denies with exit codes
// 0 and 10, evaluates each platform of a multi-arch image (own metadata, else the index's), records
// decisions, costs one referrers listing per subject plus one fetch per needed version; show
// summarises well-known kinds.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Platform } from '../../../src/oci/descriptor.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';
import { backend, fixture, ok, provenanceAbout } from './support.ts';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

const POLICY = `version: 1
name: production
rules:
  - name: metadata-present
    require: [vuln, sbom, provenance, approval]
  - name: fresh-scan
    maxAge: { type: vuln, age: 30d, from: created }
  - name: no-fixable-critical
    vulnerabilities: { maxSeverity: critical, noFixable: [critical], allow: [CVE-2011-3374] }
  - name: released
    approvals: [{ gate: qa }, { gate: security, approvers: [bob@example.com] }]
  - name: built-by-acme
    provenance: { builderId: "https://github.com/acme/*", sourceRepo: "https://github.com/acme/*" }
  - name: small
    cel: 'sbom.packageCount < 100'
`;

interface CheckJson {
  decision: 'allow' | 'deny';
  platforms: Array<{
    platform: string | null;
    decision: string;
    rules: Array<{ rule: string; verdict: string; reason: string }>;
  }>;
  recorded: string | null;
}

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`check on ${kind}`, () => {
    const b = backend(kind);
    after(() => b.cleanup());
    const policy = b.file('deploy-policy.yaml', POLICY);

    it('allows an image with good metadata (exit 0): one listing, one fetch per needed version', async (t) => {
      const { repository, ref } = await b.newRepository('check-allow');
      const image = await pushTestImage(repository, { tag: 'v1' });
      for (const [type, file] of [
        ['vuln', fixture('trivy.json')],
        ['vex', fixture('openvex.json')],
        ['sbom', fixture('spdx.json')],
        ['provenance', provenanceAbout(b, image.digest)],
        ['approvals', fixture('approvals.yaml')],
      ] as const)
        ok(await b.cli(['put', ref('v1'), type, file]), `put ${type}`);
      const events: RequestEvent[] = [];
      const result = await b.cli(['check', ref('v1'), '--policy', policy, '--json'], {
        onRequest: (e) => events.push(e),
      });
      const json = JSON.parse(ok(result, 'check')) as CheckJson;
      assert.equal(json.decision, 'allow');
      assert.deepEqual(
        json.platforms[0]!.rules.map((r) => r.verdict),
        ['pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
      );
      const summary = events.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);
      t.diagnostic(`check, 5 kinds on ${kind}: ${events.length} requests: ${summary.join(', ')}`);
      const listings = events.filter((e) => /\/referrers\/|\/manifests\/sha256-/.test(e.url));
      assert.equal(listings.length, 1, summary.join(', '));
      const blobs = events.filter((e) => e.method === 'GET' && /\/blobs\//.test(e.url));
      // vuln, vex, approvals, provenance and sbom (cel) content: one fetch each.
      assert.equal(blobs.length, 5, summary.join(', '));

      const human = await b.cli(['check', ref('v1'), '--policy', policy]);
      assert.equal(human.code, 0);
      assert.match(
        human.stdout,
        /^pass {2}released: approved: qa by alice@example.com, security by bob@example.com$/m,
      );
      assert.match(human.stdout, /^allow: .* passes /m);

      const shown = ok(await b.cli(['show', ref('v1'), 'vuln']), 'show');
      assert.match(shown, /5 findings \(1 critical, 1 high, 2 medium, 1 low\), 3 fixable/);
      const shownJson = JSON.parse(
        ok(await b.cli(['show', ref('v1'), 'approvals', '--json']), 'show --json'),
      ) as {
        kind: string;
        normalised: { approvals: unknown[] };
      };
      assert.equal(shownJson.kind, 'approval');
      // Records from many writers: the latest approval of each of the 3 gates (of 4 entries).
      assert.equal(shownJson.normalised.approvals.length, 3);
    });

    it('denies with exit 10 and reasons; --record stores the decision', async () => {
      const { repository, ref } = await b.newRepository('check-deny');
      await pushTestImage(repository, { tag: 'v1' });
      ok(await b.cli(['put', ref('v1'), 'vuln', fixture('trivy.json')]), 'put vuln');
      ok(await b.cli(['put', ref('v1'), 'approvals', fixture('approvals.yaml')]), 'put approvals');
      const strict = b.file(
        'strict.yaml',
        'version: 1\nrules:\n  - require: [vuln, sbom]\n  - approvals: [{ gate: release }]\n  - vulnerabilities: { noFixable: [high, critical] }\n',
      );
      const result = await b.cli(['check', ref('v1'), '--policy', strict, '--record']);
      assert.equal(result.code, 10, result.stderr);
      assert.match(result.stdout, /^FAIL {2}require#1: missing: sbom$/m);
      assert.match(result.stdout, /^FAIL {2}approvals#2: release: rejected by carol@example.com$/m);
      assert.match(
        result.stdout,
        /^FAIL {2}vulnerabilities#3: 1 fixable high\/critical: CVE-2023-5363 \(high\) in libssl3/m,
      );
      assert.match(result.stdout, /^deny: /m);
      assert.match(result.stdout, /^recorded as decision version sha256:/m);
      const recorded = JSON.parse(
        ok(await b.cli(['get', ref('v1'), 'decision']), 'get decision'),
      ) as CheckJson;
      assert.equal(recorded.decision, 'deny');
      const bad = await b.cli([
        'check',
        ref('v1'),
        '--policy',
        b.file('bad.yaml', 'version: 1\nrules:\n  - maxAge: { type: vuln, age: soon }\n'),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /bad.yaml: \/rules\/0\/maxAge\/age must be a duration/);
    });

    it('evaluates each platform of a multi-arch image; one failing platform denies, naming it', async () => {
      const { repository, ref } = await b.newRepository('check-multi');
      const image = await pushTestMultiPlatformImage(repository, [AMD64, ARM64], { tag: 'v1' });
      // Index-level metadata applies to every platform; the scan exists for amd64 only.
      for (const [type, file] of [
        ['sbom', fixture('spdx.json')],
        ['provenance', provenanceAbout(b, image.index.digest)],
        ['approvals', fixture('approvals.yaml')],
      ] as const)
        ok(await b.cli(['put', ref('v1'), type, file]), `put ${type}`);
      ok(
        await b.cli(['put', ref('v1'), 'vuln', fixture('trivy.json'), '--platform', 'linux/amd64']),
        'put vuln',
      );
      const result = await b.cli(['check', ref('v1'), '--policy', policy, '--json']);
      assert.equal(result.code, 10, result.stderr);
      const json = JSON.parse(result.stdout) as CheckJson;
      assert.equal(json.decision, 'deny');
      assert.deepEqual(
        json.platforms.map((p) => [p.platform, p.decision]),
        [
          ['linux/amd64', 'allow'],
          ['linux/arm64/v8', 'deny'],
        ],
      );
      const arm = json.platforms[1]!;
      assert.deepEqual(arm.rules.find((r) => r.rule === 'metadata-present')?.reason, 'missing: vuln');
      const human = await b.cli(['check', ref('v1'), '--policy', policy]);
      assert.equal(human.code, 10);
      assert.match(human.stdout, /^deny: .* on linux\/arm64\/v8$/m);
      // --platform narrows the check to one platform.
      const amd = await b.cli(['check', ref('v1'), '--policy', policy, '--platform', 'linux/amd64']);
      assert.equal(amd.code, 0, amd.stdout + amd.stderr);
      assert.equal(image.children.length, 2);
    });
  });
}
