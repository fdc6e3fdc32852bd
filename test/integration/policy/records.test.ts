// Approvals and deployments are records from many writers (docs/kinds.md, "Records"): on
// distribution 2.8 (tag schema) and refreg (referrers API), each put adds a version and none hides
// another. check reads the latest approval per gate across the versions, show the latest approval per
// gate and the latest deployment per environment and cluster; under a signedBy rule (and show
// --verify) only signed versions count.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pushTestImage } from '../../support/images.ts';
import { type Backend, backend, ok } from './support.ts';

const GATES_POLICY = `version: 1
rules:
  - name: released
    approvals: [{ gate: qa }, { gate: security, approvers: [bob@example.com] }]
  - name: cel-sees-both
    cel: 'size(approval.approvals) == 2'
`;

function approval(b: Backend, gate: string, status: string, approver: string, time: string): string {
  return b.file(`${gate}.yaml`, `gate: ${gate}\nstatus: ${status}\napprover: ${approver}\ntime: ${time}\n`);
}

function deployment(b: Backend, environment: string, cluster: string, extra = ''): string {
  return b.file(
    `${environment}.yaml`,
    `environment: ${environment}\ncluster: ${cluster}\ndeployedAt: 2026-11-24T09:00:00Z\nby: argocd@${environment}\n${extra}`,
  );
}

// key generate takes no registry flags: keys live in a layout backend's scratch directory.
const local = backend('layout');
after(() => local.cleanup());

interface ShowJson {
  versions: string[];
  normalised: {
    approvals?: Array<{ gate: string; status: string; approver: string; version: string }>;
    deployments?: Array<{ environment: string; cluster: string; active: boolean; version: string }>;
  };
}

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`approvals and deployments from many writers on ${kind}`, () => {
    const b = backend(kind);
    after(() => b.cleanup());

    it("Bob's security approval keeps Alice's QA approval: check allows, show lists both", async () => {
      const { repository, ref } = await b.newRepository('records-approvals');
      await pushTestImage(repository, { tag: 'v1' });
      const policy = b.file('gates.yaml', GATES_POLICY);
      ok(
        await b.cli([
          'put',
          ref('v1'),
          'approvals',
          approval(b, 'qa', 'approved', 'alice@example.com', '2026-11-23T06:20:11Z'),
        ]),
        'put qa',
      );
      ok(
        await b.cli([
          'put',
          ref('v1'),
          'approvals',
          approval(b, 'security', 'approved', 'bob@example.com', '2026-11-23T09:45:00Z'),
        ]),
        'put security',
      );
      const check = await b.cli(['check', ref('v1'), '--policy', policy]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /^pass {2}released: approved: qa by alice@example\.com, security by bob/m);
      assert.match(check.stdout, /^pass {2}cel-sees-both: /m);

      const shown = await b.cli(['show', ref('v1'), 'approvals']);
      const text = ok(shown, 'show');
      assert.match(text, /; 2 versions merged$/m);
      assert.match(text, /^qa: approved by alice@example\.com at 2026-11-23T06:20:11\.000Z \[sha256:/m);
      assert.match(text, /^security: approved by bob@example\.com at 2026-11-23T09:45:00\.000Z \[sha256:/m);
      const json = JSON.parse(ok(await b.cli(['show', ref('v1'), 'approvals', '--json']), 'show --json'));
      const { versions, normalised } = json as ShowJson;
      assert.equal(versions.length, 2);
      assert.deepEqual(
        normalised.approvals?.map((a) => [a.gate, a.approver, a.version]),
        [
          ['qa', 'alice@example.com', versions[1]],
          ['security', 'bob@example.com', versions[0]],
        ],
      );

      // Alice withdraws her approval later: the latest per gate wins, the gate denies.
      ok(
        await b.cli([
          'put',
          ref('v1'),
          'approval',
          approval(b, 'qa', 'rejected', 'alice@example.com', '2026-11-24T08:00:00Z'),
        ]),
        'put qa rejected',
      );
      const denied = await b.cli(['check', ref('v1'), '--policy', policy]);
      assert.equal(denied.code, 10, denied.stdout + denied.stderr);
      assert.match(denied.stdout, /^FAIL {2}released: qa: rejected by alice@example\.com$/m);
    });

    it('a staging deployment keeps the production one; an undeployment replaces its deployment', async () => {
      const { repository, ref } = await b.newRepository('records-deployments');
      await pushTestImage(repository, { tag: 'v1' });
      ok(await b.cli(['put', ref('v1'), 'deployment', deployment(b, 'production', 'eu-prod')]), 'put prod');
      ok(
        await b.cli(['put', ref('v1'), 'deployments', deployment(b, 'staging', 'eu-staging')]),
        'put staging',
      );
      const text = ok(await b.cli(['show', ref('v1'), 'deployment']), 'show');
      assert.match(
        text,
        /^production \(eu-prod\): deployed since 2026-11-24T09:00:00\.000Z by argocd@production/m,
      );
      assert.match(text, /^staging \(eu-staging\): deployed since/m);

      ok(
        await b.cli([
          'put',
          ref('v1'),
          'deployment',
          deployment(b, 'production', 'eu-prod', 'undeployedAt: 2026-12-01T17:00:00Z\n'),
        ]),
        'put undeployed',
      );
      const json = JSON.parse(ok(await b.cli(['show', ref('v1'), 'deployment', '--json']), 'show --json'));
      const { versions, normalised } = json as ShowJson;
      assert.equal(versions.length, 3);
      assert.deepEqual(
        normalised.deployments?.map((d) => [d.environment, d.cluster, d.active, d.version]),
        [
          ['production', 'eu-prod', false, versions[0]],
          ['staging', 'eu-staging', true, versions[1]],
        ],
      );
    });

    it('under a signedBy rule an unsigned approval does not count', async () => {
      const { repository, ref } = await b.newRepository('records-signed');
      await pushTestImage(repository, { tag: 'v1' });
      const key = local.file('ci', '');
      ok(await local.cli(['key', 'generate', '--out', key, '--subject', 'CN=ci, O=Acme']), 'key');
      const trust = b.file(
        'trust.yaml',
        `version: 1\nauthorities:\n  ci: { certificates: ["${key}.crt"] }\nrules:\n  - { repositories: ["**"], types: ["*"], authorities: [ci] }\n`,
      );
      const policy = b.file(
        'signed-gates.yaml',
        `version: 1
rules:
  - name: released
    approvals: [{ gate: qa }, { gate: security }]
  - name: signed
    signedBy: { types: [approval], authorities: [ci] }
`,
      );
      ok(
        await b.cli([
          'put',
          ref('v1'),
          'approvals',
          approval(b, 'qa', 'approved', 'alice@example.com', '2026-11-23T06:20:11Z'),
          '--sign',
          `${key}.key`,
        ]),
        'put signed qa',
      );
      ok(
        await b.cli([
          'put',
          ref('v1'),
          'approvals',
          approval(b, 'security', 'approved', 'mallory@example.com', '2026-11-23T09:45:00Z'),
        ]),
        'put unsigned security',
      );
      const result = await b.cli(['check', ref('v1'), '--policy', policy, '--trust-policy', trust]);
      assert.equal(result.code, 10, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        /^FAIL {2}released: security: no approval \(ignored: sha256:[0-9a-f]{12} not signed by ci\)$/m,
      );

      // show --verify merges the verified versions only; without it, every version.
      const all = ok(await b.cli(['show', ref('v1'), 'approvals']), 'show');
      assert.match(all, /^security: approved by mallory@example\.com/m);
      const verified = await b.cli(['show', ref('v1'), 'approvals', '--verify', '--trust-policy', trust]);
      assert.equal(verified.code, 0, verified.stderr);
      assert.match(verified.stdout, /; 1 version merged$/m);
      assert.match(verified.stdout, /^qa: approved by alice@example\.com/m);
      assert.doesNotMatch(verified.stdout, /mallory/);
      assert.match(verified.stderr, /^warning: approvals sha256:[0-9a-f]{12} left out not verified: /m);
    });
  });
}
