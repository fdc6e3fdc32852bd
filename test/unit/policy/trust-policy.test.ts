import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { trustGlobMatches as globMatches } from '../../../src/policy/trust/trust-glob.ts';
import {
  matchRule,
  parseTrustPolicy,
  requiredCount,
  trustPolicyPath,
} from '../../../src/policy/trust/trust-policy.ts';
import { generateKeyPair, publicKeyToPem } from '../../../src/signing/keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'qa.pub'), publicKeyToPem(generateKeyPair().publicKey));
writeFileSync(join(dir, 'scanner.pub'), publicKeyToPem(generateKeyPair().publicKey));

const parse = (text: string) => parseTrustPolicy(text, 'policy.yaml', dir);

describe('trust policy', () => {
  it('globs: * stays within a path segment, ** does not, oci:* matches layouts', () => {
    assert.ok(globMatches('registry.example.com/team/*', 'registry.example.com/team/app'));
    assert.ok(!globMatches('registry.example.com/team/*', 'registry.example.com/team/app/sub'));
    assert.ok(globMatches('registry.example.com/team/**', 'registry.example.com/team/app/sub'));
    assert.ok(globMatches('oci:*', 'oci:./some/layout'));
    assert.ok(!globMatches('app*', 'approvals.x/y'));
  });

  it('the first matching rule wins; no rule means skip', async () => {
    const policy = await parse(`
authorities:
  qa: { keys: [qa.pub] }
  scanner: { keys: [scanner.pub] }
rules:
  - { repositories: ["registry.example.com/team/*"], types: [approvals], authorities: [qa] }
  - { repositories: ["registry.example.com/team/*"], types: ["*"], authorities: [qa, scanner], require: 2, enforcement: warn }
`);
    const a = matchRule(policy, 'registry.example.com/team/app', 'approvals');
    assert.equal(a.rule?.index, 0);
    assert.equal(a.enforcement, 'enforce');
    const v = matchRule(policy, 'registry.example.com/team/app', 'vuln');
    assert.equal(v.rule?.index, 1);
    assert.equal(v.enforcement, 'warn');
    assert.equal(requiredCount(v.rule!), 2);
    assert.equal(matchRule(policy, 'other.example.com/x', 'vuln').enforcement, 'skip');
    // Type names may contain "/" (artifact types): "*" covers every type name.
    for (const type of ['application/vnd.example.scan+json', 'vendor/tool/report']) {
      assert.equal(matchRule(policy, 'registry.example.com/team/app', type).rule?.index, 1, type);
    }
  });

  it('type globs: * and ** any run of characters, "/" included; ? one character', async () => {
    const policy = await parse(`
authorities:
  qa: { keys: [qa.pub] }
rules:
  - { repositories: ["**"], types: ["application/vnd.example.*"], authorities: [qa] }
  - { repositories: ["**"], types: ["sbom?"], authorities: [qa], enforcement: warn }
`);
    assert.equal(matchRule(policy, 'r.example.com/a', 'application/vnd.example.scan+json').rule?.index, 0);
    assert.equal(matchRule(policy, 'r.example.com/a', 'application/vnd.other+json').rule, undefined);
    assert.equal(matchRule(policy, 'r.example.com/a', 'sbom2').rule?.index, 1);
    assert.equal(matchRule(policy, 'r.example.com/a', 'sbom').rule, undefined);
  });

  it('validation errors name the field', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        'rules: [{ types: [a], authorities: [nobody] }]',
        /rules\[0\]\.authorities\[0\]: no authority named "nobody"/,
      ],
      [
        'authorities: { qa: { keys: [qa.pub] } }\nrules: [{ authorities: [qa], require: 2 }]',
        /rules\[0\]\.require: requires 2/,
      ],
      ['authorities: { qa: { keys: [missing.pub] } }', /authorities\.qa\.keys\[0\]: cannot read/],
      ['authorities: { qa: { keys: [qa.pub], identities: ["CN=x"] } }', /authorities\.qa\.identities\[0\]/],
      [
        'authorities: { qa: { keys: [qa.pub] } }\nrules: [{ authorities: [qa], enforcement: maybe }]',
        /rules\[0\]\.enforcement/,
      ],
      ['rulez: []', /rulez: unknown field/],
    ];
    for (const [text, pattern] of cases) {
      await assert.rejects(parse(text), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TRUST_POLICY_INVALID');
        assert.match(error.message, pattern);
        return true;
      });
    }
  });

  it('shape errors name the field and say what it must be', async () => {
    const authority = 'authorities: { qa: { keys: [qa.pub] } }\n';
    const cases: Array<[string, string]> = [
      ['[]', '(document): must be a mapping with authorities and rules'],
      ['version: 2', 'version: unsupported version 2 (manifesto reads 1)'],
      ['authorities: [qa]', 'authorities: must be a mapping of names'],
      ['authorities: { qa: [qa.pub] }', 'authorities.qa: must be a mapping with keys or certificates'],
      ['authorities: { qa: { keys: [qa.pub, 3] } }', 'authorities.qa.keys: must be a list of strings'],
      ['authorities: { qa: { kes: [qa.pub] } }', 'authorities.qa.kes: unknown field'],
      ['authorities: { qa: {} }', 'authorities.qa: needs keys (Sigstore) or certificates (Notary Project)'],
      ['rules: { a: 1 }', 'rules: must be a list'],
      ['rules: [[qa]]', 'rules[0]: must be a mapping'],
      [`${authority}rules: [{ authorities: [qa], scope: x }]`, 'rules[0].scope: unknown field'],
      [`${authority}rules: [{ types: [], authorities: [qa] }]`, 'rules[0].types: must not be empty'],
      [`${authority}rules: [{ types: [a] }]`, 'rules[0].authorities: is required'],
      [`${authority}rules: [{ authorities: [] }]`, 'rules[0].authorities: must not be empty'],
      [
        `${authority}rules: [{ authorities: [qa], require: 0 }]`,
        'rules[0].require: must be any, all or a number of authorities (N of M)',
      ],
      [
        `${authority}rules: [{ authorities: [qa], require: "0" }]`,
        'rules[0].require: must be any, all or a number of authorities (N of M)',
      ],
      [
        `${authority}rules: [{ authorities: [qa], require: 1.5 }]`,
        'rules[0].require: must be any, all or a number of authorities (N of M)',
      ],
      ['authorities: { qa: { keys: [qa.pub, ""] } }', 'authorities.qa.keys: must be a list of strings'],
      [
        `${authority}rules: [{ authorities: [qa], require: some }]`,
        'rules[0].require: must be any, all or a number of authorities (N of M)',
      ],
      [
        `${authority}rules: [{ authorities: [qa], enforcement: maybe }]`,
        'rules[0].enforcement: must be enforce, warn or skip',
      ],
    ];
    for (const [text, message] of cases) {
      await assert.rejects(parse(text), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'TRUST_POLICY_INVALID');
        assert.equal(error.message, `trust policy policy.yaml: ${message}`, text);
        return true;
      });
    }
  });

  it('reads one string where a list is expected, require as a number or a numeral, and defaults', async () => {
    const policy = await parse(`
version: "1"
authorities:
  qa: { keys: qa.pub }
  scanner: { keys: [scanner.pub], identities: ~ }
rules:
  - { repository: "r.example.com/*", type: approvals, authorities: qa }
  - { authorities: [qa, scanner], require: "2", enforcement: warn }
  - { authorities: [qa, scanner], require: all }
  - { enforcement: skip }
`);
    assert.equal(policy.authorities.get('qa')?.keys.length, 1);
    assert.deepEqual(
      policy.rules.map((r) => [r.repositories, r.types, r.authorities, r.require, r.enforcement]),
      [
        [['r.example.com/*'], ['approvals'], ['qa'], 'any', 'enforce'],
        [['*'], ['*'], ['qa', 'scanner'], 2, 'warn'],
        [['*'], ['*'], ['qa', 'scanner'], 'all', 'enforce'],
        [['*'], ['*'], [], 'any', 'skip'],
      ],
    );
  });

  it('is found through --trust-policy, $MANIFESTO_TRUST_POLICY, then ~/.config', () => {
    assert.equal(trustPolicyPath('x.yaml', { MANIFESTO_TRUST_POLICY: 'y.yaml' }), 'x.yaml');
    assert.equal(trustPolicyPath(undefined, { MANIFESTO_TRUST_POLICY: 'y.yaml' }), 'y.yaml');
    assert.equal(trustPolicyPath(undefined, { HOME: '/h' }), '/h/.config/manifesto/trust-policy.yaml');
  });
});
