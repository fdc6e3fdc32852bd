// Verified reads against an attacker with push access to a registry without the referrers API (real
// distribution 2.8): the `sha256-<hex>` index tag is rewritten directly (test/support/referrers-tag.ts),
// withholding versions, editing the unsigned `created` / `supersedes` annotations of its entries, or
// listing junk signature entries. Verified reads must rank versions by signed facts only, never lower
// the trusted state, skip junk signatures, and (with a shared trusted state) let a second machine
// detect a withheld newest version.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { entryOf, type IndexEntry, rewriteReferrersIndex } from '../../support/referrers-tag.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';
import { type CliResult, failsWith, generateKeys, ok, runCli } from './cli-assertions.ts';

const SUPERSEDES = 'dev.manifesto.supersedes';
const CREATED = 'org.opencontainers.image.created';

const registry = testRegistry('distribution');
const dir = mkdtempSync(join(tmpdir(), 'manifesto-signed-chain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let machines = 0;
/** A machine of its own: its own HOME, state directory and manifest cache. */
function machine(extra: Record<string, string> = {}) {
  const home = join(dir, `machine-${++machines}`);
  const env = { HOME: home, MANIFESTO_AUTHOR: 'test', MANIFESTO_STATE_DIR: join(home, 'state'), ...extra };
  const run = (argv: string[]): Promise<CliResult> => runCli(argv, { env, noValidate: true });
  const remembered = (): string[] => {
    const path = extra.MANIFESTO_TRUSTED_STATE ?? join(env.MANIFESTO_STATE_DIR, 'trusted-versions.json');
    const state = JSON.parse(readFileSync(path, 'utf8')) as { entries: Record<string, { digest: string }> };
    return Object.values(state.entries).map((e) => e.digest);
  };
  return { env, run, remembered };
}

const writer = machine();
const keysReady = generateKeys(writer.run, dir, { qa: ['--subject', 'CN=qa, O=Acme'] });

const trustPolicy = join(dir, 'trust-policy.yaml');
writeFileSync(
  trustPolicy,
  `version: 1
authorities:
  qa:
    certificates: [qa.crt]
rules:
  - repositories: ["**"]
    types: [approvals]
    authorities: [qa]
`,
);
const tp = ['--trust-policy', trustPolicy];
const f = ['--plain-http'];

async function newImage(): Promise<string> {
  const name = `${registry!.host}/chain/${uniqueRepository('app').replaceAll('/', '-')}`;
  const opened = await createImageOpener({ plainHttp: true })(`${name}:v1`);
  await pushTestImage(opened.repository, { tag: 'v1' });
  return `${name}:v1`;
}

function file(text: string): string {
  const path = join(dir, `${uniqueRepository('c').replaceAll('/', '-')}.json`);
  writeFileSync(path, text);
  return path;
}

/** Puts signed versions with these contents, oldest first; returns their digests newest first. */
async function putSigned(image: string, contents: string[]): Promise<string[]> {
  await keysReady;
  for (const content of contents)
    ok(
      await writer.run(['put', image, 'approvals', file(content), '--sign', join(dir, 'qa.key'), ...f]),
      `put ${content}`,
    );
  const history = JSON.parse(
    ok(await writer.run(['history', image, 'approvals', '--json', ...f]), 'history'),
  ) as {
    versions: Array<{ version: string }>;
  };
  return history.versions.map((v) => v.version);
}

/** The entry with its annotations changed (a value of undefined removes the key). */
function annotate(entry: IndexEntry, changes: Record<string, string | undefined>): IndexEntry {
  const annotations = { ...entry.annotations };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete annotations[k];
    else annotations[k] = v;
  }
  return { ...entry, annotations };
}

const later = (text: string | undefined, ms: number) => new Date(Date.parse(text ?? '') + ms).toISOString();

describe('verified reads on distribution against an index-editing pusher', {
  skip: registry === undefined,
}, () => {
  it('T9: withholding the newest signed version and pointing V1 at it is ROLLBACK_DETECTED; the state is not lowered', async () => {
    const image = await newImage();
    const [v3, v2, v1] = await putSigned(image, ['{"n":1}', '{"n":2}', '{"n":3}']);
    const reader = machine();
    assert.equal(
      ok(await reader.run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'get v3'),
      '{"n":3}',
    );
    assert.deepEqual(reader.remembered(), [v3]);

    await rewriteReferrersIndex(image, (manifests) =>
      manifests
        .filter((m) => m.digest !== v3)
        .map((m) => (m.digest === v1 ? annotate(m, { [SUPERSEDES]: v3 }) : m)),
    );
    for (const [argv, what] of [
      [['get', image, 'approvals', '--verify'], 'get --verify'],
      [['verify', image, '--type', 'approvals'], 'verify'],
      [['history', image, 'approvals', '--verify'], 'history --verify'],
    ] as const) {
      const message = failsWith(
        await reader.run([...argv, ...tp, '--json', ...f]),
        'ROLLBACK_DETECTED',
        `${what} with V3 withheld`,
      );
      assert.ok(message.includes(v3!) && message.includes(v2!), message);
    }
    assert.deepEqual(reader.remembered(), [v3], 'the trusted state is not lowered');
  });

  it('T8: on a fresh machine, editing created/supersedes so the older V2 looks newer does not make V2 the latest', async () => {
    const image = await newImage();
    const [v3, v2] = await putSigned(image, ['{"n":1}', '{"n":2}', '{"n":3}']);
    await rewriteReferrersIndex(image, (manifests) => {
      const created3 = entryOf(manifests, v3!).annotations?.[CREATED];
      return manifests.map((m) =>
        m.digest === v3
          ? annotate(m, { [SUPERSEDES]: undefined, [CREATED]: '2020-01-01T00:00:00.000Z' })
          : m.digest === v2
            ? annotate(m, { [SUPERSEDES]: v3, [CREATED]: later(created3, 60_000) })
            : m,
      );
    });
    // The unverified history follows the (edited) listing: V2 first.
    const listed = JSON.parse(
      ok(await writer.run(['history', image, 'approvals', '--json', ...f]), 'history'),
    ) as {
      versions: Array<{ version: string }>;
    };
    assert.equal(listed.versions[0]?.version, v2, 'the edit took effect');

    const got = await machine().run(['get', image, 'approvals', '--verify', ...tp, ...f]);
    assert.equal(ok(got, 'get --verify on a fresh machine'), '{"n":3}');
    assert.match(got.stderr, /warning: .*listing/);
    const report = JSON.parse(
      ok(await machine().run(['verify', image, '--type', 'approvals', ...tp, '--json', ...f]), 'verify'),
    ) as { ok: boolean; types: Array<{ type: string; latest: string; status: string }> };
    assert.equal(report.ok, true);
    assert.equal(report.types[0]?.latest, v3, 'verify checks the signed latest');
    const history = await machine().run(['history', image, 'approvals', '--verify', ...tp, '--json', ...f]);
    const chain = (JSON.parse(history.stdout) as { chain: string[] }).chain;
    assert.deepEqual(chain.slice(0, 2), [v3, v2]);
  });

  it('T8: check with approvals + signedBy does not flip from deny to allow when the listing makes the approved V1 look newer', async () => {
    const image = await newImage();
    const approval = (status: string, time: string) =>
      JSON.stringify({ gate: 'qa', status, approver: 'alice@example.com', time });
    // The same approval time (a tool that records the day only): the newer version's entry wins, so
    // the order of versions decides.
    const [v2, v1] = await putSigned(image, [
      approval('approved', '2026-11-23T00:00:00Z'),
      approval('rejected', '2026-11-23T00:00:00Z'),
    ]);
    const gate = join(dir, 'gate.yaml');
    writeFileSync(
      gate,
      `version: 1
rules:
  - name: released
    approvals: [{ gate: qa }]
  - name: signed
    signedBy: { types: [approvals], authorities: [qa] }
`,
    );
    const check = () => machine().run(['check', image, '--policy', gate, ...tp, ...f]);
    const before = await check();
    assert.equal(before.code, 10, before.stdout + before.stderr);
    await rewriteReferrersIndex(image, (manifests) => {
      const created2 = entryOf(manifests, v2!).annotations?.[CREATED];
      return manifests.map((m) =>
        m.digest === v1
          ? annotate(m, { [SUPERSEDES]: v2, [CREATED]: later(created2, 60_000) })
          : m.digest === v2
            ? annotate(m, { [SUPERSEDES]: undefined })
            : m,
      );
    });
    const after = await check();
    assert.equal(after.code, 10, `check must still deny: ${after.stdout}${after.stderr}`);
    assert.match(after.stdout, /FAIL {2}released: /);
  });

  it('junk signature entries listed before the real one are skipped with a warning', async () => {
    const image = await newImage();
    const [v1] = await putSigned(image, ['{"n":1}']);
    await rewriteReferrersIndex(
      image,
      (manifests) => {
        const real = manifests[0]!;
        const junk = Array.from({ length: 16 }, (_, i) =>
          annotate(real, {
            'dev.manifesto.signature.digest': `sha256:${i.toString(16).padStart(64, '0')}`,
            'dev.manifesto.signature.size': '1234',
          }),
        );
        return [...junk, ...manifests];
      },
      v1,
    );
    const got = await machine().run(['get', image, 'approvals', '--verify', ...tp, ...f]);
    assert.equal(ok(got, 'get --verify with 16 junk signatures first'), '{"n":1}');
    assert.match(got.stderr, /warning: .*skipped 16 unusable signature entr/);
  });

  it('a shared trusted state lets a second machine detect a withheld newest version', async () => {
    const image = await newImage();
    const [v2, v1] = await putSigned(image, ['{"n":1}', '{"n":2}']);
    const shared = join(dir, `shared-${uniqueRepository('s').replaceAll('/', '-')}.json`);
    const first = machine({ MANIFESTO_TRUSTED_STATE: shared });
    assert.equal(
      ok(await first.run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'first'),
      '{"n":2}',
    );
    assert.deepEqual(first.remembered(), [v2]);

    await rewriteReferrersIndex(image, (manifests) => manifests.filter((m) => m.digest !== v2));
    // A machine without the shared state cannot tell (documented limit).
    assert.equal(
      ok(await machine().run(['get', image, 'approvals', '--verify', ...tp, ...f]), 'alone'),
      '{"n":1}',
    );
    // A second machine (its own state directory) sharing the state detects it, by variable and by flag.
    const second = machine({ MANIFESTO_TRUSTED_STATE: shared });
    const message = failsWith(
      await second.run(['get', image, 'approvals', '--verify', ...tp, '--json', ...f]),
      'ROLLBACK_DETECTED',
      'second machine',
    );
    assert.ok(message.includes(v2!) && message.includes(v1!), message);
    failsWith(
      await machine().run(['verify', image, '--trusted-state', shared, ...tp, '--json', ...f]),
      'ROLLBACK_DETECTED',
      'verify --trusted-state',
    );
    assert.deepEqual(second.remembered(), [v2]);
  });
});
