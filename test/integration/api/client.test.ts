// createClient() does what the CLI does, against real registries (distribution 2.8 with the referrers
// tag schema, refreg with the OCI referrers API) and an OCI image layout: put for one platform, put
// for every platform (each content blob uploaded once), signed put, put many, verified get / list /
// history under a trust policy, and check with record (the decision stored, signed, and readable).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createClient,
  digestOf,
  generateKeyPair,
  loadTrustPolicy,
  type ManifestoClient,
  type Platform,
  parseGatePolicy,
  privateKeyToPem,
  publicKeyToPem,
  TrustedState,
} from '../../../src/index.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';
import {
  layoutRepositories,
  type RepositorySource,
  registryRepositories,
} from '../../support/repositories.ts';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };

type Kind = 'distribution' | 'refreg' | 'layout';

function setup(kind: Kind) {
  const scratch = mkdtempSync(join(tmpdir(), `manifesto-client-${kind}-`));
  const dockerConfig = join(scratch, 'docker');
  const repositories: RepositorySource =
    kind === 'layout' ? layoutRepositories(scratch) : registryRepositories(kind, dockerConfig);
  const requests: RequestEvent[] = [];
  const client: ManifestoClient = createClient({
    plainHttp: repositories.registry?.plainHttp,
    env: { DOCKER_CONFIG: dockerConfig },
    manifestCacheDir: '',
    onRequest: (event) => requests.push(event),
  });
  let files = 0;
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(scratch, `${++files}-${name}`);
    writeFileSync(path, content);
    return path;
  };
  const trustedState = new TrustedState({ MANIFESTO_STATE_DIR: join(scratch, 'state') });
  const release = generateKeyPair('ed25519');
  const keyFile = file('release.key', privateKeyToPem(release.privateKey));
  const trustPolicy = async () =>
    loadTrustPolicy(
      file(
        'trust.yaml',
        `version: 1\nauthorities:\n  release: { keys: ["${file('release.pub', publicKeyToPem(release.publicKey))}"] }\n` +
          'rules:\n  - { repositories: ["**"], types: ["*"], authorities: [release] }\n',
      ),
      {},
    );
  return {
    label: repositories.label,
    client,
    requests,
    file,
    keyFile,
    trustedState,
    trustPolicy,
    newRepository: (prefix: string) => repositories.newRepository(prefix),
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

for (const kind of ['distribution', 'refreg', 'layout'] as const) {
  const b = setup(kind);
  describe(`createClient() on ${b.label}`, () => {
    after(() => b.cleanup());

    it('put for one platform of a multi-platform image stores it on that platform only', async () => {
      const { repository, ref } = await b.newRepository('client-platform');
      const image = await pushTestMultiPlatformImage(repository, [AMD64, ARM64], { tag: 'v1' });
      const put = await b.client.put(ref('v1'), 'notes', { content: 'arm only\n', platform: ARM64 });
      assert.equal(put.subject.digest, image.children[1]!.digest);
      assert.deepEqual(put.platform, ARM64);
      assert.equal(put.signature, undefined);
      const arm = await b.client.list(ref(image.children[1]!.digest));
      assert.deepEqual(
        arm.types.map((t) => t.type),
        ['notes'],
      );
      const amd = await b.client.list(ref(image.children[0]!.digest));
      assert.deepEqual(amd.types, []);
      const index = await b.client.list(ref('v1'));
      assert.deepEqual(index.types, []);
      const got = await b.client.get(ref(image.children[1]!.digest), 'notes');
      assert.equal(new TextDecoder().decode(got.bytes), 'arm only\n');
      // The same through the index, with a platform (get / list / history --platform).
      const viaIndex = await b.client.get(ref('v1'), 'notes', { platform: ARM64 });
      assert.equal(new TextDecoder().decode(viaIndex.bytes), 'arm only\n');
      assert.equal(viaIndex.version.digest, put.version);
      assert.deepEqual(
        (await b.client.list(ref('v1'), { platform: ARM64 })).types.map((t) => t.type),
        ['notes'],
      );
      assert.deepEqual(
        (await b.client.history(ref('v1'), 'notes', { platform: ARM64 })).map((v) => v.digest),
        [put.version],
      );
      await assert.rejects(b.client.get(ref('v1'), 'notes', { platform: AMD64 }), {
        code: 'METADATA_NOT_FOUND',
      });
    });

    it('put for every platform stores one version per platform and uploads the content once', async () => {
      const { repository, ref } = await b.newRepository('client-all');
      const image = await pushTestMultiPlatformImage(repository, [AMD64, ARM64], { tag: 'v1' });
      const before = b.requests.length;
      const put = await b.client.put(ref('v1'), 'notes', { content: 'every platform\n', allPlatforms: true });
      assert.equal(put.error, undefined);
      assert.equal(put.index.digest, image.index.digest);
      assert.deepEqual(
        put.outcomes.map((o) => [o.platform.architecture, o.result?.subject.digest, o.error]),
        [
          ['amd64', image.children[0]!.digest, undefined],
          ['arm64', image.children[1]!.digest, undefined],
        ],
      );
      for (const child of image.children) {
        const got = await b.client.get(ref(child.digest), 'notes');
        assert.equal(new TextDecoder().decode(got.bytes), 'every platform\n');
      }
      if (kind !== 'layout') {
        // The content blob is uploaded once (one upload completed with its digest), not once per platform.
        const digest = encodeURIComponent(digestOf(new TextEncoder().encode('every platform\n')));
        const uploads = b.requests
          .slice(before)
          .filter((r) => r.status === 201 && r.url.includes(`digest=${digest}`));
        assert.equal(uploads.length, 1, JSON.stringify(uploads.map((u) => `${u.method} ${u.url}`)));
      }
    });

    it('a single-platform image refuses allPlatforms (NOT_AN_INDEX), storing nothing', async () => {
      const { repository, ref } = await b.newRepository('client-not-index');
      await pushTestImage(repository, { tag: 'v1' });
      await assert.rejects(b.client.put(ref('v1'), 'notes', { content: 'x', allPlatforms: true }), {
        code: 'NOT_AN_INDEX',
      });
      assert.deepEqual((await b.client.list(ref('v1'))).types, []);
    });

    it('signed put, then verified get, list and history under the trust policy', async () => {
      const { repository, ref } = await b.newRepository('client-signed');
      await pushTestImage(repository, { tag: 'v1' });
      const unsigned = await b.client.put(ref('v1'), 'notes', { content: 'first\n' });
      const signed = await b.client.put(ref('v1'), 'notes', {
        content: 'second\n',
        sign: { keyFile: b.keyFile },
      });
      assert.equal(signed.signature?.format, 'sigstore');
      assert.equal(signed.signature?.version.digest, signed.version);
      assert.equal(signed.supersedes, unsigned.version);
      const trustPolicy = await b.trustPolicy();
      const verify = { trustPolicy, trustedState: b.trustedState };
      const got = await b.client.getVerified(ref('v1'), 'notes', verify);
      assert.equal(got.trust, 'verified');
      assert.deepEqual(got.signedBy, ['release']);
      assert.equal(got.version.digest, signed.version);
      assert.equal(new TextDecoder().decode(got.bytes), 'second\n');
      const listed = await b.client.listVerified(ref('v1'), verify);
      assert.equal(listed.types.length, 1);
      assert.equal(listed.types[0]!.latest, signed.version);
      assert.equal(listed.types[0]!.verdict?.status, 'verified');
      const history = await b.client.historyVerified(ref('v1'), 'notes', verify);
      assert.deepEqual(
        history.verdicts.map((v) => [v.version.digest, v.status]),
        [
          [signed.version, 'verified'],
          [unsigned.version, 'unsigned'],
        ],
      );
      assert.equal(history.enforcement, 'enforce');
      // The unsigned version alone does not verify under an enforcing rule.
      await assert.rejects(
        b.client.getVerified(ref('v1'), 'notes', { ...verify, version: unsigned.version }),
        { category: 'verification' },
      );
    });

    it('verify fails on an unsigned latest, and passes once sign has signed it', async () => {
      const { repository, ref } = await b.newRepository('client-verify');
      await pushTestImage(repository, { tag: 'v1' });
      const stored = await b.client.put(ref('v1'), 'notes', { content: 'to be signed\n' });
      const verify = { trustPolicy: await b.trustPolicy(), trustedState: b.trustedState };
      const before = await b.client.verify(ref('v1'), verify);
      assert.equal(before.ok, false);
      assert.deepEqual(
        before.reports.map((r) => [r.type, r.status, r.latest]),
        [['notes', 'failed', stored.version]],
      );
      const signed = await b.client.sign(ref('v1'), 'notes', { sign: { keyFile: b.keyFile } });
      assert.equal(signed.version.digest, stored.version);
      const after = await b.client.verify(ref('v1'), { ...verify, type: 'notes' });
      assert.equal(after.ok, true);
      assert.deepEqual(after.reports[0]!.signedBy, ['release']);
      await assert.rejects(b.client.verify(ref('v1'), { ...verify, type: 'absent' }), {
        code: 'METADATA_NOT_FOUND',
      });
    });

    it('put many: every item stored, one type of one image in file order, blobs uploaded once; list many', async () => {
      const { repository, ref } = await b.newRepository('client-many');
      await pushTestImage(repository, { tag: 'a', seed: 'many-a' });
      await pushTestImage(repository, { tag: 'b', seed: 'many-b' });
      const scan = b.file('scan.txt', 'scan\n');
      const notes = b.file('notes.txt', 'notes\n');
      const items = [
        { image: ref('a'), type: 'scan-report', file: scan },
        { image: ref('b'), type: 'scan-report', file: scan },
        { image: ref('a'), type: 'notes', file: notes, annotations: { 'org.example.k': 'v' } },
        { image: ref('a'), type: 'notes', file: scan, author: 'bulk@test' },
      ];
      const seen: string[] = [];
      const before = b.requests.length;
      const outcomes = await b.client.putMany(items, {
        concurrency: 4,
        author: 'ci@test',
        onOutcome: (item) => seen.push(`${item.image} ${item.type}`),
      });
      assert.equal(seen.length, 4);
      assert.ok(
        outcomes.every((o) => o.ok),
        JSON.stringify(outcomes),
      );
      const values = outcomes.map((o) => (o.ok ? o.value : undefined));
      // The second notes version supersedes the first: same type, same image, in order.
      assert.equal(values[3]!.supersedes, values[2]!.version);
      assert.equal(values[3]!.author, 'bulk@test');
      assert.equal(values[2]!.author, 'ci@test');
      if (kind !== 'layout') {
        // scan.txt, stored by three items in one repository, is uploaded once (one upload completed).
        const digest = encodeURIComponent(digestOf(new TextEncoder().encode('scan\n')));
        const uploads = b.requests
          .slice(before)
          .filter((r) => r.status === 201 && r.url.includes(`digest=${digest}`));
        assert.equal(uploads.length, 1, JSON.stringify(uploads.map((u) => `${u.method} ${u.url}`)));
      }
      const a = await b.client.list(ref('a'));
      assert.deepEqual(a.types.map((t) => [t.type, t.versions.length]).sort(), [
        ['notes', 2],
        ['scan-report', 1],
      ]);
      assert.deepEqual(
        (await b.client.list(ref('b'))).types.map((t) => t.type),
        ['scan-report'],
      );
      const listed = await b.client.listMany([ref('a'), ref('b'), ref('no-such-tag')], { concurrency: 2 });
      assert.deepEqual(
        listed.map((o) => (o.ok ? o.value.types.map((t) => t.type).sort() : o.error.code)),
        [['notes', 'scan-report'], ['scan-report'], 'MANIFEST_UNKNOWN'],
      );
      await assert.rejects(b.client.putMany([{ image: ref('a'), type: 'Bad Type', file: scan }]), {
        code: 'TYPE_NAME_INVALID',
      });
    });

    it('check with record stores the decision (signed), readable and verifiable afterwards', async () => {
      const { repository, ref } = await b.newRepository('client-check');
      await pushTestImage(repository, { tag: 'v1' });
      const policy = parseGatePolicy(
        new TextEncoder().encode('version: 1\nname: needs-notes\nrules:\n  - require: [notes]\n'),
        'policy.yaml',
      );
      const denied = await b.client.check(ref('v1'), policy, { record: true, policyFile: 'policy.yaml' });
      assert.equal(denied.allowed, false);
      assert.equal(denied.record.decision, 'deny');
      assert.equal(denied.record.policy.file, 'policy.yaml');
      assert.ok(denied.recorded !== undefined);
      await b.client.put(ref('v1'), 'notes', { content: 'ok\n' });
      const allowed = await b.client.check(ref('v1'), policy, {
        record: { author: 'gate@test', sign: { keyFile: b.keyFile } },
      });
      assert.equal(allowed.allowed, true);
      assert.equal(allowed.record.policy.file, 'needs-notes');
      assert.equal(allowed.recorded?.author, 'gate@test');
      assert.equal(allowed.recorded?.supersedes, denied.recorded.version);
      assert.equal(allowed.signature?.version.digest, allowed.recorded?.version);
      const history = await b.client.history(ref('v1'), 'decision');
      assert.deepEqual(
        history.map((v) => v.digest),
        [allowed.recorded?.version, denied.recorded.version],
      );
      const got = await b.client.getVerified(ref('v1'), 'decision', {
        trustPolicy: await b.trustPolicy(),
        trustedState: b.trustedState,
      });
      assert.equal(got.trust, 'verified');
      assert.deepEqual(JSON.parse(new TextDecoder().decode(got.bytes)), allowed.record);
      // Without record: nothing stored.
      const plain = await b.client.check(ref('v1'), policy);
      assert.equal(plain.recorded, undefined);
      assert.equal((await b.client.history(ref('v1'), 'decision')).length, 2);
    });
  });
}
