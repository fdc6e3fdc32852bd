// Interoperability with oras, the reference OCI artifact CLI, on every backend: oras sees manifesto's
// versions (discover, pull, manifest fetch) in the format of docs/format.md, and manifesto reads and
// labels what oras attaches (SPDX SBOMs, cosign-style Sigstore bundles, SARIF reports).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { runPeer } from '../../support/peers.ts';
import { type MetadataBackend, metadataBackends, orasVisible, type TestImage } from './support/backends.ts';
import { type GetJson, type HistoryJson, type ListJson, ok, okJson, type PutJson } from './support/cli.ts';
import { backendCli, scratchDir, sha256 } from './support/suite.ts';

const SPDX = `${JSON.stringify(
  {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'app',
    documentNamespace: 'https://example.com/spdx/app-1',
    creationInfo: { created: '2026-01-01T00:00:00Z', creators: ['Tool: test'] },
    packages: [
      { name: 'openssl', SPDXID: 'SPDXRef-openssl', versionInfo: '3.0.13', downloadLocation: 'NOASSERTION' },
    ],
  },
  null,
  2,
)}\n`;
const SECCOMP = '{"defaultAction":"SCMP_ACT_ERRNO"}\n';
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

interface OrasReferrer {
  digest: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface OrasManifest {
  mediaType: string;
  artifactType?: string;
  config: { mediaType: string; digest: string; size: number; data?: string };
  layers: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string> }>;
  subject?: { mediaType: string; digest: string; size: number };
  annotations?: Record<string, string>;
}

function describeInterop(backend: MetadataBackend): void {
  const cli = backendCli(backend);
  const files = scratchDir();
  /** Whether the listing carries artifactType and annotations exactly as written (not refreg's). */
  const exactListing = backend.kind !== 'refreg';

  /** Runs `oras COMMAND... ARGS...` with the backend's flags after the command words. */
  const oras = async (args: string[]): Promise<string> => {
    const words = args[0] === 'manifest' ? 2 : 1;
    const result = await runPeer(
      'oras',
      [...args.slice(0, words), ...backend.orasFlags, ...args.slice(words)],
      {
        cwd: files.dir,
      },
    );
    assert.equal(result.code, 0, `oras ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const discover = async (image: TestImage, extra: string[] = []): Promise<OrasReferrer[]> =>
    (
      JSON.parse(await oras(['discover', '--format', 'json', '--depth', '1', ...extra, image.orasRef])) as {
        referrers?: OrasReferrer[];
      }
    ).referrers ?? [];
  const attach = async (image: TestImage, artifactType: string, name: string, content: string) => {
    files.file(name, content);
    const out = await oras([
      'attach',
      '--artifact-type',
      artifactType,
      image.orasRef,
      `${name}:${artifactType}`,
    ]);
    const digest = /Digest: (sha256:[a-f0-9]{64})/.exec(out)?.[1];
    assert.ok(digest, `oras attach printed the digest: ${out}`);
    return digest;
  };

  describe(backend.label, () => {
    after(() => {
      files.remove();
      backend.cleanup();
    });

    it('oras discover lists manifesto versions as docs/format.md says; oras pull of a version yields the content', async (t) => {
      const image = await backend.newImage('md-interop-out');
      const seccomp = okJson<PutJson>(
        await cli.run(['put', image.ref, 'seccomp', files.file('seccomp.json', SECCOMP), '--json']),
        'put seccomp',
      );
      const sbom = okJson<PutJson>(
        await cli.run(['put', image.ref, 'sbom', files.file('app.spdx.json', SPDX), '--json']),
        'put sbom',
      );
      assert.equal(sbom.content.mediaType, 'application/spdx+json');
      assert.equal(sbom.artifactType, 'application/spdx+json');

      const listed = await discover(image);
      assert.deepEqual(listed.map((r) => r.digest).sort(), [seccomp.version, sbom.version].sort());
      const bySbom = listed.find((r) => r.digest === sbom.version)!;
      const bySeccomp = listed.find((r) => r.digest === seccomp.version)!;
      if (exactListing) {
        assert.equal(bySeccomp.artifactType, 'application/vnd.manifesto.seccomp.v1');
        assert.equal(bySbom.artifactType, 'application/spdx+json');
        assert.equal(bySeccomp.annotations?.['dev.manifesto.type'], 'seccomp');
        assert.equal(bySeccomp.annotations?.['dev.manifesto.content.digest'], sha256(SECCOMP));
        const filtered = await discover(image, ['--artifact-type', 'application/spdx+json']);
        assert.deepEqual(
          filtered.map((r) => r.digest),
          [sbom.version],
        );
      } else {
        t.diagnostic(
          `${backend.label} lists artifactType ${bySeccomp.artifactType} and ` +
            `${bySeccomp.annotations === undefined ? 'no' : 'the'} annotations (manifesto repairs this by fetching the manifest)`,
        );
      }

      // The manifest, as any OCI tool fetches it.
      const manifest = JSON.parse(
        await oras(['manifest', 'fetch', image.orasAt(seccomp.version)]),
      ) as OrasManifest;
      assert.equal(manifest.mediaType, OCI_MANIFEST);
      assert.equal(manifest.artifactType, 'application/vnd.manifesto.seccomp.v1');
      assert.deepEqual(manifest.config, {
        mediaType: OCI_EMPTY,
        digest: EMPTY_JSON_DIGEST,
        size: 2,
        data: 'e30=',
      });
      assert.deepEqual(manifest.layers, [
        {
          mediaType: 'application/json',
          digest: sha256(SECCOMP),
          size: Buffer.byteLength(SECCOMP),
          annotations: { 'org.opencontainers.image.title': 'seccomp.json' },
        },
      ]);
      assert.deepEqual(manifest.subject, {
        mediaType: image.subject.mediaType,
        digest: image.subject.digest,
        size: image.subject.size,
      });
      assert.deepEqual(manifest.annotations, {
        'dev.manifesto.type': 'seccomp',
        'org.opencontainers.image.created': seccomp.created,
        'dev.manifesto.format': '1',
        'dev.manifesto.content.digest': sha256(SECCOMP),
        'dev.manifesto.content.size': String(Buffer.byteLength(SECCOMP)),
        'dev.manifesto.content.mediatype': 'application/json',
        'dev.manifesto.author': 'tester@example.com',
      });

      // oras pull by the version digest writes the file under its title.
      const out = join(files.dir, 'pulled');
      await oras(['pull', '-o', out, image.orasAt(seccomp.version)]);
      assert.equal(readFileSync(join(out, 'seccomp.json'), 'utf8'), SECCOMP);
      await oras(['pull', '-o', out, image.orasAt(sbom.version)]);
      assert.equal(readFileSync(join(out, 'app.spdx.json'), 'utf8'), SPDX);
    });

    it('manifesto reads what oras attaches: get IMAGE sbom, and friendly labels in list', async () => {
      const image = await backend.newImage('md-interop-in');
      const sbom = await attach(image, 'application/spdx+json', 'sbom.spdx.json', SPDX);
      const bundle = await attach(image, BUNDLE_TYPE, 'bundle.json', '{"mediaType":"sigstore bundle"}');
      const sarif = await attach(
        image,
        'application/sarif+json',
        'report.sarif',
        '{"version":"2.1.0","runs":[]}',
      );
      const mine = okJson<PutJson>(
        await cli.run(['put', image.ref, 'seccomp', '-', '--json'], { stdin: SECCOMP }),
        'put',
      );

      const got = await cli.run(['get', image.ref, 'sbom']);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.toString(), SPDX);
      const byArtifactType = await cli.run(['get', image.ref, 'application/spdx+json']);
      assert.equal(byArtifactType.stdout.toString(), SPDX);
      const described = okJson<GetJson>(await cli.run(['get', image.ref, 'sbom', '--json']), 'get --json');
      assert.equal(described.version.version, sbom);
      assert.equal(described.version.manifesto, false);
      assert.equal(described.content.digest, sha256(SPDX));
      assert.equal(described.content.text, SPDX);

      const listed = okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list');
      assert.deepEqual(
        listed.types.map((x) => [x.type, x.label, x.count, x.latest.version, x.latest.manifesto]),
        [
          ['seccomp', 'seccomp', 1, mine.version, true],
          ['sbom', 'SPDX SBOM', 1, sbom, false],
          ['sigstore-bundle', 'Sigstore bundle (cosign)', 1, bundle, false],
          ['vuln', 'SARIF report', 1, sarif, false],
        ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      );
      assert.equal(listed.types.find((x) => x.type === 'sbom')!.latest.artifactType, 'application/spdx+json');
      const table = ok(await cli.run(['list', image.ref]), 'list');
      assert.match(table, /\nsbom +1 +sha256:\S+ .* SPDX SBOM\n/);
      assert.match(table, /\nsigstore-bundle +1 .* Sigstore bundle \(cosign\)\n/);

      const history = okJson<HistoryJson>(await cli.run(['history', image.ref, 'sbom', '--json']), 'history');
      assert.deepEqual(
        history.versions.map((v) => v.version),
        [sbom],
      );
      assert.match(
        history.versions[0]!.created ?? '',
        /^\d{4}-\d\d-\d\dT/,
        'oras sets the created annotation',
      );

      // prune leaves other tools' artifacts alone.
      ok(await cli.run(['prune', image.ref, '--keep', '1']), 'prune');
      assert.equal((await discover(image)).length, 4);
    });

    it('an oras artifact of several files: get prints the first and says so; get -o FOLDER writes them all', async () => {
      const image = await backend.newImage('md-interop-files');
      const type = 'application/vnd.example.bundle';
      files.file('a.txt', 'first file\n');
      files.file('b.txt', 'second file\n');
      const out = await oras(['attach', '--artifact-type', type, image.orasRef, 'a.txt', 'b.txt']);
      assert.match(out, /Digest: sha256:/);

      const got = await cli.run(['get', image.ref, type]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.toString(), 'first file\n');
      assert.match(got.stderr, /holds 2 files \(a\.txt, b\.txt\); this is the first, a\.txt\. Use -o FOLDER/);

      const described = okJson<GetJson & { files?: Array<{ name: string; digest: string }> }>(
        await cli.run(['get', image.ref, type, '--json']),
        'get --json',
      );
      assert.deepEqual(
        described.files?.map((f) => [f.name, f.digest]),
        [
          ['a.txt', sha256('first file\n')],
          ['b.txt', sha256('second file\n')],
        ],
      );

      const folder = join(files.dir, 'pulled');
      mkdirSync(folder);
      const written = await cli.run(['get', image.ref, type, '-o', folder]);
      assert.equal(written.code, 0, written.stderr);
      assert.equal(readFileSync(join(folder, 'a.txt'), 'utf8'), 'first file\n');
      assert.equal(readFileSync(join(folder, 'b.txt'), 'utf8'), 'second file\n');
      assert.match(written.stderr, /Wrote 2 files .* a\.txt, b\.txt/);

      // A folder is still refused for a version of one file.
      const single = okJson<PutJson>(
        await cli.run(['put', image.ref, 'seccomp', '-', '--json'], { stdin: SECCOMP }),
        'put',
      );
      assert.ok(single.version);
      const refused = await cli.run(['get', image.ref, 'seccomp', '-o', folder]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /folder|directory/i);
    });
  });
}

describe('oras interop on every backend', { concurrency: true }, () => {
  // On layouts oras sees only referrers listed in index.json (docs/format.md, "OCI image layouts").
  for (const backend of metadataBackends()) describeInterop(orasVisible(backend));
});
