// Which manifest metadata belongs to in a multi-platform image (src/metadata/target.ts): the platform
// children of an index (attestation manifests and entries without platform left out), platform
// selection as container runtimes match (arm64 ⇒ v8, arm ⇒ v7, Windows os.version prefixes), the
// not-found error listing the available platforms, and resolveTarget over a real OCI image layout.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { isManifestoError, type ManifestoError } from '../../../src/errors/errors.ts';
import {
  describePlatforms,
  type IndexInfo,
  platformChildren,
  resolveTarget,
  selectPlatform,
} from '../../../src/metadata/target.ts';
import type { Descriptor, ImageIndex, Platform } from '../../../src/oci/descriptor.ts';
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../../src/oci/media-types.ts';
import { parsePlatform } from '../../../src/oci/platform.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

function entry(n: number, platform?: Platform, annotations?: Record<string, string>): Descriptor {
  return {
    mediaType: OCI_MANIFEST,
    digest: digest(n),
    size: 500 + n,
    ...(platform === undefined ? {} : { platform }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function attestation(n: number, of: number): Descriptor {
  return entry(
    n,
    { os: 'unknown', architecture: 'unknown' },
    { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': digest(of) },
  );
}

function indexInfo(manifests: Descriptor[], mediaType = OCI_INDEX): IndexInfo {
  const manifest: ImageIndex = { schemaVersion: 2, mediaType, manifests };
  return {
    descriptor: { mediaType, digest: digest(999), size: 1000 },
    manifest,
    platforms: platformChildren(manifest),
  };
}

/** The error `fn` throws, checked to be a ManifestoError. */
function thrown(fn: () => unknown): ManifestoError {
  try {
    fn();
  } catch (error) {
    assert.ok(isManifestoError(error), `a ManifestoError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const ARMV7: Platform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const ARMV6: Platform = { os: 'linux', architecture: 'arm', variant: 'v6' };
const WIN_2019: Platform = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5329' };
const WIN_2022: Platform = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' };

describe('platformChildren', () => {
  it('keeps platform images in index order and leaves out buildx attestation manifests', () => {
    const manifest: ImageIndex = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [entry(1, AMD64), entry(2, ARM64), attestation(3, 1), attestation(4, 2), entry(5, ARMV7)],
    };
    const children = platformChildren(manifest);
    assert.deepEqual(
      children.map((c) => c.descriptor.digest),
      [digest(1), digest(2), digest(5)],
    );
    assert.deepEqual(
      children.map((c) => c.platform),
      [AMD64, ARM64, ARMV7],
    );
    // The descriptor is the index entry itself (media type, size, platform kept).
    assert.deepEqual(children[0]!.descriptor, entry(1, AMD64));
  });

  it('leaves out an entry annotated as an attestation manifest even when it claims a real platform', () => {
    const manifest: ImageIndex = {
      schemaVersion: 2,
      manifests: [entry(1, AMD64), entry(2, AMD64, { 'vnd.docker.reference.type': 'attestation-manifest' })],
    };
    assert.deepEqual(
      platformChildren(manifest).map((c) => c.descriptor.digest),
      [digest(1)],
    );
  });

  it('leaves out unknown/unknown entries without annotations (older buildx) and keeps other annotations', () => {
    const manifest: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry(1, { os: 'unknown', architecture: 'unknown' }),
        entry(2, ARM64, { 'vnd.docker.reference.type': 'something-else', 'org.example': 'x' }),
        // Only one of the two unknown: a real (if odd) platform.
        entry(3, { os: 'unknown', architecture: 'amd64' }),
      ],
    };
    assert.deepEqual(
      platformChildren(manifest).map((c) => c.descriptor.digest),
      [digest(2), digest(3)],
    );
  });

  it('leaves out entries without a platform (artifacts, nested indexes)', () => {
    const manifest: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry(1),
        { mediaType: OCI_INDEX, digest: digest(2), size: 300 },
        entry(3, ARMV7),
        { ...entry(4), artifactType: 'application/vnd.example.sbom' },
      ],
    };
    assert.deepEqual(
      platformChildren(manifest).map((c) => c.descriptor.digest),
      [digest(3)],
    );
  });

  it('reads Docker manifest lists the same way', () => {
    const manifest: ImageIndex = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_LIST,
      manifests: [
        { mediaType: DOCKER_MANIFEST_V2, digest: digest(1), size: 428, platform: AMD64 },
        { mediaType: DOCKER_MANIFEST_V2, digest: digest(2), size: 428, platform: ARMV7 },
      ],
    };
    const children = platformChildren(manifest);
    assert.deepEqual(
      children.map((c) => [c.descriptor.mediaType, c.platform]),
      [
        [DOCKER_MANIFEST_V2, AMD64],
        [DOCKER_MANIFEST_V2, ARMV7],
      ],
    );
  });

  it('an index of attestation manifests only has no platforms', () => {
    assert.deepEqual(platformChildren({ schemaVersion: 2, manifests: [attestation(1, 9)] }), []);
  });
});

describe('selectPlatform', () => {
  // How registries really list them: arm64 with and without the v8 variant, arm with v7 or without.
  const index = indexInfo([
    entry(1, AMD64),
    entry(2, ARM64),
    entry(3, ARMV7),
    entry(4, ARMV6),
    entry(5, WIN_2019),
    entry(6, WIN_2022),
    attestation(7, 1),
    attestation(8, 2),
  ]);
  const pick = (want: string): string =>
    selectPlatform(index, parsePlatform(want), 'app:v1').descriptor.digest;

  it('arm64 means arm64/v8 (and aarch64, arm64/8 too)', () => {
    for (const want of ['linux/arm64', 'linux/arm64/v8', 'linux/arm64/8', 'linux/aarch64']) {
      assert.equal(pick(want), digest(2), want);
    }
  });

  it('an index entry for arm64 without a variant is arm64/v8', () => {
    const bare = indexInfo([entry(1, AMD64), entry(2, { os: 'linux', architecture: 'arm64' })]);
    for (const want of ['linux/arm64', 'linux/arm64/v8']) {
      assert.equal(selectPlatform(bare, parsePlatform(want), 'app').descriptor.digest, digest(2), want);
    }
    // The wanted platform is normalised too when it is built by hand (library callers).
    assert.equal(
      selectPlatform(bare, { os: 'linux', architecture: 'aarch64' }, 'app').descriptor.digest,
      digest(2),
    );
  });

  it('arm means arm/v7, not arm/v6; arm/v6 and armel pick v6', () => {
    assert.equal(pick('linux/arm'), digest(3));
    assert.equal(pick('linux/arm/v7'), digest(3));
    assert.equal(pick('linux/armhf'), digest(3));
    assert.equal(pick('linux/arm/v6'), digest(4));
    assert.equal(pick('linux/armel'), digest(4));
  });

  it('an index entry for arm without a variant is arm/v7', () => {
    const bare = indexInfo([entry(1, { os: 'linux', architecture: 'arm' })]);
    assert.equal(selectPlatform(bare, parsePlatform('linux/arm/v7'), 'app').descriptor.digest, digest(1));
    assert.equal(selectPlatform(bare, parsePlatform('linux/arm'), 'app').descriptor.digest, digest(1));
    assert.throws(() => selectPlatform(bare, parsePlatform('linux/arm/v6'), 'app'), /arm\/v6/);
  });

  it('amd64 aliases: x86_64, amd64/v1', () => {
    assert.equal(pick('linux/x86_64'), digest(1));
    assert.equal(pick('linux/amd64/v1'), digest(1));
    assert.equal(pick('Linux/AMD64'), digest(1));
  });

  it('Windows: os.version matches by major.minor.build prefix; without one the first Windows image wins', () => {
    assert.equal(pick('windows/amd64:10.0.17763'), digest(5));
    assert.equal(pick('windows/amd64:10.0.17763.5329'), digest(5));
    // A host on another revision of the same build still runs the image (revision ignored).
    assert.equal(pick('windows/amd64:10.0.17763.1'), digest(5));
    assert.equal(pick('windows(10.0.20348)/amd64'), digest(6));
    assert.equal(pick('windows/amd64:10.0.20348.9999'), digest(6));
    assert.equal(pick('windows/amd64'), digest(5));
    const error = thrown(() => pick('windows/amd64:10.0.26100'));
    assert.equal(error.code, 'PLATFORM_NOT_FOUND');
    assert.match(error.message, /windows\/amd64:10\.0\.26100/);
  });

  it('never picks an attestation manifest, even for unknown/unknown', () => {
    const error = thrown(() => pick('unknown/unknown'));
    assert.equal(error.code, 'PLATFORM_NOT_FOUND');
  });

  it('no match: a not-found error (exit 3) naming the image and the wanted platform, listing the available ones', () => {
    const error = thrown(() => pick('linux/s390x'));
    assert.equal(error.code, 'PLATFORM_NOT_FOUND');
    assert.equal(error.category, 'not-found');
    assert.equal(error.exitCode, 3);
    assert.equal(error.message, 'app:v1 has no image for platform linux/s390x');
    assert.equal(
      error.hint,
      'Available platforms: linux/amd64, linux/arm64/v8, linux/arm/v7, linux/arm/v6, ' +
        'windows/amd64:10.0.17763.5329, windows/amd64:10.0.20348.2227.',
    );
    assert.doesNotMatch(error.hint ?? '', /unknown/);
  });

  it('arm64/v9 is not arm64/v8', () => {
    const error = thrown(() => pick('linux/arm64/v9'));
    assert.match(error.message, /linux\/arm64\/v9/);
  });

  it('an index without platforms says so', () => {
    const error = thrown(() => selectPlatform(indexInfo([attestation(1, 2)]), AMD64, 'app:v1'));
    assert.equal(error.hint, 'Available platforms: none.');
  });

  it('describePlatforms formats in index order', () => {
    assert.equal(describePlatforms(index.platforms.slice(0, 3)), 'linux/amd64, linux/arm64/v8, linux/arm/v7');
  });
});

describe('resolveTarget (OCI image layout)', () => {
  const root = mkdtempSync(join(tmpdir(), 'manifesto-target-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  const layout = () => openLayout(join(root, `layout-${++count}`), { create: true });

  for (const format of ['oci', 'docker'] as const) {
    it(`${format}: without a platform the reference means the index; with one, the matching child`, async () => {
      const repo = await layout();
      const pushed = await pushTestMultiPlatformImage(repo, [AMD64, ARM64, ARMV7], {
        format,
        tag: 'v1',
        attest: format === 'oci' ? [0] : [],
      });
      const plain = await resolveTarget(repo, 'v1');
      assert.equal(plain.subject.digest, pushed.index.digest);
      assert.equal(plain.subject.mediaType, format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST);
      assert.equal(plain.index, undefined, 'no index read without a platform');

      const read = await resolveTarget(repo, 'v1', { readIndex: true });
      assert.equal(read.subject.digest, pushed.index.digest);
      assert.deepEqual(
        read.index?.platforms.map((c) => c.descriptor.digest),
        pushed.children.map((c) => c.digest),
        'attestation manifests are not platforms',
      );

      for (const [want, i] of [
        ['linux/amd64', 0],
        ['linux/arm64', 1],
        ['linux/arm', 2],
      ] as const) {
        const target = await resolveTarget(repo, 'v1', { platform: parsePlatform(want) });
        const child = pushed.children[i]!;
        assert.deepEqual(target.subject, {
          mediaType: child.mediaType,
          digest: child.digest,
          size: child.size,
        });
        assert.equal(target.index?.descriptor.digest, pushed.index.digest);
        assert.deepEqual(target.platform, child.platform);
      }
      await assert.rejects(
        resolveTarget(repo, pushed.index.digest, {
          platform: parsePlatform('linux/ppc64le'),
          image: 'app:v1',
        }),
        (error: unknown) =>
          isManifestoError(error) &&
          error.code === 'PLATFORM_NOT_FOUND' &&
          error.hint === 'Available platforms: linux/amd64, linux/arm64/v8, linux/arm/v7.',
      );
    });
  }

  it('a single-platform image: --platform of its own platform selects it, another is not found', async () => {
    const repo = await layout();
    const image = await pushTestImage(repo, { tag: 'v1', platform: ARM64 });
    const same = await resolveTarget(repo, 'v1', { platform: parsePlatform('linux/arm64') });
    assert.equal(same.subject.digest, image.digest);
    assert.equal(same.index, undefined);
    assert.deepEqual(same.platform, ARM64);
    await assert.rejects(
      resolveTarget(repo, 'v1', { platform: parsePlatform('linux/amd64'), image: 'app:v1' }),
      (error: unknown) =>
        isManifestoError(error) &&
        error.code === 'PLATFORM_NOT_FOUND' &&
        error.message === 'app:v1 is a single-platform image for linux/arm64/v8, not linux/amd64',
    );
  });
});
