// The gate through the package's exports: parseGatePolicy + createClient().check on an OCI layout,
// with the trust policy's verifier for signedBy rules.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  createClient,
  generateKeyPair,
  loadTrustPolicy,
  parseGatePolicy,
  publicKeyToPem,
  signVersion,
  trustPolicyVerifier,
} from '../../../src/index.ts';
import { pushTestImage } from '../../support/images.ts';
import { backend } from './support.ts';

describe('library: checkImage through createClient().check', () => {
  const b = backend('layout');
  after(() => b.cleanup());

  it('allows, and denies signedBy until the version is signed by the named authority', async () => {
    const { repository, ref } = await b.newRepository('library-check');
    await pushTestImage(repository, { tag: 'v1' });
    const client = createClient();
    const stored = await client.put(ref('v1'), 'approvals', {
      content:
        'approvals:\n  - { gate: qa, status: approved, approver: alice@example.com, at: 2026-11-20T10:00:00Z }\n',
      mediaType: 'application/yaml',
      validate: false,
    });
    const policy = parseGatePolicy(
      new TextEncoder().encode(
        'version: 1\nrules:\n  - require: [approvals]\n  - signedBy: { types: [approvals], authorities: [release] }\n',
      ),
      'policy.yaml',
    );
    const pair = generateKeyPair('ed25519');
    const pub = b.file('release.pub', publicKeyToPem(pair.publicKey));
    const trust = await loadTrustPolicy(
      b.file(
        'trust.yaml',
        `version: 1\nauthorities:\n  release: { keys: ["${pub}"] }\nrules:\n  - { repositories: ["oci:*"], types: ["*"], authorities: [release] }\n`,
      ),
      {},
    );
    const verifier = trustPolicyVerifier(trust);
    const unsigned = await client.check(ref('v1'), policy, { verifier });
    assert.equal(unsigned.allowed, false);
    assert.match(unsigned.subjects[0]!.rules[1]!.reason, /approvals not signed by release/);
    await signVersion({ repository, version: stored.version, key: pair.privateKey, format: 'sigstore' });
    const signed = await client.check(ref('v1'), policy, { verifier });
    assert.equal(signed.allowed, true, JSON.stringify(signed.subjects));
    assert.equal(signed.subjects[0]!.rules[1]!.reason, 'signed: approvals by release');
  });
});
