// `manifesto copy` carries cosign's legacy tags (`sha256-<hex>.sig`, `.att`), with the real cosign
// CLI on distribution 2.8 and refreg: an image signed and attested with `--new-bundle-format=false`
// (cosign's legacy mode: signatures under tags, not referrers) is copied to another repository of
// distribution, to refreg, and registry -> OCI layout -> registry; `cosign verify` and `cosign
// verify-attestation` succeed at each destination (and, for an index signed with `--recursive`, on
// the index and every platform), a second run copies nothing, and `--no-referrers`,
// `--types` and `--dry-run` do what they say. Before: the tags were not copied, so the promoted
// image had no signature for `cosign verify` at the destination.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CopyResult } from '../../../src/metadata/copy/copy-types.ts';
import { pushTestMultiPlatformImage } from '../../support/images.ts';
import { runPeer } from '../../support/peers.ts';
import { uniqueRepository } from '../../support/registries.ts';
import { type MetadataBackend, metadataBackend, type TestImage } from './support/backends.ts';
import { okJson, runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-copy-legacy-'));
const env = { ...process.env, HOME: dir, DOCKER_CONFIG: join(dir, 'docker') };
const distribution: MetadataBackend = metadataBackend('distribution');
const refreg: MetadataBackend = metadataBackend('refreg');
after(() => {
  distribution.cleanup();
  refreg.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const cosignEnv = { COSIGN_PASSWORD: '', COSIGN_YES: 'true', DOCKER_CONFIG: env.DOCKER_CONFIG };
const http = ['--allow-http-registry', '--allow-insecure-registry'];
async function cosign(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runPeer('cosign', args, { cwd: dir, env: cosignEnv });
}
async function cosignOk(args: string[]): Promise<string> {
  const result = await cosign(args);
  assert.equal(result.code, 0, `cosign ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  await cosignOk(['generate-key-pair']);
  writeFileSync(join(dir, 'spdx.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'app' }));
});

const legacyFlags = ['--key', 'cosign.key', '--tlog-upload=false', '--use-signing-config=false'];

/** An image on distribution signed and attested (SPDX) by cosign in legacy tag mode. */
async function signedImage(prefix: string): Promise<TestImage> {
  const image = await distribution.newImage(prefix);
  await cosignOk(['sign', ...legacyFlags, '--new-bundle-format=false', ...http, image.byDigest]);
  await cosignOk([
    'attest',
    ...legacyFlags,
    '--new-bundle-format=false',
    '--type',
    'spdxjson',
    '--predicate',
    'spdx.json',
    ...http,
    image.byDigest,
  ]);
  const hex = image.subject.digest.slice('sha256:'.length);
  assert.deepEqual(
    (await tags(`${distribution.registry!.host}/${image.name}`)).filter((t) => t.includes(hex)).sort(),
    [`sha256-${hex}.att`, `sha256-${hex}.sig`],
  );
  return image;
}

async function tags(repository: string): Promise<string[]> {
  const listed = await runPeer('crane', ['ls', '--insecure', repository], { cwd: dir });
  if (listed.code !== 0) return [];
  return listed.stdout.split('\n').filter((t) => t !== '');
}

async function copy(src: string, dst: string, extra: string[] = []): Promise<CopyResult> {
  return okJson<CopyResult>(
    await runCli(['copy', src, dst, '--json', '--plain-http', ...extra], { env }),
    `copy ${src} ${dst}`,
  );
}

/** cosign verify and verify-attestation of `repository@digest` with the key. */
async function assertCosignVerifies(repository: string, digest: string): Promise<void> {
  const at = `${repository}@${digest}`;
  const verified = await cosignOk([
    'verify',
    '--key',
    'cosign.pub',
    '--insecure-ignore-tlog=true',
    '--new-bundle-format=false',
    ...http,
    at,
  ]);
  assert.match(verified, new RegExp(digest));
  const attested = await cosignOk([
    'verify-attestation',
    '--key',
    'cosign.pub',
    '--insecure-ignore-tlog=true',
    '--new-bundle-format=false',
    '--type',
    'spdxjson',
    ...http,
    at,
  ]);
  assert.match(attested, /"payload"/);
}

const actions = (result: CopyResult) =>
  result.legacyTags.map((t) => `${t.tag.slice(-4)} ${t.action} ${t.types.join(',')}`).sort();

describe('copy carries cosign legacy tags', () => {
  for (const to of ['distribution', 'refreg'] as const) {
    it(`distribution -> ${to}: cosign verify succeeds at DST; a second run copies nothing`, async () => {
      const image = await signedImage(`legacy-to-${to}`);
      const digest = image.subject.digest;
      const hex = digest.slice('sha256:'.length);
      const host = (to === 'refreg' ? refreg : distribution).registry!.host;
      const dstRepo = `${host}/${uniqueRepository('legacy-dst')}`;

      // Not at DST before the copy: cosign finds no signature there.
      const first = await copy(image.ref, `${dstRepo}:v1`);
      assert.deepEqual(first.differences, []);
      assert.deepEqual(actions(first), ['.att copied sbom', '.sig copied cosign-signature']);
      assert.deepEqual(
        first.copied
          .filter((m) => m.tag !== undefined)
          .map((m) => `${m.tag} of ${m.subject}`)
          .sort(),
        [`sha256-${hex}.att of ${digest}`, `sha256-${hex}.sig of ${digest}`],
      );
      assert.deepEqual((await tags(dstRepo)).filter((t) => t.includes(hex)).sort(), [
        `sha256-${hex}.att`,
        `sha256-${hex}.sig`,
      ]);
      await assertCosignVerifies(dstRepo, digest);

      const second = await copy(image.ref, `${dstRepo}:v1`);
      assert.deepEqual(second.copied, []);
      assert.deepEqual(second.differences, []);
      assert.deepEqual(actions(second), ['.att present sbom', '.sig present cosign-signature']);
    });
  }

  it('registry -> OCI layout (tags in index.json) -> registry: cosign verify succeeds at the end', async () => {
    const image = await signedImage('legacy-layout');
    const digest = image.subject.digest;
    const hex = digest.slice('sha256:'.length);
    const layout = mkdtempSync(join(dir, 'layout-'));
    const toLayout = await copy(image.ref, `oci:${layout}:v1`);
    assert.deepEqual(toLayout.differences, []);
    assert.deepEqual(actions(toLayout), ['.att copied sbom', '.sig copied cosign-signature']);
    const index = readFileSync(join(layout, 'index.json'), 'utf8');
    const refNames = (
      JSON.parse(index) as { manifests: { annotations?: Record<string, string> }[] }
    ).manifests
      .map((m) => m.annotations?.['org.opencontainers.image.ref.name'])
      .filter((n) => n !== undefined)
      .sort();
    assert.deepEqual(refNames, [`sha256-${hex}.att`, `sha256-${hex}.sig`, 'v1']);

    const dstRepo = `${refreg.registry!.host}/${uniqueRepository('legacy-from-layout')}`;
    const fromLayout = await copy(`oci:${layout}:v1`, `${dstRepo}:v1`);
    assert.deepEqual(fromLayout.differences, []);
    assert.deepEqual(actions(fromLayout), ['.att copied sbom', '.sig copied cosign-signature']);
    await assertCosignVerifies(dstRepo, digest);
    assert.deepEqual(actions(await copy(`oci:${layout}:v1`, `${dstRepo}:v1`)), [
      '.att present sbom',
      '.sig present cosign-signature',
    ]);
  });

  it('a multi-platform image signed with --recursive: the index and each platform keep their .sig', async () => {
    const { createImageOpener } = await import('../../../src/open/open-image.ts');
    const srcRepo = `${distribution.registry!.host}/${uniqueRepository('legacy-multi')}`;
    const repository = (await createImageOpener({ plainHttp: true, env })(`${srcRepo}:v1`)).repository;
    const multi = await pushTestMultiPlatformImage(
      repository,
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      { tag: 'v1', attest: [0] },
    );
    await cosignOk([
      'sign',
      ...legacyFlags,
      '--new-bundle-format=false',
      '--recursive',
      ...http,
      `${srcRepo}@${multi.index.digest}`,
    ]);
    const signed = [multi.index.digest, ...multi.children.map((c) => c.digest)];
    const dstRepo = `${refreg.registry!.host}/${uniqueRepository('legacy-multi-dst')}`;
    const result = await copy(`${srcRepo}:v1`, `${dstRepo}:v1`);
    assert.deepEqual(result.differences, []);
    // One .sig per signed manifest; the buildx attestation manifest is not looked up.
    assert.deepEqual(
      result.legacyTags.map((t) => `${t.subject} ${t.tag.slice(-4)} ${t.action}`).sort(),
      signed.map((d) => `${d} .sig copied`).sort(),
    );
    for (const digest of signed) {
      await cosignOk([
        'verify',
        '--key',
        'cosign.pub',
        '--insecure-ignore-tlog=true',
        '--new-bundle-format=false',
        ...http,
        `${dstRepo}@${digest}`,
      ]);
    }
    const again = await copy(`${srcRepo}:v1`, `${dstRepo}:v1`);
    assert.deepEqual(again.copied, []);
    assert.equal(again.legacyTags.filter((t) => t.action === 'present').length, signed.length);
  });

  it('a DST tag signed again at DST (superset) is present; one signed only at DST is a conflict, not overwritten', async () => {
    const image = await signedImage('legacy-dst-signed');
    const digest = image.subject.digest;
    const host = distribution.registry!.host;
    await cosignOk(['generate-key-pair', '--output-key-prefix', 'second']);
    const signAtDst = (repository: string) =>
      cosignOk([
        'sign',
        '--key',
        'second.key',
        '--tlog-upload=false',
        '--use-signing-config=false',
        '--new-bundle-format=false',
        ...http,
        `${repository}@${digest}`,
      ]);

    // Promoted, then signed at DST too (cosign appends to the .sig manifest): a rerun is a no-op.
    const promoted = `${host}/${uniqueRepository('legacy-resigned')}`;
    await copy(image.ref, `${promoted}:v1`);
    await signAtDst(promoted);
    const rerun = await copy(image.ref, `${promoted}:v1`);
    assert.deepEqual(rerun.copied, []);
    assert.deepEqual(rerun.differences, []);
    assert.deepEqual(actions(rerun), ['.att present sbom', '.sig present cosign-signature']);
    await assertCosignVerifies(promoted, digest);

    // The image alone first, signed only at DST: the source's .sig does not replace DST's.
    const own = `${host}/${uniqueRepository('legacy-own')}`;
    await copy(image.ref, `${own}:v1`, ['--no-referrers']);
    await signAtDst(own);
    const result = await runCli(['copy', image.ref, `${own}:v1`, '--json', '--plain-http'], { env });
    assert.equal(result.code, 11, result.stderr.toString());
    const conflict = JSON.parse(result.stdout.toString()) as CopyResult;
    assert.deepEqual(actions(conflict), ['.att copied sbom', '.sig conflict cosign-signature']);
    const sig = conflict.legacyTags.find((t) => t.tag.endsWith('.sig'))!;
    assert.deepEqual(conflict.differences, [{ subject: digest, missing: [sig.digest] }]);
    const second = await cosign([
      'verify',
      '--key',
      'second.pub',
      '--insecure-ignore-tlog=true',
      '--new-bundle-format=false',
      ...http,
      `${own}@${digest}`,
    ]);
    assert.equal(second.code, 0, `DST's own signature is kept: ${second.stderr}`);
  });

  it('--no-referrers leaves them out; --types selects by the types list shows; --dry-run writes none', async () => {
    const image = await signedImage('legacy-options');
    const hex = image.subject.digest.slice('sha256:'.length);
    const host = distribution.registry!.host;
    const legacyAt = async (repository: string) =>
      (await tags(repository)).filter((t) => t.includes(hex)).sort();

    const alone = `${host}/${uniqueRepository('legacy-alone')}`;
    const bare = await copy(image.ref, `${alone}:v1`, ['--no-referrers']);
    assert.deepEqual(bare.legacyTags, []);
    assert.deepEqual(await legacyAt(alone), []);

    const dry = `${host}/${uniqueRepository('legacy-dry')}`;
    const planned = await copy(image.ref, `${dry}:v1`, ['--dry-run']);
    assert.deepEqual(actions(planned), ['.att copied sbom', '.sig copied cosign-signature']);
    assert.deepEqual(await tags(dry), []);

    const sbomOnly = `${host}/${uniqueRepository('legacy-sbom')}`;
    const selected = await copy(image.ref, `${sbomOnly}:v1`, ['--types', 'sbom']);
    assert.deepEqual(actions(selected), ['.att copied sbom', '.sig not-selected cosign-signature']);
    assert.deepEqual(await legacyAt(sbomOnly), [`sha256-${hex}.att`]);
    const signatureOnly = `${host}/${uniqueRepository('legacy-sig')}`;
    const signatures = await copy(image.ref, `${signatureOnly}:v1`, ['--types', 'cosign-signature']);
    assert.deepEqual(actions(signatures), ['.att not-selected sbom', '.sig copied cosign-signature']);
    assert.deepEqual(await legacyAt(signatureOnly), [`sha256-${hex}.sig`]);
    // cosign verify (the signature alone) succeeds there.
    await cosignOk([
      'verify',
      '--key',
      'cosign.pub',
      '--insecure-ignore-tlog=true',
      '--new-bundle-format=false',
      ...http,
      `${signatureOnly}@${image.subject.digest}`,
    ]);
  });
});
