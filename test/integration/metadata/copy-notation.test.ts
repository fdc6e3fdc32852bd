// `manifesto copy` keeps Notary Project signatures valid, checked by the real notation CLI (v1.3): an
// image signed by `notation sign` (its own RSA test key, `notation cert generate-test`) on
// distribution 2.8 (tag schema) and on refreg (referrers API) is copied to the other registry kind;
// `notation verify --insecure-registry HOST/REPO@DIGEST` succeeds at the source and at the
// destination under the same strict trust policy, and fails at the destination for a trust store
// that does not hold the signer (so the check is real).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CopyResult } from '../../../src/metadata/copy/copy-types.ts';
import { runPeer } from '../../support/peers.ts';
import { uniqueRepository } from '../../support/registries.ts';
import { type MetadataBackend, metadataBackend } from './support/backends.ts';
import { okJson, runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-copy-notation-'));
const env = { ...process.env, HOME: dir, DOCKER_CONFIG: join(dir, 'docker') };
const backends: Record<'distribution' | 'refreg', MetadataBackend> = {
  distribution: metadataBackend('distribution'),
  refreg: metadataBackend('refreg'),
};
after(() => {
  backends.distribution.cleanup();
  backends.refreg.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A notation configuration home whose strict trust policy trusts the trust store `store`. */
function notationHome(label: string, store: string): { home: string; env: Record<string, string> } {
  const home = join(dir, label);
  const config = join(home, '.config');
  mkdirSync(join(config, 'notation'), { recursive: true });
  const policy = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'copy',
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: [`ca:${store}`],
        trustedIdentities: ['*'],
      },
    ],
  };
  writeFileSync(join(config, 'notation', 'trustpolicy.json'), JSON.stringify(policy));
  return { home, env: { HOME: home, XDG_CONFIG_HOME: config } };
}

async function notation(home: { home: string; env: Record<string, string> }, args: string[]) {
  return runPeer('notation', args, { cwd: home.home, env: home.env });
}

async function notationOk(home: { home: string; env: Record<string, string> }, args: string[]) {
  const result = await notation(home, args);
  assert.equal(result.code, 0, `notation ${args.join(' ')}: ${result.stderr}`);
  return result.stdout + result.stderr;
}

describe('copy keeps Notary Project signatures valid (notation verify at DST)', () => {
  for (const [from, to] of [
    ['distribution', 'refreg'],
    ['refreg', 'distribution'],
  ] as const) {
    it(`${from} -> ${to}: notation verify succeeds at SRC and at DST`, async () => {
      const signer = notationHome(`signer-${from}`, 'copy-test');
      // Makes an RSA key and certificate and adds the certificate to the trust store ca:copy-test.
      await notationOk(signer, ['cert', 'generate-test', '--default', 'copy-test']);
      const image = await backends[from].newImage(`notation-${from}`);
      await notationOk(signer, ['sign', '--insecure-registry', image.byDigest]);
      assert.match(await notationOk(signer, ['verify', '--insecure-registry', image.byDigest]), /verified/i);

      const dstRepo = `${backends[to].registry!.host}/${uniqueRepository('notation-dst')}`;
      const result = okJson<CopyResult>(
        await runCli(['copy', image.ref, `${dstRepo}:v1`, '--json', '--plain-http'], { env }),
        `copy ${image.ref} ${dstRepo}:v1`,
      );
      assert.deepEqual(result.differences, []);
      assert.ok(result.copied.length >= 2, 'the image and its notation signature were copied');

      const atDst = `${dstRepo}@${image.subject.digest}`;
      assert.match(await notationOk(signer, ['verify', '--insecure-registry', atDst]), /verified/i);

      // A trust store without the signer's certificate: notation refuses the copy, so it checks.
      const stranger = notationHome(`stranger-${from}`, 'other');
      await notationOk(stranger, ['cert', 'generate-test', '--default', 'other']);
      const refused = await notation(stranger, ['verify', '--insecure-registry', atDst]);
      assert.notEqual(refused.code, 0, `a stranger's trust store verified ${atDst}`);
    });
  }
});
