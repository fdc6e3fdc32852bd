// Rollback protection end to end through the CLI, on an OCI layout, distribution 2.8 (referrers tag
// schema) and refreg (OCI referrers API): this machine remembers the newest version it verified
// (MANIFESTO_STATE_DIR, a temporary directory here); an attacker (manifesto with another state
// directory) deletes the newest signed version; get/history --verify and verify then fail with
// ROLLBACK_DETECTED (exit 9, nothing printed) until the rollback is accepted; this machine's own
// `manifesto delete` is not reported.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { uniqueRepository } from '../../support/registries.ts';
import { type CliResult, failsWith, ok, runCli } from './cli-assertions.ts';
import { imageTargets } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-rollback-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const stateDir = join(dir, 'state');
const attackerStateDir = join(dir, 'attacker-state');
const env = { HOME: dir, MANIFESTO_AUTHOR: 'test', MANIFESTO_STATE_DIR: stateDir };

const run = (argv: string[], environment: Record<string, string | undefined> = env): Promise<CliResult> =>
  runCli(argv, { env: environment, noValidate: true });

const attacker = (argv: string[]) => run(argv, { ...env, MANIFESTO_STATE_DIR: attackerStateDir });

function remembered(): string[] {
  const state = JSON.parse(readFileSync(join(stateDir, 'trusted-versions.json'), 'utf8')) as {
    entries: Record<string, { digest: string }>;
  };
  return Object.values(state.entries).map((e) => e.digest);
}

const key = join(dir, 'qa');
const keysReady = run(['key', 'generate', '--out', key, '--subject', 'CN=qa, O=Acme']).then((r) =>
  ok(r, 'key generate'),
);

function writePolicy(glob: string): string {
  const path = join(dir, `policy-${uniqueRepository('p').replaceAll('/', '-')}.yaml`);
  writeFileSync(
    path,
    `version: 1
authorities:
  qa:
    certificates: [qa.crt]
rules:
  - repositories: ["${glob}"]
    types: [approvals]
    authorities: [qa]
`,
  );
  return path;
}

const targets = imageTargets(dir, 'rollback');

for (const target of targets) {
  describe(`rollback protection on ${target.name}`, () => {
    const f = target.flags;
    const file = (text: string) => {
      const path = join(dir, `${uniqueRepository('c').replaceAll('/', '-')}.json`);
      writeFileSync(path, text);
      return path;
    };
    it('a deleted newest version is ROLLBACK_DETECTED until accepted; own deletes are not', async () => {
      await keysReady;
      const image = await target.image();
      const tp = ['--trust-policy', writePolicy(target.glob)];
      const putSigned = async (n: number) =>
        ok(
          await run(['put', image, 'approvals', file(`{"n":${n}}`), '--sign', `${key}.key`, ...f]),
          `put ${n}`,
        );
      const latest = async () =>
        (
          JSON.parse(ok(await run(['history', image, 'approvals', '--json', ...f]), 'history')) as {
            versions: Array<{ version: string }>;
          }
        ).versions.map((v) => v.version);
      await putSigned(1);
      await putSigned(2);
      const [v2, v1] = await latest();
      assert.equal(ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get v2'), '{"n":2}');
      assert.ok(remembered().includes(v2!), 'v2 is remembered');

      // An attacker (not this machine's manifesto) deletes the newest version.
      ok(await attacker(['delete', image, 'approvals', ...f]), 'attacker delete');
      assert.deepEqual(await latest(), [v1]);
      const message = failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'ROLLBACK_DETECTED',
        'get after the newest was deleted',
      );
      assert.ok(message.includes(v2!) && message.includes(v1!), message);
      assert.match(message, /missing from the listing/);
      assert.match(message, /--accept-rollback/);
      const plain = await run(['get', image, 'approvals', '--verify', ...tp, ...f]);
      assert.equal(plain.code, 9);
      assert.equal(plain.stdout, '');
      assert.match(plain.stderr, /rollback detected/);
      failsWith(
        await run(['history', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'ROLLBACK_DETECTED',
        'history --verify',
      );
      failsWith(
        await run(['verify', image, '--type', 'approvals', ...tp, '--json', ...f]),
        'ROLLBACK_DETECTED',
        'verify',
      );
      assert.ok(remembered().includes(v2!), 'a detected rollback leaves the state alone');

      // Accepted explicitly: the state is reset to v1.
      ok(await run(['verify', image, '--type', 'approvals', '--accept-rollback', ...tp, ...f]), 'accept');
      assert.ok(remembered().includes(v1!) && !remembered().includes(v2!));
      assert.equal(ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get v1'), '{"n":1}');

      // A newer version advances the state; this machine's own delete lowers it again.
      await putSigned(3);
      const [v3] = await latest();
      assert.equal(ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get v3'), '{"n":3}');
      assert.ok(remembered().includes(v3!));
      ok(await run(['delete', image, 'approvals', ...f]), 'own delete');
      assert.ok(remembered().includes(v1!) && !remembered().includes(v3!), 'lowered to what remains');
      assert.equal(
        ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get after own delete'),
        '{"n":1}',
      );
      ok(await run(['history', image, 'approvals', '--verify', ...tp, ...f]), 'history after own delete');

      // get --verify --accept-rollback also accepts (after another withheld version).
      await putSigned(4);
      ok(await run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get v4');
      ok(await attacker(['delete', image, 'approvals', ...f]), 'attacker delete v4');
      failsWith(
        await run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
        'ROLLBACK_DETECTED',
        'get after v4 was deleted',
      );
      assert.equal(
        ok(await run(['get', image, 'approvals', '--verify', '--accept-rollback', ...tp, ...f]), 'accepted'),
        '{"n":1}',
      );
      ok(await run(['verify', image, '--type', 'approvals', ...tp, ...f]), 'verify after acceptance');
    });
  });
}
