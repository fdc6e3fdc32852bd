// `index sync --trust-policy`: the latest version of each type verified under the policy, as `verify`
// does, on distribution 2.8 (referrers tag schema) and refreg (referrers API). Three images: vuln
// signed by a key the policy trusts, unsigned, and signed by a key it does not; `verified`,
// `verification` and `--unverified` answer from the index; a sync without a policy verifies nothing;
// a changed policy re-verifies on the next sync.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';
import { ok, runCli } from '../metadata/support/cli.ts';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);

for (const kind of ['distribution', 'refreg'] as const) {
  const registry = testRegistry(kind);
  if (registry === undefined) continue;
  describe(`index sync --trust-policy (${kind})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-verify-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...process.env,
      DOCKER_CONFIG: join(dir, 'docker'),
      MANIFESTO_STATE_DIR: join(dir, 'state'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      MANIFESTO_TRUST_POLICY: '',
    };
    const plain = registry.plainHttp ? ['--plain-http'] : [];
    const cli = (args: string[]) => runCli([...args, ...plain], { env });

    it('records verified, unsigned and untrusted latest versions; a changed policy re-verifies', async () => {
      const keys = { ci: join(dir, 'ci'), rogue: join(dir, 'rogue') };
      for (const [name, path] of Object.entries(keys))
        ok(
          await runCli(['key', 'generate', '--out', path, '--subject', `CN=${name}, O=Acme`], { env }),
          `key ${name}`,
        );
      const policy = (authorities: string[]) => {
        const file = join(dir, `trust-${authorities.join('-')}.yaml`);
        writeFileSync(
          file,
          `version: 1
authorities:
${authorities.map((a) => `  ${a}: { certificates: ["${a === 'rogue' ? keys.rogue : keys.ci}.crt"] }`).join('\n')}
rules:
  - { repositories: ["**"], types: ["*"], authorities: [${authorities.join(', ')}] }
`,
        );
        return file;
      };
      const repo = `${registry.host}/${uniqueRepository('fleetverify')}`;
      const opener = createImageOpener({ plainHttp: registry.plainHttp, manifestCacheDir: '' });
      const digests: Record<string, string> = {};
      const sign: Record<string, string[]> = {
        signed: ['--sign', `${keys.ci}.key`],
        unsigned: [],
        rogue: ['--sign', `${keys.rogue}.key`],
      };
      for (const [tag, flags] of Object.entries(sign)) {
        const { repository } = await opener(`${repo}:${tag}`);
        digests[tag] = (await pushTestImage(repository, { tag, seed: `${repo}-${tag}` })).digest;
        ok(await cli(['put', `${repo}:${tag}`, 'vuln', fixture('trivy.json'), ...flags]), `put ${tag}`);
      }
      const tagOf = new Map(Object.entries(digests).map(([tag, digest]) => [digest, tag]));
      const index = join(dir, 'fleet.db');
      const query = async (args: string[], path = index) =>
        ok(await cli(['index', 'query', ...args, '--index', path, '--json']), `query ${args.join(' ')}`)
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => tagOf.get((JSON.parse(l) as { digest: string }).digest))
          .sort();

      // Each sync with a manifest cache of its own: both read cold, so their requests compare.
      let caches = 0;
      const requests = async (args: string[]) => {
        const state = { ...env, MANIFESTO_STATE_DIR: join(dir, `state-${++caches}`) };
        const result = await runCli(['index', 'sync', repo, ...args, '--json', ...plain], { env: state });
        return (JSON.parse(ok(result, `sync ${args.join(' ')}`)) as { requests: number }).requests;
      };
      const bare = join(dir, 'bare.db');
      const plainSync = await requests(['--index', bare]);
      const verifying = await requests(['--index', index, '--trust-policy', policy(['acme-ci'])]);
      assert.deepEqual(await query(['"vuln" in verified']), ['signed']);
      assert.deepEqual(await query(['--unverified', 'vuln']), ['rogue', 'unsigned']);
      assert.deepEqual(await query(['"vuln" in signed']), ['rogue', 'signed']);
      assert.deepEqual(await query(['verification["vuln"] == "verified"']), ['signed']);
      assert.deepEqual(await query(['verification["vuln"] == "unsigned"']), ['unsigned']);
      assert.deepEqual(await query(['verification["vuln"] == "untrusted"']), ['rogue']);
      const explained = ok(
        await cli(['index', 'query', '--unverified', 'vuln', '--explain', '--index', index]),
        'explain',
      );
      assert.match(explained, /!\("vuln" in verified\)/);
      assert.match(explained, /v\.verification = 'verified'/);

      // Without a trust policy nothing is verified (and nothing claims to be).
      // Verifying costs at most three requests per latest version (its referrers listed again, a
      // signature manifest when the listing lacks manifesto's annotations, the signature itself).
      const added = verifying - plainSync;
      assert.ok(added > 0 && added <= 3 * 3, `${verifying} requests verifying vs ${plainSync} without`);
      assert.deepEqual(await query(['size(verified) > 0'], bare), []);
      assert.deepEqual(await query(['verification["vuln"] == "not-checked"'], bare), [
        'rogue',
        'signed',
        'unsigned',
      ]);

      // The same index synced under a policy that also trusts the rogue key: every image re-verified.
      const again = JSON.parse(
        ok(
          await cli([
            'index',
            'sync',
            repo,
            '--index',
            index,
            '--trust-policy',
            policy(['acme-ci', 'rogue']),
            '--json',
          ]),
          'sync under a changed policy',
        ),
      ) as { synced: Array<{ changed: number }> };
      assert.equal(again.synced[0]!.changed, 3);
      assert.deepEqual(await query(['"vuln" in verified']), ['rogue', 'signed']);
      assert.deepEqual(await query(['--unverified', 'vuln']), ['unsigned']);
    });
  });
}
