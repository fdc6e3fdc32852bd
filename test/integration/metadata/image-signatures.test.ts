// Signatures of the image itself (real `notation sign` and `cosign sign`, on distribution 2.8 and
// refreg) are not metadata: under a trust policy whose rule covers every type, `verify` and
// `list --verify` say what they are ("signature of the image, not of metadata") instead of reporting
// them as unsigned metadata (before: `FAILED: unsigned`, exit 9), and the image's own signed metadata
// still verifies.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPeer } from '../../support/peers.ts';
import { metadataBackends } from './support/backends.ts';
import { failsWith, ok, runCli } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

describe('signatures of the image under a metadata rule', { concurrency: true }, () => {
  const files = scratchDir('manifesto-image-signatures-');
  const backends = metadataBackends().filter((b) => b.registry !== undefined && b.kind !== 'external');
  after(() => {
    files.remove();
    for (const backend of backends) backend.cleanup();
  });

  for (const backend of backends) {
    it(`${backend.label}: notation sign and cosign sign are reported as signatures of the image`, async () => {
      const registry = backend.registry!;
      const cli = backendCli(backend);
      const image = await backend.newImage('md-image-sigs');
      const dir = join(files.dir, backend.kind);
      mkdirSync(dir);
      ok(
        await runCli(
          ['key', 'generate', '--out', join(dir, 'ci'), '--subject', 'CN=ci, O=Acme, C=US, ST=CA'],
          {
            env: { ...backend.env, MANIFESTO_KEY_PASSWORD: '' },
          },
        ),
        'key generate',
      );
      ok(
        await cli.run(['put', image.ref, 'owner', '-', '--sign', join(dir, 'ci.key')], {
          stdin: 'ops@example.com',
          env: { ...backend.env, MANIFESTO_KEY_PASSWORD: '' },
        }),
        'put --sign',
      );

      const cosignEnv = { COSIGN_PASSWORD: '', DOCKER_CONFIG: backend.env.DOCKER_CONFIG };
      assert.equal((await runPeer('cosign', ['generate-key-pair'], { cwd: dir, env: cosignEnv })).code, 0);
      const cosign = await runPeer(
        'cosign',
        [
          'sign',
          '--key',
          'cosign.key',
          '--tlog-upload=false',
          '--use-signing-config=false',
          '--yes',
          ...(registry.plainHttp ? ['--allow-http-registry', '--allow-insecure-registry'] : []),
          image.byDigest,
        ],
        { cwd: dir, env: cosignEnv },
      );
      assert.equal(cosign.code, 0, cosign.stderr);
      const notationHome = join(dir, 'notation');
      mkdirSync(notationHome);
      const notationEnv = { XDG_CONFIG_HOME: join(notationHome, '.config') };
      const generated = await runPeer('notation', ['cert', 'generate-test', '--default', 'notation-test'], {
        home: notationHome,
        env: notationEnv,
      });
      assert.equal(generated.code, 0, generated.stderr);
      const notation = await runPeer(
        'notation',
        ['sign', ...(registry.plainHttp ? ['--insecure-registry'] : []), image.byDigest],
        { home: notationHome, env: notationEnv },
      );
      assert.equal(notation.code, 0, notation.stderr);

      const trust = join(dir, 'trust.yaml');
      writeFileSync(
        trust,
        `version: 1\nauthorities:\n  ci: { certificates: ["${join(dir, 'ci.crt')}"] }\n` +
          `  release: { keys: ["${join(dir, 'cosign.pub')}"] }\n` +
          'rules:\n  - { repositories: ["**"], types: ["*"], authorities: [ci, release] }\n',
      );
      const verified = await cli.run(['verify', image.ref, '--trust-policy', trust, '--json']);
      assert.equal(verified.code, 0, `verify: ${verified.stdout.toString()} ${verified.stderr}`);
      const report = JSON.parse(verified.stdout.toString()) as {
        types: Array<{ type: string; status: string; detail: string }>;
      };
      assert.deepEqual(
        report.types.map((t) => [t.type, t.status, t.detail]),
        [
          ['notation-signature', 'skipped', 'signature of the image, not of metadata: not checked'],
          ['owner', 'verified', 'verified (ci)'],
          ['sigstore-bundle', 'skipped', 'signature of the image, not of metadata: not checked'],
        ],
      );
      const table = ok(
        await cli.run(['list', image.ref, '--verify', '--trust-policy', trust]),
        'list --verify',
      );
      assert.match(table, /\nnotation-signature .*signature of the image, not of metadata/);
      assert.doesNotMatch(table, /unsigned|tampering/);
      // Asked for by name: said to be the image's signature, not reported as unsigned (exit 2, not 9).
      for (const command of ['get', 'history'])
        failsWith(
          await cli.run([command, image.ref, 'notation-signature', '--verify', '--trust-policy', trust]),
          2,
          `${command} --verify`,
          /"notation-signature" of .* (is a signature|holds signatures) of the image, not (of )?metadata/,
        );
    });
  }
});
