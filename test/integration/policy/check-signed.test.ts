// The deployment gate's signedBy rules under the trust policy, on distribution 2.8 (referrers tag
// schema), refreg (OCI referrers API) and an OCI layout: unsigned, expired, properly signed, and
// signed by an authority the rule does not name; check --record --sign (the decision verifies with
// get --verify); provenance about another image; and the requests signature verification adds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage } from '../../support/images.ts';
import { type Backend, backend, fixture, ok, provenanceAbout } from './support.ts';

const KINDS = [
  ['vuln', 'trivy.json'],
  ['vex', 'openvex.json'],
  ['sbom', 'spdx.json'],
  ['provenance', ''],
  ['approvals', 'approvals.yaml'],
] as const;

const BASE_RULES = `  - name: metadata-present
    require: [vuln, vex, sbom, provenance, approvals]
  - name: no-fixable-critical
    vulnerabilities: { noFixable: [critical], allow: [CVE-2011-3374] }
  - name: built-by-acme
    provenance: { builderId: "https://github.com/acme/*" }
`;
const SIGNED_RULE = `  - name: signed-by-ci
    signedBy: { types: [vuln, vex, sbom, provenance, approvals], authorities: [acme-ci] }
`;

interface CheckJson {
  decision: 'allow' | 'deny';
  platforms: Array<{ rules: Array<{ rule: string; verdict: string; reason: string }> }>;
  recorded: string | null;
  signature?: { format: string; digest: string };
}

interface Keys {
  ci: string;
  qa: string;
  gate: string;
  trust: string;
}

// Keys and the trust policy live in a scratch directory of their own (key generate takes no
// registry flags).
const local = backend('layout');
after(() => local.cleanup());
let made: Promise<Keys> | undefined;
const setUp = () => {
  made ??= makeKeys(local);
  return made;
};

/** Keys (ECDSA with self-signed certificates: Notary signatures) and a trust policy naming them. */
async function makeKeys(b: Backend): Promise<Keys> {
  const out = (name: string) => b.file(name, '').replace(/$/, '');
  const keys = { ci: out('ci'), qa: out('qa'), gate: out('gate') };
  for (const [name, path] of Object.entries(keys))
    ok(await b.cli(['key', 'generate', '--out', path, '--subject', `CN=${name}, O=Acme`]), `key ${name}`);
  const trust = b.file(
    'trust-policy.yaml',
    `version: 1
authorities:
  acme-ci: { certificates: ["${keys.ci}.crt"] }
  qa: { certificates: ["${keys.qa}.crt"] }
  gate: { certificates: ["${keys.gate}.crt"] }
rules:
  - { repositories: ["**", "oci:*"], types: [decision], authorities: [gate] }
  - { repositories: ["**", "oci:*"], types: ["*"], authorities: [acme-ci, qa] }
`,
  );
  return { ...keys, trust };
}

async function putKinds(
  b: Backend,
  image: string,
  digest: string,
  sign: string[] = [],
  now?: () => Date,
): Promise<void> {
  for (const [type, file] of KINDS) {
    const path = file === '' ? provenanceAbout(b, digest) : fixture(file);
    ok(await b.cli(['put', image, type, path, ...sign], undefined, now), `put ${type}`);
  }
}

function rule(json: CheckJson, name: string) {
  const found = json.platforms[0]!.rules.find((r) => r.rule === name);
  assert.ok(found, `rule ${name} in ${JSON.stringify(json.platforms[0]!.rules)}`);
  return found;
}

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`check with signedBy on ${kind}`, () => {
    const b = backend(kind);
    after(() => b.cleanup());
    let keys: Keys;
    before(async () => {
      keys = await setUp();
    });
    const policy = () => b.file('signed-policy.yaml', `version: 1\nrules:\n${BASE_RULES}${SIGNED_RULE}`);

    it('denies unsigned metadata (exit 10, with the reason)', async () => {
      const { repository, ref } = await b.newRepository('check-unsigned');
      const image = await pushTestImage(repository, { tag: 'v1' });
      await putKinds(b, ref('v1'), image.digest);
      const result = await b.cli(['check', ref('v1'), '--policy', policy(), '--trust-policy', keys.trust]);
      assert.equal(result.code, 10, result.stderr);
      assert.match(result.stdout, /^pass {2}metadata-present: /m);
      assert.match(result.stdout, /^FAIL {2}signed-by-ci: vuln not signed by acme-ci: it is unsigned;/m);
      assert.match(result.stdout, /^deny: /m);
    });

    it('allows properly signed metadata; signature verification adds at most 2 requests per version; --record --sign', async (t) => {
      const { repository, ref } = await b.newRepository('check-signed');
      const image = await pushTestImage(repository, { tag: 'v1' });
      await putKinds(b, ref('v1'), image.digest, ['--sign', `${keys.ci}.key`]);
      const unsignedPolicy = b.file('base-policy.yaml', `version: 1\nrules:\n${BASE_RULES}`);
      const count = async (file: string) => {
        const events: RequestEvent[] = [];
        const result = await b.cli(
          ['check', ref('v1'), '--policy', file, '--trust-policy', keys.trust, '--json'],
          {
            onRequest: (e) => events.push(e),
          },
        );
        return { json: JSON.parse(ok(result, 'check')) as CheckJson, events };
      };
      const plain = await count(unsignedPolicy);
      const signed = await count(policy());
      assert.equal(plain.json.decision, 'allow');
      assert.equal(signed.json.decision, 'allow', JSON.stringify(signed.json.platforms));
      assert.equal(
        rule(signed.json, 'signed-by-ci').reason,
        'signed: vuln by acme-ci; vex by acme-ci; sbom by acme-ci; provenance by acme-ci; approvals by acme-ci',
      );
      const describe = (events: RequestEvent[]) =>
        events.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`).join(', ');
      t.diagnostic(
        `check, 5 kinds on ${kind}, no signedBy: ${plain.events.length} requests: ${describe(plain.events)}`,
      );
      t.diagnostic(
        `check, 5 kinds on ${kind}, signedBy over 5: ${signed.events.length} requests: ${describe(signed.events)}`,
      );
      assert.ok(
        signed.events.length - plain.events.length <= 2 * KINDS.length,
        `${signed.events.length - plain.events.length} requests for 5 verified versions: ${describe(signed.events)}`,
      );

      // The decision recorded and signed; get --verify accepts it under the trust policy's decision rule.
      const recorded = await b.cli([
        'check',
        ref('v1'),
        '--policy',
        policy(),
        '--trust-policy',
        keys.trust,
        '--record',
        '--sign',
        `${keys.gate}.key`,
        '--json',
      ]);
      const json = JSON.parse(ok(recorded, 'check --record --sign')) as CheckJson;
      assert.ok(json.recorded?.startsWith('sha256:'));
      assert.equal(json.signature?.format, 'notary');
      const verified = await b.cli(['get', ref('v1'), 'decision', '--verify', '--trust-policy', keys.trust]);
      assert.equal((JSON.parse(ok(verified, 'get decision --verify')) as CheckJson).decision, 'allow');
    });

    it('denies an expired signature (injected clock)', async () => {
      const { repository, ref } = await b.newRepository('check-expired');
      const image = await pushTestImage(repository, { tag: 'v1' });
      await putKinds(b, ref('v1'), image.digest, ['--sign', `${keys.ci}.key`, '--expires', '1h']);
      const inTime = await b.cli(['check', ref('v1'), '--policy', policy(), '--trust-policy', keys.trust]);
      assert.equal(inTime.code, 0, inTime.stdout + inTime.stderr);
      const later = () => new Date(Date.now() + 2 * 3_600_000);
      const result = await b.cli(
        ['check', ref('v1'), '--policy', policy(), '--trust-policy', keys.trust],
        undefined,
        later,
      );
      assert.equal(result.code, 10, result.stderr);
      assert.match(result.stdout, /^FAIL {2}signed-by-ci: vuln not signed by acme-ci: .*expired/m);
    });

    it('denies metadata signed by an authority the rule does not name; an unknown authority is a policy error', async () => {
      const { repository, ref } = await b.newRepository('check-other-authority');
      const image = await pushTestImage(repository, { tag: 'v1' });
      await putKinds(b, ref('v1'), image.digest, ['--sign', `${keys.qa}.key`]);
      const result = await b.cli(['check', ref('v1'), '--policy', policy(), '--trust-policy', keys.trust]);
      assert.equal(result.code, 10, result.stderr);
      assert.match(result.stdout, /^FAIL {2}signed-by-ci: vuln not signed by acme-ci: signed by qa;/m);
      const qaPolicy = b.file(
        'qa-policy.yaml',
        'version: 1\nrules:\n  - signedBy: { types: [approvals], authorities: [qa] }\n',
      );
      ok(await b.cli(['check', ref('v1'), '--policy', qaPolicy, '--trust-policy', keys.trust]), 'check qa');
      const typo = b.file(
        'typo-policy.yaml',
        'version: 1\nrules:\n  - require: [vuln]\n  - signedBy: { types: [vuln], authorities: [acme-cii] }\n',
      );
      const bad = await b.cli(['check', ref('v1'), '--policy', typo, '--trust-policy', keys.trust]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(
        bad.stderr,
        /\/rules\/1\/signedBy\/authorities\/0: "acme-cii" is not an authority of the trust policy/,
      );
    });

    it('denies provenance about another image (subjectMatchesImage, default true)', async () => {
      const { repository, ref } = await b.newRepository('check-provenance');
      await pushTestImage(repository, { tag: 'v1' });
      ok(await b.cli(['put', ref('v1'), 'provenance', fixture('provenance-slsa-v1.json')]), 'put provenance');
      const strict = b.file(
        'prov.yaml',
        'version: 1\nrules:\n  - provenance: { builderId: "https://github.com/acme/*" }\n',
      );
      const result = await b.cli(['check', ref('v1'), '--policy', strict]);
      assert.equal(result.code, 10, result.stderr);
      assert.match(
        result.stdout,
        /^FAIL {2}provenance#1: the provenance is about sha256:6105d6cc[0-9a-f]+, not sha256:/m,
      );
      const loose = b.file(
        'loose.yaml',
        'version: 1\nrules:\n  - provenance: { builderId: "https://github.com/acme/*", subjectMatchesImage: false }\n',
      );
      ok(await b.cli(['check', ref('v1'), '--policy', loose]), 'check subjectMatchesImage: false');
    });
  });
}

describe('check on an OCI layout', () => {
  const b = backend('layout');
  after(() => b.cleanup());

  it('allows signed metadata and denies after a newer unsigned version', async () => {
    const keys = await setUp();
    const { repository, ref } = await b.newRepository('check-layout');
    const image = await pushTestImage(repository, { tag: 'v1' });
    await putKinds(b, ref('v1'), image.digest, ['--sign', `${keys.ci}.key`]);
    const policy = b.file('policy.yaml', `version: 1\nrules:\n${BASE_RULES}${SIGNED_RULE}`);
    const allowed = await b.cli(['check', ref('v1'), '--policy', policy, '--trust-policy', keys.trust]);
    assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
    assert.match(allowed.stdout, /^allow: /m);
    ok(await b.cli(['put', ref('v1'), 'approvals', fixture('approvals.yaml')]), 'put unsigned approvals');
    const denied = await b.cli(['check', ref('v1'), '--policy', policy, '--trust-policy', keys.trust]);
    assert.equal(denied.code, 10, denied.stderr);
    assert.match(denied.stdout, /^FAIL {2}signed-by-ci: approvals not signed by acme-ci: /m);
  });
});
