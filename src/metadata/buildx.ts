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
import { isAttestationManifest } from '../oci/platform.ts';
import { type AttestationLayers, attestationLayerVersions } from './attestation-layers.ts';
import { IN_TOTO_PREDICATE_TYPE_ANNOTATION } from './foreign.ts';
import type { MetadataVersion } from './version.ts';

/** The index entry annotation naming the image an attestation manifest is about. */
export const ATTESTATION_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const IN_TOTO_LAYER_MEDIA_TYPE = 'application/vnd.in-toto+json';

const BUILDX_LAYERS: AttestationLayers = {
  tool: 'buildx',
  form: 'in-toto-statement',
  mediaType: IN_TOTO_LAYER_MEDIA_TYPE,
  predicateAnnotation: IN_TOTO_PREDICATE_TYPE_ANNOTATION,
};

/** The attestation manifests of `index` that reference the image `subjectDigest`. */
export function attestationEntries(index: ImageIndex, subjectDigest: string): Descriptor[] {
  return index.manifests.filter(
    (d) => isAttestationManifest(d) && d.annotations?.[ATTESTATION_REFERENCE_DIGEST] === subjectDigest,
  );
}

/** The versions buildx stored for the platform image `subjectDigest` of `index` (none: no request). */
export async function buildxVersions(
  repository: RepositoryReader,
  index: ImageIndex,
  subjectDigest: string,
): Promise<MetadataVersion[]> {
  const entries = attestationEntries(index, subjectDigest);
  const manifests = await Promise.all(entries.map((e) => repository.fetchManifest(e.digest)));
  return manifests.flatMap(({ bytes }) => attestationLayerVersions(bytes, subjectDigest, BUILDX_LAYERS));
}
