/** Small but real images (config + one layer + manifest, and multi-platform indexes) for tests. */
import type { Repository } from '../../src/content/repository.ts';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../../src/spec/descriptor.ts';
import { digestOf } from '../../src/spec/digest.ts';
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER_TAR, OCI_MANIFEST } from '../../src/spec/media-types.ts';

const encoder = new TextEncoder();

async function pushBytes(repository: Repository, mediaType: string, bytes: Uint8Array): Promise<Descriptor> {
  const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  await repository.pushBlob(descriptor, bytes);
  return descriptor;
}

/** Pushes a one-layer image whose content depends on `seed` (distinct seeds give distinct digests). */
export async function pushTestImage(
  repository: Repository,
  options: { tag?: string | undefined; seed?: string; platform?: Platform } = {},
): Promise<Descriptor> {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const seed = options.seed ?? `${Date.now()}-${Math.random()}`;
  const config = await pushBytes(
    repository,
    OCI_CONFIG,
    encoder.encode(
      JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { seed } } }),
    ),
  );
  const layer = await pushBytes(repository, OCI_LAYER_TAR, encoder.encode(`layer ${seed}\n`));
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] };
  const bytes = encoder.encode(JSON.stringify(manifest));
  const pushed = await repository.pushManifest(bytes, { mediaType: OCI_MANIFEST, tag: options.tag });
  return { ...pushed, platform };
}

/** Pushes an OCI index of one image per platform. */
export async function pushTestIndex(
  repository: Repository,
  platforms: Platform[],
  options: { tag?: string | undefined; seed?: string } = {},
): Promise<{ index: Descriptor; children: Descriptor[] }> {
  const seed = options.seed ?? `${Date.now()}-${Math.random()}`;
  const children: Descriptor[] = [];
  for (const platform of platforms) {
    children.push(
      await pushTestImage(repository, {
        seed: `${seed}-${platform.os}-${platform.architecture}-${platform.variant ?? ''}`,
        platform,
      }),
    );
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: children };
  const bytes = encoder.encode(JSON.stringify(index));
  const pushed = await repository.pushManifest(bytes, { mediaType: OCI_INDEX, tag: options.tag });
  return { index: pushed, children };
}
