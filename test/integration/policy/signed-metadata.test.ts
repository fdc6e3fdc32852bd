// Signed metadata end to end through the CLI, on an OCI layout, distribution 2.8 (referrers tag
// schema) and refreg (OCI referrers API): key generate, put --sign (Notary and Sigstore), sign,
// get/list/history --verify and verify under a trust policy, and the tampering cases, each with its
// own error code and exit 9, with nothing of the content printed when the rule enforces.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ClientOptions } from '../../../src/open/client-options.ts';
import { uniqueRepository } from '../../support/registries.ts';
import { type CliResult, failsWith, generateKeys, ok, runCli } from './cli-assertions.ts';
import { imageTargets } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-signed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env: Record<string, string | undefined> = { HOME: dir, MANIFESTO_AUTHOR: 'test' };

const run = (
  argv: string[],
  options: { client?: ClientOptions; now?: () => Date } = {},
): Promise<CliResult> => runCli(argv, { env, ...options, noValidate: true });

const key = (name: string) => join(dir, name);

async function setUpKeys(): Promise<void> {
  await generateKeys(run, dir, {
    qa: ['--subject', 'CN=qa, O=Acme'],
    scanner: [],
    rogue: [],
    ed: ['--algorithm', 'ed25519'],
  });
}

function writePolicy(name: string, repositoryGlob: string, enforcement = 'enforce'): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `version: 1
authorities:
  qa:
    certificates: [qa.crt]
    identities: ["x509.subject: CN=qa, O=Acme"]
  scanner:
    keys: [scanner.pub]
  ed:
    keys: [ed.pub]
rules:
  - repositories: ["${repositoryGlob}"]
    types: [approvals]
    authorities: [qa]
    enforcement: ${enforcement}
  - repositories: ["${repositoryGlob}"]
    types: [vuln]
    authorities: [scanner, ed]
    require: any
    enforcement: ${enforcement}
  - repositories: ["**"]
    types: ["*"]
    enforcement: skip
`,
  );
  return path;
}

const targets = imageTargets(dir, 'signed');

const keysReady = setUpKeys();

for (const target of targets) {
  describe(`signed metadata on ${target.name}`, () => {
    const f = target.flags;
    const file = (name: string, text: string) => {
      const path = join(dir, `${uniqueRepository(name).replaceAll('/', '-')}.json`);
      writeFileSync(path, text);
      return path;
    };

    if (target.name === 'distribution') {
      it('put --sign writes the signature while the version is being listed: the settle waits overlap', async () => {
        await keysReady;
        const image = await target.image();
        const steps: string[] = [];
        const all: string[] = [];
        const client = {
          plainHttp: true,
          onRequest: (e: { method: string; url: string; status: number }) => {
            all.push(`${e.method} ${e.url} ${e.status}`);
            const index = /\/manifests\/(sha256-[0-9a-f]{64})$/.exec(e.url);
            if (index !== null && (e.method === 'PUT' || e.method === 'HEAD'))
              steps.push(`${e.method} ${index[1]}`);
          },
        };
        ok(
          await run(['put', image, 'approvals', file('overlap', '{"ok":1}'), '--sign', key('qa.key'), ...f], {
            client,
          }),
          'put --sign',
        );
        const puts = steps.filter((s) => s.startsWith('PUT'));
        assert.equal(new Set(puts).size, 2, `the image's and the version's index: ${steps.join(', ')}`);
        // Both indexes are written before either is verified (one settle wait, not two in a row).
        assert.ok(
          steps.indexOf(puts[1]!) < steps.findIndex((s) => s.startsWith('HEAD')),
          `index writes and verifications: ${steps.join(', ')}`,
        );
        // The version just stored is signed from its bytes, not fetched back; the signature's own blob
        // is new, so it is uploaded without asking first.
        assert.deepEqual(
          all.filter(
            (r) => /^GET \S+\/manifests\/sha256:/.test(r) || (/ 404$/.test(r) && r.startsWith('HEAD')),
          ),
          [],
          all.join('\n'),
        );
      });
    }

    it('put --sign, get --verify: the signed latest; tampering is detected and nothing is printed', async () => {
      await keysReady;
      const image = await target.image();
      const policy = writePolicy(`policy-${target.name.replace(' ', '-')}.yaml`, target.glob);
      const tp = ['--trust-policy', policy];
      ok(
        await run(['put', image, 'approvals', file('a1', '{"ok":1}'), '--sign', key('qa.key'), ...f]),
        'put 1',
      );
      assert.equal(ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get'), '{"ok":1}');

      // Requests per verified version: get --verify minus get.
      let count = 0;
      const seen: string[] = [];
      const client = {
        plainHttp: true,
        onRequest: (e: { method: string; url: string; status: number }) => {
          count++;
          seen.push(`${e.method} ${e.url} ${e.status}`);
        },
      };
      ok(await run(['get', image, 'approvals', ...f], { client }), 'get (counted)');
      const plain = count;
      count = 0;
      ok(
        await run(['get', image, 'approvals', '--verify', ...tp, ...f], { client }),
        'get --verify (counted)',
      );
      if (target.name !== 'oci layout') {
        // refreg drops annotations from referrers listings, so the signature manifest is read too.
        const budget = target.name === 'refreg' ? 3 : 2;
        assert.ok(
          count - plain <= budget,
          `verifying one version costs ${count - plain} requests: ${seen.join('\n')}`,
        );
        process.stderr.write(`# ${target.name}: get ${plain} requests, get --verify ${count}\n`);
      }

      // A newer unsigned version (same annotations, other content): enforce refuses, prints nothing.
      ok(await run(['put', image, 'approvals', file('a2', '{"ok":"forged"}'), ...f]), 'put unsigned');
      const message = failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'SIGNATURE_MISSING',
        'unsigned newer version',
      );
      assert.match(message, /unsigned/);
      const plainText = await run(['get', image, 'approvals', '--verify', ...tp, ...f]);
      assert.match(plainText.stderr, /possible tampering: newer version sha256:[0-9a-f]{64} is unsigned/);
      assert.equal(plainText.stdout, '');

      // Signed by a key the policy does not know.
      ok(await run(['sign', image, 'approvals', '--key', key('rogue.key'), ...f]), 'sign rogue');
      failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'SIGNER_UNTRUSTED',
        'rogue',
      );

      // Signed by an authority the policy knows, but not for approvals.
      ok(
        await run([
          'sign',
          image,
          'approvals',
          '--key',
          key('scanner.key'),
          '--sign-format',
          'sigstore',
          ...f,
        ]),
        'sign scanner',
      );
      failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'AUTHORITY_NOT_ALLOWED',
        'scanner on approvals',
      );

      // The right authority signs it: accepted.
      ok(await run(['sign', image, 'approvals', '--key', key('qa.key'), ...f]), 'sign qa');
      assert.equal(
        ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get'),
        '{"ok":"forged"}',
      );

      // Expired: --expires 1h, read two hours later.
      ok(
        await run([
          'put',
          image,
          'approvals',
          file('a3', '{"ok":3}'),
          '--sign',
          key('qa.key'),
          '--expires',
          '1h',
          ...f,
        ]),
        'put expiring',
      );
      const later = () => new Date(Date.now() + 2 * 3_600_000);
      failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f], { now: later }),
        'SIGNATURE_EXPIRED',
        'expired',
      );
      assert.equal(
        ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get before expiry'),
        '{"ok":3}',
      );

      // warn: the warning and the latest content.
      ok(await run(['put', image, 'approvals', file('a4', '{"ok":4}'), ...f]), 'put unsigned 2');
      const warnPolicy = writePolicy(`warn-${target.name.replace(' ', '-')}.yaml`, target.glob, 'warn');
      const warned = await run(['get', image, 'approvals', '--verify', '--trust-policy', warnPolicy, ...f]);
      assert.equal(ok(warned, 'warn'), '{"ok":4}');
      assert.match(warned.stderr, /warning: possible tampering/);

      // verify: exit 9 while the latest approvals is unsigned; list --verify shows who signed what.
      const verified = await run(['verify', image, ...tp, '--json', ...f]);
      assert.equal(verified.code, 9, verified.stderr);
      const report = JSON.parse(verified.stdout) as {
        ok: boolean;
        types: Array<{ type: string; status: string }>;
      };
      assert.equal(report.ok, false);
      assert.equal(report.types.find((t) => t.type === 'approvals')?.status, 'failed');
      const listed = ok(await run(['list', image, '--verify', ...tp, ...f]), 'list --verify');
      assert.match(listed, /approvals .*unsigned/);
    });

    it('sigstore signatures (Ed25519), verify exit 0, history --verify reports a deleted version', async () => {
      await keysReady;
      const image = await target.image();
      const policy = writePolicy(`policy2-${target.name.replace(' ', '-')}.yaml`, target.glob);
      const tp = ['--trust-policy', policy];
      const notary = await run([
        'put',
        image,
        'vuln',
        file('v0', '{}'),
        '--sign',
        key('ed.key'),
        '--sign-format',
        'notary',
        ...f,
      ]);
      assert.equal(notary.code, 2);
      assert.match(notary.stderr, /sigstore format only/);
      for (const n of [1, 2, 3]) {
        ok(
          await run([
            'put',
            image,
            'vuln',
            file(`v${n}`, `{"n":${n}}`),
            '--sign',
            key('ed.key'),
            '--sign-format',
            'sigstore',
            ...f,
          ]),
          `put vuln ${n}`,
        );
      }
      assert.equal(ok(await run(['get', image, 'vuln', '--verify', ...tp, ...f]), 'get vuln'), '{"n":3}');
      assert.match(ok(await run(['verify', image, ...tp, ...f]), 'verify'), /vuln .*verified \(ed\)/);
      const history = JSON.parse(
        ok(await run(['history', image, 'vuln', '--verify', ...tp, '--json', ...f]), 'history'),
      ) as {
        versions: Array<{ version: string; status: string }>;
        chain: string[];
        ok: boolean;
      };
      assert.equal(history.ok, true);
      assert.equal(history.chain.length, 3);
      // Delete the middle version: the newest now supersedes a missing one.
      ok(await run(['delete', image, 'vuln', '--version', history.chain[1]!, ...f]), 'delete middle');
      const broken = await run(['history', image, 'vuln', '--verify', ...tp, ...f]);
      assert.equal(broken.code, 9, broken.stderr);
      assert.match(broken.stderr, /supersedes sha256:[0-9a-f]{64}, which is missing/);
      assert.match(broken.stderr, /CHAIN_MISSING_LINK/);
      failsWith(
        await run(['get', image, 'vuln', '--verify', ...tp, '--json', ...f]),
        'CHAIN_MISSING_LINK',
        'get after delete',
      );
    });
  });
}
