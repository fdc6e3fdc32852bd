/**
 * Small but real images for tests: config + one layer + manifest (OCI or Docker schema 2), and
 * multi-platform images (OCI indexes and Docker manifest lists, with buildx attestation manifests).
 */
import type { Repository } from '../../src/content/repository.ts';
import type { Descriptor, ImageIndex, ImageManifest, Platform } from '../../src/oci/descriptor.ts';
import { digestOf } from '../../src/oci/digest.ts';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_TAR,
  OCI_MANIFEST,
} from '../../src/oci/media-types.ts';

const encoder = new TextEncoder();

async function pushBytes(repository: Repository, mediaType: string, bytes: Uint8Array): Promise<Descriptor> {
  const descriptor = { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
  await repository.pushBlob(descriptor, bytes);
  return descriptor;
}

type ImageOptions = { tag?: string | undefined; seed?: string; platform?: Platform };

/** A one-layer image of these media types; `layerText` is the layer's content before the seed. */
async function pushOneLayerImage(
  repository: Repository,
  types: { config: string; layer: string; manifest: string },
  layerText: string,
  options: ImageOptions,
): Promise<Descriptor> {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const seed = options.seed ?? `${Date.now()}-${Math.random()}`;
  const config = await pushBytes(
    repository,
    types.config,
    encoder.encode(
      JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: { seed } } }),
    ),
  );
  const layer = await pushBytes(repository, types.layer, encoder.encode(`${layerText} ${seed}\n`));
  const manifest = { schemaVersion: 2, mediaType: types.manifest, config, layers: [layer] };
  const bytes = encoder.encode(JSON.stringify(manifest));
  const pushed = await repository.pushManifest(bytes, { mediaType: types.manifest, tag: options.tag });
  return { ...pushed, platform };
}

/** Pushes a one-layer image whose content depends on `seed` (distinct seeds give distinct digests). */
export function pushTestImage(repository: Repository, options: ImageOptions = {}): Promise<Descriptor> {
  return pushOneLayerImage(
    repository,
    { config: OCI_CONFIG, layer: OCI_LAYER_TAR, manifest: OCI_MANIFEST },
    'layer',
    options,
  );
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

/** How a multi-platform test image is written: an OCI image index, or a Docker manifest list. */
export type MultiPlatformFormat = 'oci' | 'docker';

/** Annotations buildx puts on the index entry of an attestation manifest. */
export const ATTESTATION_ENTRY_ANNOTATIONS = {
  type: 'vnd.docker.reference.type',
  digest: 'vnd.docker.reference.digest',
} as const;

/** Pushes a one-layer Docker image (schema 2 manifest, Docker config and layer media types). */
export function pushTestDockerImage(repository: Repository, options: ImageOptions = {}): Promise<Descriptor> {
  return pushOneLayerImage(
    repository,
    { config: DOCKER_CONFIG, layer: DOCKER_LAYER_GZIP, manifest: DOCKER_MANIFEST_V2 },
    'docker layer',
    options,
  );
}

/**
 * Pushes the attestation manifest buildx adds for the image `of` (an in-toto provenance layer, config
 * platform unknown/unknown) and returns its index entry: platform unknown/unknown and the
 * `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest` annotations.
 */
export async function pushTestAttestationManifest(
  repository: Repository,
  of: Descriptor,
): Promise<Descriptor> {
  const config = await pushBytes(
    repository,
    OCI_CONFIG,
    encoder.encode(
      JSON.stringify({
        architecture: 'unknown',
        os: 'unknown',
        config: {},
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    ),
  );
  const statement = await pushBytes(
    repository,
    'application/vnd.in-toto+json',
    encoder.encode(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: 'https://slsa.dev/provenance/v0.2',
        subject: [{ name: '_', digest: { sha256: of.digest.slice('sha256:'.length) } }],
        predicate: { builder: { id: 'test' } },
      }),
    ),
  );
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [
      { ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } },
    ],
  };
  const bytes = encoder.encode(JSON.stringify(manifest));
  const pushed = await repository.pushManifest(bytes, { mediaType: OCI_MANIFEST });
  return {
    mediaType: OCI_MANIFEST,
    digest: pushed.digest,
    size: pushed.size,
    annotations: {
      [ATTESTATION_ENTRY_ANNOTATIONS.type]: 'attestation-manifest',
      [ATTESTATION_ENTRY_ANNOTATIONS.digest]: of.digest,
    },
    platform: { os: 'unknown', architecture: 'unknown' },
  };
}

export interface MultiPlatformImage {
  /** The index (or manifest list) as pushed. */
  index: Descriptor;
  /** One image per platform, in the order given, each with its platform. */
  children: Descriptor[];
  /** The attestation manifests' index entries (OCI indexes only). */
  attestations: Descriptor[];
}

/**
 * Pushes a multi-platform image as buildx and `docker manifest` write them: an OCI image index of OCI
 * images, or a Docker manifest list of Docker schema 2 images, one image per platform (distinct
 * digests). `attest` lists the indexes (into `platforms`) of the images that get a buildx attestation
 * manifest entry; attestation entries follow the platform images, as buildx orders them.
 */
export async function pushTestMultiPlatformImage(
  repository: Repository,
  platforms: Platform[],
  options: {
    format?: MultiPlatformFormat;
    tag?: string | undefined;
    seed?: string;
    attest?: readonly number[];
  } = {},
): Promise<MultiPlatformImage> {
  const format = options.format ?? 'oci';
  const seed = options.seed ?? `${Date.now()}-${Math.random()}`;
  const children: Descriptor[] = [];
  for (const platform of platforms) {
    const childSeed = `${seed}-${format}-${platform.os}-${platform.architecture}-${platform.variant ?? ''}-${platform['os.version'] ?? ''}`;
    children.push(
      format === 'oci'
        ? await pushTestImage(repository, { seed: childSeed, platform })
        : await pushTestDockerImage(repository, { seed: childSeed, platform }),
    );
  }
  const attestations: Descriptor[] = [];
  for (const i of options.attest ?? []) {
    const child = children[i];
    if (child === undefined) throw new Error(`no platform ${i} to attest`);
    attestations.push(await pushTestAttestationManifest(repository, child));
  }
  const mediaType = format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST;
  const index = { schemaVersion: 2, mediaType, manifests: [...children, ...attestations] };
  const bytes = encoder.encode(JSON.stringify(index));
  const pushed = await repository.pushManifest(bytes, { mediaType, tag: options.tag });
  return { index: pushed, children, attestations };
}
