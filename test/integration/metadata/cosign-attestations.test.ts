// cosign attestations read as manifesto kinds, with the real cosign CLI on distribution 2.8 (referrers
// tag schema) and refreg (OCI referrers API): after `cosign attest --type spdxjson|slsaprovenance1|vuln`
// and `cosign sign`, `list` shows sbom, provenance and vuln (as cosign's) beside the image signature,
// `get` prints the SPDX document and the provenance statement, `check` with `require` allows, and
// `verify` under a trust policy holding the cosign key verifies them and reports the image signature
// as what it is. Before: one `sigstore-bundle` type, get exit 3, check denied, verify "unsigned".
// cosign's legacy `.att` tag (`--new-bundle-format=false`, on both registry kinds) is read too.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPeer } from '../../support/peers.ts';
import { metadataBackends } from './support/backends.ts';
import { failsWith, type ListJson, ok, okJson, type PutJson } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'kinds');
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

describe('cosign attestations read as kinds', { concurrency: true }, () => {
  const files = scratchDir('manifesto-cosign-attest-');
  const backends = metadataBackends().filter((b) => b.registry !== undefined && b.kind !== 'external');
  after(() => {
    files.remove();
    for (const backend of backends) backend.cleanup();
  });

  for (const backend of backends) {
    it(`${backend.label}: cosign attest spdxjson, slsaprovenance1, vuln and cosign sign: list, get, check, verify`, async () => {
      const registry = backend.registry!;
      const cli = backendCli(backend);
      const image = await backend.newImage('md-cosign-attest');
      const dir = join(files.dir, backend.kind);
      mkdirSync(dir);
      const env = { COSIGN_PASSWORD: '', DOCKER_CONFIG: backend.env.DOCKER_CONFIG };
      const keys = await runPeer('cosign', ['generate-key-pair'], { cwd: dir, env });
      assert.equal(keys.code, 0, keys.stderr);
      const cosignFlags = [
        '--key',
        'cosign.key',
        '--tlog-upload=false',
        '--use-signing-config=false',
        '--yes',
        ...(registry.plainHttp ? ['--allow-http-registry', '--allow-insecure-registry'] : []),
      ];
      const spdx = fixture('spdx.json');
      const provenance = fixture('provenance-slsa-v1.json');
      const vuln = fixture('cosign-vuln.intoto.json');
      const predicates = {
        spdxjson: spdx,
        slsaprovenance1: provenance.predicate,
        vuln: vuln.predicate,
      };
      for (const [type, predicate] of Object.entries(predicates)) {
        const file = join(dir, `${type}.json`);
        writeFileSync(file, JSON.stringify(predicate));
        const attested = await runPeer(
          'cosign',
          ['attest', ...cosignFlags, '--type', type, '--predicate', file, image.byDigest],
          { cwd: dir, env },
        );
        assert.equal(attested.code, 0, attested.stderr);
      }
      const signed = await runPeer('cosign', ['sign', ...cosignFlags, image.byDigest], { cwd: dir, env });
      assert.equal(signed.code, 0, signed.stderr);

      // list: each attestation under the type its predicate names, marked as cosign's; the signature apart.
      const listed = okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list');
      assert.deepEqual(
        listed.types.map((t) => [t.type, t.label, t.count, t.latest.manifesto]),
        [
          ['provenance', 'SLSA provenance (cosign attestation)', 1, false],
          ['sbom', 'SPDX SBOM (cosign attestation)', 1, false],
          ['sigstore-bundle', 'Sigstore bundle (cosign)', 1, false],
          ['vuln', 'cosign vuln record (cosign attestation)', 1, false],
        ],
      );
      const table = ok(await cli.run(['list', image.ref]), 'list');
      assert.match(table, /\nsbom +1 .* SPDX SBOM \(cosign attestation\)\n/);

      // get: the SPDX document itself, and the provenance statement (about this image).
      const sbom = JSON.parse(ok(await cli.run(['get', image.ref, 'sbom']), 'get sbom')) as unknown;
      assert.deepEqual(sbom, spdx);
      const statement = JSON.parse(ok(await cli.run(['get', image.ref, 'provenance']), 'get provenance')) as {
        predicateType: string;
        subject: Array<{ digest: { sha256: string } }>;
        predicate: unknown;
      };
      assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
      assert.equal(`sha256:${statement.subject[0]!.digest.sha256}`, image.subject.digest);
      assert.deepEqual(statement.predicate, provenance.predicate);
      const show = ok(await cli.run(['show', image.ref, 'sbom']), 'show sbom');
      assert.match(show, /SPDX 2\.3 SBOM/);

      // check: require counts them, and the rules read their content.
      const policy = join(dir, 'policy.yaml');
      writeFileSync(
        policy,
        'version: 1\nrules:\n  - require: [sbom, provenance, vuln]\n  - vulnerabilities: { maxSeverity: critical }\n' +
          '  - provenance: { builderId: "*" }\n  - cel: "sbom.packageCount > 0"\n',
      );
      const checked = await cli.run(['check', image.ref, '--policy', policy, '--json']);
      assert.equal(checked.code, 0, `check: ${checked.stdout.toString()} ${checked.stderr}`);

      // verify: the cosign key verifies the attestations; the image signature is said to be one.
      const trust = join(dir, 'trust.yaml');
      writeFileSync(
        trust,
        `version: 1\nauthorities:\n  release: { keys: ["${join(dir, 'cosign.pub')}"] }\n` +
          'rules:\n  - { repositories: ["**"], types: ["*"], authorities: [release] }\n',
      );
      const verified = await cli.run(['verify', image.ref, '--trust-policy', trust, '--json']);
      const report = JSON.parse(verified.stdout.toString()) as {
        ok: boolean;
        types: Array<{ type: string; status: string; detail: string; signedBy: string[] }>;
      };
      assert.equal(verified.code, 0, `verify: ${verified.stdout.toString()} ${verified.stderr}`);
      assert.deepEqual(
        report.types.map((t) => [t.type, t.status, t.signedBy]),
        [
          ['provenance', 'verified', ['release']],
          ['sbom', 'verified', ['release']],
          ['sigstore-bundle', 'skipped', []],
          ['vuln', 'verified', ['release']],
        ],
      );
      assert.match(report.types[2]!.detail, /^signature of the image, not of metadata/);
      const text = ok(await cli.run(['verify', image.ref, '--trust-policy', trust]), 'verify');
      assert.doesNotMatch(text, /unsigned|tampering/);
      const got = ok(
        await cli.run(['get', image.ref, 'sbom', '--verify', '--trust-policy', trust]),
        'get --verify',
      );
      assert.deepEqual(JSON.parse(got), spdx);

      // Another key does not verify them.
      const other = join(dir, 'other');
      mkdirSync(other);
      assert.equal((await runPeer('cosign', ['generate-key-pair'], { cwd: other, env })).code, 0);
      const stranger = join(dir, 'stranger.yaml');
      writeFileSync(
        stranger,
        `version: 1\nauthorities:\n  release: { keys: ["${join(other, 'cosign.pub')}"] }\n` +
          'rules:\n  - { repositories: ["**"], types: [sbom], authorities: [release] }\n',
      );
      failsWith(
        await cli.run(['get', image.ref, 'sbom', '--verify', '--trust-policy', stranger]),
        9,
        'get --verify with another key',
      );

      // manifesto's own version comes first; cosign's stays in the history and is never pruned.
      const mine = okJson<PutJson>(
        await cli.run(['put', image.ref, 'sbom', join(FIXTURES, 'cyclonedx-sbom.json'), '--json']),
        'put sbom',
      );
      const after = okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list after put');
      const sbomType = after.types.find((t) => t.type === 'sbom')!;
      assert.equal(sbomType.count, 2);
      assert.equal(sbomType.latest.version, mine.version);
      ok(await cli.run(['prune', image.ref, '--type', 'sbom', '--keep', '1']), 'prune');
      assert.equal(
        okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list after prune').types.find(
          (t) => t.type === 'sbom',
        )!.count,
        2,
      );
    });

    it(`${backend.label}: cosign's legacy sha256-<hex>.att tag (--new-bundle-format=false): get, check, get --verify`, async () => {
      const registry = backend.registry!;
      const cli = backendCli(backend);
      const image = await backend.newImage('md-cosign-legacy');
      const dir = join(files.dir, `${backend.kind}-legacy`);
      mkdirSync(dir);
      const env = { COSIGN_PASSWORD: '', DOCKER_CONFIG: backend.env.DOCKER_CONFIG };
      assert.equal((await runPeer('cosign', ['generate-key-pair'], { cwd: dir, env })).code, 0);
      const cosignFlags = [
        '--key',
        'cosign.key',
        '--tlog-upload=false',
        '--use-signing-config=false',
        '--new-bundle-format=false',
        '--yes',
        ...(registry.plainHttp ? ['--allow-http-registry', '--allow-insecure-registry'] : []),
      ];
      const spdx = fixture('spdx.json');
      const file = join(dir, 'spdx.json');
      writeFileSync(file, JSON.stringify(spdx));
      const attested = await runPeer(
        'cosign',
        ['attest', ...cosignFlags, '--type', 'spdxjson', '--predicate', file, image.byDigest],
        { cwd: dir, env },
      );
      assert.equal(attested.code, 0, attested.stderr);
      const hex = image.subject.digest.slice('sha256:'.length);
      const tags = await runPeer('crane', [
        'ls',
        ...(registry.plainHttp ? ['--insecure'] : []),
        image.untagged,
      ]);
      assert.match(tags.stdout, new RegExp(`^sha256-${hex}\\.att$`, 'm'), 'cosign wrote the legacy tag');

      assert.deepEqual(JSON.parse(ok(await cli.run(['get', image.ref, 'sbom']), 'get sbom')), spdx);
      const policy = join(dir, 'policy.yaml');
      writeFileSync(policy, 'version: 1\nrules:\n  - require: [sbom]\n  - cel: "sbom.packageCount > 0"\n');
      const checked = await cli.run(['check', image.ref, '--policy', policy]);
      assert.equal(checked.code, 0, `check: ${checked.stdout.toString()} ${checked.stderr}`);
      const trust = join(dir, 'trust.yaml');
      writeFileSync(
        trust,
        `version: 1\nauthorities:\n  release: { keys: ["${join(dir, 'cosign.pub')}"] }\n` +
          'rules:\n  - { repositories: ["**"], types: [sbom], authorities: [release] }\n',
      );
      const verified = await cli.run([
        'get',
        image.ref,
        'sbom',
        '--verify',
        '--trust-policy',
        trust,
        '--json',
      ]);
      const json = JSON.parse(ok(verified, 'get --verify')) as { trust: string; signedBy: string[] };
      assert.equal(json.trust, 'verified');
      assert.deepEqual(json.signedBy, ['release']);
    });
  }
});
