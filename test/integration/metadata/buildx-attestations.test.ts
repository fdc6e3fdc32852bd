// buildx attestation manifests read as a platform's metadata, on distribution 2.8, refreg and an OCI
// layout. The index is pushed as `docker buildx build --platform linux/amd64,linux/arm64 --sbom=true
// --provenance=true` writes it: one image per platform, then per platform an attestation manifest
// (platform unknown/unknown, `vnd.docker.reference.type: attestation-manifest`,
// `vnd.docker.reference.digest: <the platform image>`) whose in-toto layers hold buildkit's SPDX SBOM
// (Syft) and SLSA v0.2 provenance, each annotated `in-toto.io/predicate-type`.
// Before: `get --platform P sbom` exited 3, `check` with `require: [sbom, provenance]` denied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Repository } from '../../../src/content/repository.ts';
import type { Descriptor, ImageManifest, Platform } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { pushTestImage } from '../../support/images.ts';
import { metadataBackends } from './support/backends.ts';
import { failsWith, type ListJson, ok, okJson } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

const FIXTURES = resolve(import.meta.dirname, '..', '..', 'fixtures', 'kinds');
const SPDX = JSON.parse(readFileSync(join(FIXTURES, 'spdx.json'), 'utf8')) as Record<string, unknown>;
const encoder = new TextEncoder();

async function pushJson(repository: Repository, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = encoder.encode(JSON.stringify(value));
  const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  await repository.pushBlob(descriptor, bytes);
  return descriptor;
}

/** buildkit's provenance (mode=min) for one platform image. */
function buildkitProvenance(platform: string) {
  return {
    builder: { id: 'https://github.com/acme/app/actions/runs/4242/attempts/1' },
    buildType: 'https://mobyproject.org/buildkit@v1',
    materials: [
      {
        uri: 'pkg:docker/alpine@3.20?platform=linux%2Famd64',
        digest: { sha256: 'beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d' },
      },
    ],
    invocation: {
      configSource: { entryPoint: 'Dockerfile' },
      parameters: { frontend: 'dockerfile.v0', args: {}, locals: [{ name: 'context' }] },
      environment: { platform },
    },
    metadata: {
      buildInvocationID: 'k2ch7cboc9x8wz9yzp3qhdfp1',
      buildStartedOn: '2026-11-30T10:00:01.123456789Z',
      buildFinishedOn: '2026-11-30T10:00:09.987654321Z',
      completeness: { parameters: false, environment: true, materials: false },
      reproducible: false,
      'https://mobyproject.org/buildkit@v1#metadata': {},
    },
  };
}

/** The attestation manifest buildkit writes for `image`, and its index entry. */
async function pushAttestationManifest(
  repository: Repository,
  image: Descriptor,
  platform: string,
): Promise<Descriptor> {
  const config = await pushJson(repository, OCI_CONFIG, {
    architecture: 'unknown',
    os: 'unknown',
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
  });
  const subject = [
    {
      name: `pkg:docker/registry.example.com/team/app@v1?platform=${encodeURIComponent(platform)}`,
      digest: { sha256: image.digest.slice('sha256:'.length) },
    },
  ];
  const statement = (predicateType: string, predicate: unknown) => ({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType,
    subject,
    predicate,
  });
  const sbom = await pushJson(
    repository,
    'application/vnd.in-toto+json',
    statement('https://spdx.dev/Document', SPDX),
  );
  const provenance = await pushJson(
    repository,
    'application/vnd.in-toto+json',
    statement('https://slsa.dev/provenance/v0.2', buildkitProvenance(platform)),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [
      { ...sbom, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } },
      { ...provenance, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } },
    ],
  };
  const pushed = await repository.pushManifest(encoder.encode(JSON.stringify(manifest)), {
    mediaType: OCI_MANIFEST,
  });
  return {
    mediaType: OCI_MANIFEST,
    digest: pushed.digest,
    size: pushed.size,
    annotations: {
      'vnd.docker.reference.digest': image.digest,
      'vnd.docker.reference.type': 'attestation-manifest',
    },
    platform: { architecture: 'unknown', os: 'unknown' },
  };
}

const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

async function pushBuildxIndex(repository: Repository, tag: string) {
  const seed = `${Date.now()}-${Math.random()}`;
  const children: Descriptor[] = [];
  for (const platform of PLATFORMS)
    children.push(await pushTestImage(repository, { seed: `${seed}-${platform.architecture}`, platform }));
  const attestations: Descriptor[] = [];
  for (const [i, child] of children.entries())
    attestations.push(
      await pushAttestationManifest(repository, child, `linux/${PLATFORMS[i]!.architecture}`),
    );
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...children, ...attestations] };
  const pushed = await repository.pushManifest(encoder.encode(JSON.stringify(index)), {
    mediaType: OCI_INDEX,
    tag,
  });
  return { index: pushed, children, attestations };
}

describe('buildx attestation manifests read as platform metadata', { concurrency: true }, () => {
  const files = scratchDir('manifesto-buildx-attest-');
  const backends = metadataBackends().filter((b) => b.kind !== 'external');
  after(() => {
    files.remove();
    for (const backend of backends) backend.cleanup();
  });

  for (const backend of backends) {
    it(`${backend.label}: get --platform, list --platform and check read buildx's SBOM and provenance; manifesto's own come first`, async () => {
      const cli = backendCli(backend);
      const base = await backend.newImage('md-buildx');
      const { children } = await pushBuildxIndex(base.repository, 'multi');
      const image = `${base.untagged}:multi`;

      // get: the platform's SPDX document, and its provenance statement (about that platform image).
      for (const [i, name] of ['linux/amd64', 'linux/arm64'].entries()) {
        const sbom = await cli.run(['get', image, 'sbom', '--platform', name]);
        assert.deepEqual(JSON.parse(ok(sbom, `get sbom ${name}`)), SPDX);
        const statement = JSON.parse(
          ok(await cli.run(['get', image, 'provenance', '--platform', name]), `get provenance ${name}`),
        ) as { subject: Array<{ digest: { sha256: string } }>; predicate: { invocation: unknown } };
        assert.equal(`sha256:${statement.subject[0]!.digest.sha256}`, children[i]!.digest);
        assert.deepEqual(statement.predicate, buildkitProvenance(name));
      }
      // Not the index's: without a platform there is nothing (buildx attests platform images only).
      failsWith(await cli.run(['get', image, 'sbom']), 3, 'get sbom of the index');

      // list --platform: listed as buildx's.
      const listed = okJson<ListJson>(
        await cli.run(['list', image, '--platform', 'linux/arm64', '--json']),
        'list --platform',
      );
      assert.deepEqual(
        listed.types.map((t) => [t.type, t.label, t.count, t.latest.manifesto]),
        [
          ['provenance', 'SLSA provenance (buildx attestation)', 1, false],
          ['sbom', 'SPDX SBOM (buildx attestation)', 1, false],
        ],
      );

      // check: every platform has them; the provenance rule reads buildkit's statement.
      const policy = files.file(
        `${backend.kind}-policy.yaml`,
        'version: 1\nrules:\n  - require: [sbom, provenance]\n' +
          '  - provenance: { builderId: "https://github.com/acme/app/actions/runs/*" }\n' +
          '  - cel: "sbom.packageCount > 0"\n',
      );
      const checked = await cli.run(['check', image, '--policy', policy, '--json']);
      assert.equal(checked.code, 0, `check: ${checked.stdout.toString()} ${checked.stderr}`);
      const decision = JSON.parse(checked.stdout.toString()) as {
        decision: string;
        platforms: Array<{ platform: string; decision: string; rules: Array<{ verdict: string }> }>;
      };
      assert.equal(decision.decision, 'allow');
      assert.deepEqual(
        decision.platforms.map((p) => [p.platform, p.decision, p.rules.map((r) => r.verdict)]),
        [
          ['linux/amd64', 'allow', ['pass', 'pass', 'pass']],
          ['linux/arm64', 'allow', ['pass', 'pass', 'pass']],
        ],
      );

      // manifesto's own versions come first: the index's provenance, then amd64's own SBOM.
      const provenanceFile = join(FIXTURES, 'provenance-slsa-v0.2.json');
      ok(await cli.run(['put', image, 'provenance', provenanceFile]), 'put provenance on the index');
      const inherited = await cli.run(['get', image, 'provenance', '--platform', 'linux/arm64']);
      assert.equal(ok(inherited, 'get inherited provenance'), readFileSync(provenanceFile, 'utf8'));
      assert.match(inherited.stderr, /using the index's version/);
      const sbomFile = join(FIXTURES, 'cyclonedx-sbom.json');
      ok(await cli.run(['put', image, 'sbom', sbomFile, '--platform', 'linux/amd64']), 'put sbom amd64');
      const own = ok(await cli.run(['get', image, 'sbom', '--platform', 'linux/amd64']), 'get own sbom');
      assert.equal(own, readFileSync(sbomFile, 'utf8'));
      const arm = ok(await cli.run(['get', image, 'sbom', '--platform', 'linux/arm64']), 'get arm sbom');
      assert.deepEqual(JSON.parse(arm), SPDX);

      // A rule on a type buildx never provides (approval, found as the index's approvals) reads no
      // attestation manifest.
      if (backend.registry !== undefined) {
        const fresh = await pushBuildxIndex(base.repository, 'multi2');
        const image2 = `${base.untagged}:multi2`;
        ok(
          await cli.run(['put', image2, 'approvals', join(FIXTURES, 'approvals.yaml')]),
          'put approvals on the index',
        );
        const approvalPolicy = files.file(
          `${backend.kind}-approval.yaml`,
          'version: 1\nrules:\n  - require: [approval]\n',
        );
        const events: Array<{ url: string }> = [];
        const approved = await cli.run(['check', image2, '--policy', approvalPolicy], {
          client: { onRequest: (e) => events.push(e) },
        });
        assert.equal(approved.code, 0, approved.stderr);
        for (const attestation of fresh.attestations)
          assert.ok(
            !events.some((e) => e.url.includes(attestation.digest.slice('sha256:'.length))),
            'no GET of an attestation manifest',
          );
      }
    });
  }
});
