/**
 * Docker buildx attestation manifests read as a platform's metadata (docs/kinds.md, "Other tools'
 * metadata"). buildx adds to the index, after the platform images, one manifest per platform:
 *
 *   { "platform": {"os": "unknown", "architecture": "unknown"},
 *     "annotations": { "vnd.docker.reference.type": "attestation-manifest",
 *                      "vnd.docker.reference.digest": "<the platform image's digest>" } }
 *
 * whose layers (`application/vnd.in-toto+json`, annotated `in-toto.io/predicate-type`) are in-toto
 * statements: the SPDX SBOM (`https://spdx.dev/Document`) and SLSA provenance (v0.2 or v1). Each such
 * layer is a version of the kind its predicate type names, for the platform the entry references;
 * its identity (`--version`) is the layer digest. Reading costs one manifest GET per attestation
 * manifest, done only where manifesto has no version of the type (listing.ts, "orderVersions").
 */
import type { RepositoryReader } from '../content/repository.ts';
import type { Descriptor, ImageIndex } from '../oci/descriptor.ts';
import { isDigest } from '../oci/digest.ts';
import { isAttestationManifest } from '../oci/platform.ts';
import { foreignLabel, IN_TOTO_PREDICATE_TYPE_ANNOTATION, kindOfPredicate } from './foreign.ts';
import type { MetadataVersion } from './version.ts';

/** The index entry annotation naming the image an attestation manifest is about. */
export const ATTESTATION_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const IN_TOTO_LAYER_MEDIA_TYPE = 'application/vnd.in-toto+json';

/** The attestation manifests of `index` that reference the image `subjectDigest`. */
export function attestationEntries(index: ImageIndex, subjectDigest: string): Descriptor[] {
  return index.manifests.filter(
    (d) => isAttestationManifest(d) && d.annotations?.[ATTESTATION_REFERENCE_DIGEST] === subjectDigest,
  );
}

function layerVersion(layer: Descriptor, subject: string): MetadataVersion | undefined {
  const predicateType = layer.annotations?.[IN_TOTO_PREDICATE_TYPE_ANNOTATION];
  if (predicateType === undefined || !isDigest(layer.digest) || !Number.isSafeInteger(layer.size))
    return undefined;
  const kind = kindOfPredicate(predicateType);
  if (kind === undefined) return undefined;
  return {
    digest: layer.digest,
    descriptor: { ...layer, artifactType: IN_TOTO_LAYER_MEDIA_TYPE },
    type: kind.type,
    label: foreignLabel(kind, 'buildx'),
    manifesto: false,
    artifactType: IN_TOTO_LAYER_MEDIA_TYPE,
    created: Number.NaN,
    createdText: undefined,
    author: undefined,
    supersedes: undefined,
    content: { digest: layer.digest, size: layer.size, mediaType: layer.mediaType },
    annotations: layer.annotations ?? {},
    foreign: { tool: 'buildx', form: 'in-toto-statement', predicateType, subject },
    signature: false,
  };
}

/** The versions buildx stored for the platform image `subjectDigest` of `index` (none: no request). */
export async function buildxVersions(
  repository: RepositoryReader,
  index: ImageIndex,
  subjectDigest: string,
): Promise<MetadataVersion[]> {
  const entries = attestationEntries(index, subjectDigest);
  const manifests = await Promise.all(entries.map((e) => repository.fetchManifest(e.digest)));
  const versions: MetadataVersion[] = [];
  for (const { bytes } of manifests) {
    let layers: unknown;
    try {
      layers = (JSON.parse(new TextDecoder().decode(bytes)) as { layers?: unknown }).layers;
    } catch {
      continue;
    }
    if (!Array.isArray(layers)) continue;
    for (const layer of layers as Descriptor[]) {
      if (typeof layer !== 'object' || layer === null || layer.mediaType !== IN_TOTO_LAYER_MEDIA_TYPE)
        continue;
      const version = layerVersion(layer, subjectDigest);
      if (version !== undefined) versions.push(version);
    }
  }
  return versions;
}
