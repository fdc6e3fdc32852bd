// Signed metadata through the CLI with the real notation and cosign CLIs, both directions, on
// distribution 2.8 (referrers tag schema) and refreg (OCI referrers API). A signature is a referrer
// of the metadata VERSION manifest, so the peers are pointed at HOST/REPO@VERSION_DIGEST:
//
// - manifesto put --sign qa.key --cert qa.crt  ->  notation verify --insecure-registry HOST/REPO@VERSION
//   (XDG_CONFIG_HOME with truststore/x509/ca/manifesto/qa.pem and trustpolicy.json);
// - manifesto put (unsigned), notation cert generate-test --default notation-test, notation sign
//   --insecure-registry HOST/REPO@VERSION  ->  manifesto get --verify (authority: notation-test.crt);
// - manifesto put --sign k.key --sign-format sigstore  ->  cosign verify-attestation --key k.pub
//   --insecure-ignore-tlog=true --allow-http-registry --allow-insecure-registry
//   --type https://manifesto.dev/metadata/v1 HOST/REPO@VERSION;
// - manifesto put (unsigned), cosign attest --key cosign.key --new-bundle-format=true
//   --tlog-upload=false --use-signing-config=false --type URI --predicate FILE HOST/REPO@VERSION
//   ->  manifesto get --verify (authority: cosign.pub). Any predicate type counts: the signature
//   proves that the authority attested the version digest, which covers type, content and chain.
//
// And, without peers: put --sign / get --verify --platform on a multi-platform image, put --sign
// --all-platforms, require all and 2-of-3, a Notary identity mismatch, and an encrypted key.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Platform } from '../../../src/oci/descriptor.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';
import { type PeerName, type PeerResult, runPeer } from '../../support/peers.ts';
import { type TestRegistry, testRegistries, uniqueRepository } from '../../support/registries.ts';
import { type CliResult, failsWith, generateKeys, ok, runCli } from './cli-assertions.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-signed-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const baseEnv: Record<string, string | undefined> = { HOME: dir, MANIFESTO_AUTHOR: 'test' };

const cli = (
  argv: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> =>
  runCli(argv, { env: { ...baseEnv, ...options.env }, input: options.input, noValidate: true });

function describeRun(name: string, args: readonly string[], result: PeerResult): string {
  return `${name} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

async function peerOk(
  name: PeerName,
  args: readonly string[],
  home: string,
  env: Record<string, string> = {},
): Promise<PeerResult> {
  const result = await runPeer(name, args, { home, env });
  assert.equal(result.code, 0, describeRun(name, args, result));
  return result;
}

async function peerFails(
  name: PeerName,
  args: readonly string[],
  home: string,
  env: Record<string, string>,
  pattern: RegExp,
): Promise<void> {
  const result = await runPeer(name, args, { home, env });
  assert.notEqual(result.code, 0, describeRun(name, args, result));
  assert.match(`${result.stdout}\n${result.stderr}`, pattern, describeRun(name, args, result));
}

let counter = 0;
function scratch(label: string): string {
  const path = join(dir, `${label}-${++counter}`);
  mkdirSync(path, { recursive: true });
  return path;
}

function file(text: string): string {
  const path = join(dir, `content-${++counter}.json`);
  writeFileSync(path, text);
  return path;
}

const key = (name: string) => join(dir, name);

interface Authority {
  certificates?: string[];
  keys?: string[];
  identities?: string[];
}

/** A trust policy with one enforcing rule for `approvals` in the registry's repositories. */
function writePolicy(
  registry: TestRegistry,
  authorities: Record<string, Authority>,
  rule: { authorities: string[]; require?: string | number },
): string {
  const path = join(dir, `policy-${++counter}.yaml`);
  const policy = {
    version: 1,
    authorities,
    rules: [
      {
        repositories: [`${registry.host}/**`],
        types: ['approvals'],
        authorities: rule.authorities,
        require: rule.require ?? 'any',
        enforcement: 'enforce',
      },
      { repositories: ['**'], types: ['*'], enforcement: 'skip' },
    ],
  };
  // JSON is YAML.
  writeFileSync(path, JSON.stringify(policy, null, 2));
  return path;
}

async function setUpKeys(): Promise<void> {
  await generateKeys(cli, dir, {
    qa: ['--subject', 'CN=qa, O=Acme'],
    sec: ['--subject', 'CN=sec, O=Acme'],
    ops: ['--subject', 'CN=ops, O=Acme'],
    scanner: [],
  });
}
const keysReady = setUpKeys();

async function freshImage(registry: TestRegistry, prefix: string): Promise<string> {
  const name = `${registry.host}/${uniqueRepository(prefix)}`;
  const opened = await createImageOpener({ plainHttp: true })(`${name}:v1`);
  await pushTestImage(opened.repository, { tag: 'v1' });
  return name;
}

const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

async function freshMultiPlatformImage(registry: TestRegistry, prefix: string): Promise<string> {
  const name = `${registry.host}/${uniqueRepository(prefix)}`;
  const opened = await createImageOpener({ plainHttp: true })(`${name}:v1`);
  await pushTestMultiPlatformImage(opened.repository, PLATFORMS, { tag: 'v1' });
  return name;
}

/** `put --json`: the new version's digest. */
async function put(image: string, content: string, flags: string[] = []): Promise<string> {
  const stdout = ok(
    await cli(['put', `${image}:v1`, 'approvals', file(content), '--plain-http', '--json', ...flags]),
    `put ${flags.join(' ')}`,
  );
  return (JSON.parse(stdout) as { version: string }).version;
}

async function getVerified(image: string, policy: string, flags: string[] = []): Promise<CliResult> {
  return cli([
    'get',
    `${image}:v1`,
    'approvals',
    '--verify',
    '--trust-policy',
    policy,
    '--plain-http',
    ...flags,
  ]);
}

/** A notation configuration (HOME/.config/notation) trusting `certificates` for every repository. */
function notationHome(certificates: readonly string[]): { home: string; env: Record<string, string> } {
  const home = scratch('notation');
  const config = join(home, '.config');
  const store = join(config, 'notation', 'truststore', 'x509', 'ca', 'manifesto');
  mkdirSync(store, { recursive: true });
  for (const [i, c] of certificates.entries()) writeFileSync(join(store, `cert-${i}.pem`), readFileSync(c));
  const policy = {
    version: '1.0',
    trustPolicies: [
      {
        name: 'manifesto-interop',
        registryScopes: ['*'],
        signatureVerification: { level: 'strict' },
        trustStores: ['ca:manifesto'],
        trustedIdentities: ['*'],
      },
    ],
  };
  writeFileSync(join(config, 'notation', 'trustpolicy.json'), JSON.stringify(policy, null, 2));
  return { home, env: { XDG_CONFIG_HOME: config } };
}

const COSIGN_HTTP = ['--allow-http-registry', '--allow-insecure-registry'];
const COSIGN_ENV = { COSIGN_PASSWORD: 'interop-password', COSIGN_YES: 'true' };

for (const registry of testRegistries().filter((r) => r.kind === 'distribution' || r.kind === 'refreg')) {
  describe(`signed metadata with notation and cosign on ${registry.kind}`, () => {
    it('notation verify accepts a version stored with put --sign (Notary)', async () => {
      await keysReady;
      const image = await freshImage(registry, 'interop-notation-verify');
      const version = await put(image, '{"approved":true}', [
        '--sign',
        key('qa.key'),
        '--cert',
        key('qa.crt'),
        '--expires',
        '1h',
      ]);
      const trusting = notationHome([key('qa.crt')]);
      const verified = await peerOk(
        'notation',
        ['verify', '--insecure-registry', `${image}@${version}`],
        trusting.home,
        trusting.env,
      );
      assert.match(verified.stdout, new RegExp(`Successfully verified signature for ${image}@${version}`));
      // notation really checks: another root is not trusted
      const stranger = notationHome([key('sec.crt')]);
      await peerFails(
        'notation',
        ['verify', '-v', '--insecure-registry', `${image}@${version}`],
        stranger.home,
        stranger.env,
        /certificate chain does not contain any trusted certificate/,
      );
    });

    it('get --verify accepts a version signed by notation sign, and refuses it for another authority', async () => {
      await keysReady;
      const image = await freshImage(registry, 'interop-notation-sign');
      const version = await put(image, '{"approved":"by notation"}');
      const notation = notationHome([]);
      await peerOk(
        'notation',
        ['cert', 'generate-test', '--default', 'notation-test'],
        notation.home,
        notation.env,
      );
      await peerOk(
        'notation',
        ['sign', '--insecure-registry', `${image}@${version}`],
        notation.home,
        notation.env,
      );
      const certificate = join(notation.home, '.config', 'notation', 'localkeys', 'notation-test.crt');

      const trusting = writePolicy(
        registry,
        { notation: { certificates: [certificate] } },
        {
          authorities: ['notation'],
        },
      );
      const content = ok(await getVerified(image, trusting), 'get --verify (notation authority)');
      assert.equal(content, '{"approved":"by notation"}');

      const other = writePolicy(registry, { qa: { certificates: [key('qa.crt')] } }, { authorities: ['qa'] });
      failsWith(await getVerified(image, other, ['--json']), 'SIGNER_UNTRUSTED', 'another authority');
      const plain = await getVerified(image, other);
      assert.equal(plain.code, 9, plain.stderr);
      assert.equal(plain.stdout, '', 'nothing printed');
      // notation's authority known to the policy, but not allowed for approvals
      const notAllowed = writePolicy(
        registry,
        { qa: { certificates: [key('qa.crt')] }, notation: { certificates: [certificate] } },
        { authorities: ['qa'] },
      );
      failsWith(
        await getVerified(image, notAllowed, ['--json']),
        'AUTHORITY_NOT_ALLOWED',
        'notation not allowed',
      );
    });

    it('cosign verify-attestation accepts a version stored with put --sign --sign-format sigstore', async () => {
      await keysReady;
      const image = await freshImage(registry, 'interop-cosign-verify');
      const version = await put(image, '{"approved":"sigstore"}', [
        '--sign',
        key('scanner.key'),
        '--sign-format',
        'sigstore',
        '--expires',
        '1h',
      ]);
      const home = scratch('cosign');
      const args = (publicKey: string, type: string) => [
        'verify-attestation',
        '--key',
        publicKey,
        '--insecure-ignore-tlog=true',
        ...COSIGN_HTTP,
        '--type',
        type,
        `${image}@${version}`,
      ];
      const result = await peerOk(
        'cosign',
        args(key('scanner.pub'), 'https://manifesto.dev/metadata/v1'),
        home,
        COSIGN_ENV,
      );
      const statements = result.stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map(
          (line) =>
            JSON.parse(
              Buffer.from((JSON.parse(line) as { payload: string }).payload, 'base64').toString('utf8'),
            ) as { subject: Array<{ digest: { sha256: string } }>; predicate: { version: string } },
        );
      assert.equal(statements.length, 1, result.stdout);
      assert.equal(`sha256:${statements[0]!.subject[0]!.digest.sha256}`, version);
      assert.equal(statements[0]!.predicate.version, version);
      // cosign really checks the key
      await peerFails(
        'cosign',
        args(key('qa.pub'), 'https://manifesto.dev/metadata/v1'),
        home,
        COSIGN_ENV,
        /./,
      );
    });

    it('get --verify accepts a version attested by cosign attest (any predicate type), and refuses it for another key', async () => {
      await keysReady;
      const image = await freshImage(registry, 'interop-cosign-attest');
      const version = await put(image, '{"approved":"by cosign"}');
      const home = scratch('cosign');
      await peerOk(
        'cosign',
        ['generate-key-pair', '--output-key-prefix', join(home, 'cosign')],
        home,
        COSIGN_ENV,
      );
      const predicate = join(home, 'predicate.json');
      writeFileSync(predicate, JSON.stringify({ approvedBy: 'qa', ticket: 42 }));
      await peerOk(
        'cosign',
        [
          'attest',
          '--key',
          join(home, 'cosign.key'),
          '--new-bundle-format=true',
          '--tlog-upload=false',
          '--use-signing-config=false',
          ...COSIGN_HTTP,
          '--type',
          'https://example.com/qa/v1',
          '--predicate',
          predicate,
          '--yes',
          `${image}@${version}`,
        ],
        home,
        COSIGN_ENV,
      );
      const trusting = writePolicy(
        registry,
        { cosign: { keys: [join(home, 'cosign.pub')] } },
        {
          authorities: ['cosign'],
        },
      );
      assert.equal(
        ok(await getVerified(image, trusting), 'get --verify (cosign key)'),
        '{"approved":"by cosign"}',
      );
      const other = writePolicy(
        registry,
        { scanner: { keys: [key('scanner.pub')] } },
        {
          authorities: ['scanner'],
        },
      );
      failsWith(await getVerified(image, other, ['--json']), 'SIGNER_UNTRUSTED', 'another key');
    });

    it('put --sign --platform and get --verify --platform on a multi-platform image', async () => {
      await keysReady;
      const image = await freshMultiPlatformImage(registry, 'interop-platform');
      const policy = writePolicy(
        registry,
        { qa: { certificates: [key('qa.crt')] } },
        { authorities: ['qa'] },
      );
      await put(image, '{"arch":"arm64"}', ['--platform', 'linux/arm64/v8', '--sign', key('qa.key')]);
      await put(image, '{"arch":"amd64"}', ['--platform', 'linux/amd64']);
      assert.equal(
        ok(await getVerified(image, policy, ['--platform', 'linux/arm64/v8']), 'get --verify arm64'),
        '{"arch":"arm64"}',
      );
      failsWith(
        await getVerified(image, policy, ['--platform', 'linux/amd64', '--json']),
        'SIGNATURE_MISSING',
        'unsigned amd64',
      );
    });

    it('put --sign --all-platforms signs each platform’s version', async () => {
      await keysReady;
      const image = await freshMultiPlatformImage(registry, 'interop-all-platforms');
      const policy = writePolicy(
        registry,
        { qa: { certificates: [key('qa.crt')] } },
        { authorities: ['qa'] },
      );
      const stdout = ok(
        await cli([
          'put',
          `${image}:v1`,
          'approvals',
          file('{"all":true}'),
          '--all-platforms',
          '--sign',
          key('qa.key'),
          '--plain-http',
          '--json',
        ]),
        'put --all-platforms --sign',
      );
      const results = (
        JSON.parse(stdout) as {
          results: Array<{ ok: boolean; platform: string; version: string; signature?: { format: string } }>;
        }
      ).results;
      assert.equal(results.length, 2, stdout);
      for (const r of results) {
        assert.ok(r.ok, stdout);
        assert.equal(r.signature?.format, 'notary', stdout);
      }
      for (const platform of ['linux/amd64', 'linux/arm64/v8']) {
        assert.equal(
          ok(await getVerified(image, policy, ['--platform', platform, '--no-inherit']), `get ${platform}`),
          '{"all":true}',
        );
      }
      // Without --json: one stored line and one signed line per platform.
      const text = ok(
        await cli([
          'put',
          `${image}:v1`,
          'approvals',
          file('{"all":2}'),
          '--all-platforms',
          '--sign',
          key('qa.key'),
          '--plain-http',
        ]),
        'put --all-platforms --sign (text)',
      );
      assert.equal(text.match(/^Stored approvals/gm)?.length, 2, text);
      assert.equal(text.match(/^Signed version sha256:[0-9a-f]{64} \(notary\)/gm)?.length, 2, text);
    });

    it('require all and 2 of 3 authorities; a Notary identity mismatch', async () => {
      await keysReady;
      const image = await freshImage(registry, 'interop-require');
      const authorities = {
        qa: { certificates: [key('qa.crt')], identities: ['x509.subject: CN=qa, O=Acme'] },
        sec: { certificates: [key('sec.crt')] },
        ops: { certificates: [key('ops.crt')] },
      };
      const all = writePolicy(registry, authorities, { authorities: ['qa', 'sec'], require: 'all' });
      const twoOfThree = writePolicy(registry, authorities, {
        authorities: ['qa', 'sec', 'ops'],
        require: 2,
      });
      await put(image, '{"n":1}', ['--sign', key('qa.key')]);
      failsWith(await getVerified(image, all, ['--json']), 'SIGNATURES_INSUFFICIENT', 'all: qa only');
      failsWith(
        await getVerified(image, twoOfThree, ['--json']),
        'SIGNATURES_INSUFFICIENT',
        '2 of 3: qa only',
      );
      ok(
        await cli(['sign', `${image}:v1`, 'approvals', '--key', key('ops.key'), '--plain-http']),
        'sign ops',
      );
      assert.equal(ok(await getVerified(image, twoOfThree), '2 of 3: qa, ops'), '{"n":1}');
      failsWith(await getVerified(image, all, ['--json']), 'SIGNATURES_INSUFFICIENT', 'all: qa, ops');
      ok(
        await cli(['sign', `${image}:v1`, 'approvals', '--key', key('sec.key'), '--plain-http']),
        'sign sec',
      );
      assert.equal(ok(await getVerified(image, all), 'all: qa, sec'), '{"n":1}');

      const mismatch = writePolicy(
        registry,
        { qa: { certificates: [key('qa.crt')], identities: ['x509.subject: CN=someone-else'] } },
        { authorities: ['qa'] },
      );
      const message = failsWith(
        await getVerified(image, mismatch, ['--json']),
        'SIGNER_UNTRUSTED',
        'identity mismatch',
      );
      assert.match(message, /untrusted|no authority/);
    });

    it('key generate --password-stdin; put --sign with the encrypted key (MANIFESTO_KEY_PASSWORD)', async () => {
      const image = await freshImage(registry, 'interop-encrypted');
      const out = join(scratch('encrypted'), 'enc');
      ok(
        await cli(['key', 'generate', '--out', out, '--subject', 'CN=enc, O=Acme', '--password-stdin'], {
          input: 's3cret\n',
        }),
        'key generate --password-stdin',
      );
      assert.match(readFileSync(`${out}.key`, 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
      // Without the password the key does not load, and nothing is stored.
      const refused = await cli([
        'put',
        `${image}:v1`,
        'approvals',
        file('{}'),
        '--sign',
        `${out}.key`,
        '--plain-http',
      ]);
      assert.notEqual(refused.code, 0, refused.stderr);
      const wrong = await cli(
        ['put', `${image}:v1`, 'approvals', file('{}'), '--sign', `${out}.key`, '--plain-http'],
        { env: { MANIFESTO_KEY_PASSWORD: 'wrong' } },
      );
      assert.notEqual(wrong.code, 0, wrong.stderr);
      const stored = await cli(
        [
          'put',
          `${image}:v1`,
          'approvals',
          file('{"enc":1}'),
          '--sign',
          `${out}.key`,
          '--plain-http',
          '--json',
        ],
        { env: { MANIFESTO_KEY_PASSWORD: 's3cret' } },
      );
      const result = JSON.parse(ok(stored, 'put --sign encrypted key')) as { signature?: { format: string } };
      assert.equal(result.signature?.format, 'notary');
      const policy = writePolicy(
        registry,
        { enc: { certificates: [`${out}.crt`] } },
        { authorities: ['enc'] },
      );
      assert.equal(ok(await getVerified(image, policy), 'get --verify'), '{"enc":1}');
    });
  });
}
