/**
 * cosign's legacy storage, read as metadata (docs/format.md, "Other tools' metadata"): before its
 * bundle format (and still with `--new-bundle-format=false`, on every registry kind) cosign stores an
 * image's attestations under the tag `sha256-<hex>.att`: one OCI manifest whose layers are DSSE
 * envelopes (`application/vnd.dsse.envelope.v1+json`), each annotated `predicateType`; `cosign attest`
 * appends a layer per attestation. Each layer is a version of the kind its predicate type names (its
 * id is the layer digest; the envelopes carry no time, so they count as oldest). The tag is not a
 * referrer: it is read (one GET, usually a 404) only where a type is not found otherwise, so
 * commands that find what they need keep their request counts.
 */
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError } from '../errors/errors.ts';
import { tryParseDigest } from '../oci/digest.ts';
import { type AttestationLayers, attestationLayerVersions } from './attestation-layers.ts';
import type { MetadataVersion } from './version.ts';

export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
/** The layer annotation cosign writes on each attestation of a `.att` manifest. */
export const LEGACY_PREDICATE_TYPE_ANNOTATION = 'predicateType';

const COSIGN_LAYERS: AttestationLayers = {
  tool: 'cosign',
  form: 'dsse-envelope',
  mediaType: DSSE_ENVELOPE_MEDIA_TYPE,
  predicateAnnotation: LEGACY_PREDICATE_TYPE_ANNOTATION,
};

/** `sha256-<hex>.att` for the image `digest`. */
export function attestationTag(digest: string): string | undefined {
  const parsed = tryParseDigest(digest);
  return parsed === undefined ? undefined : `${parsed.algorithm}-${parsed.hex}.att`;
}

/** The attestations cosign stored for `subjectDigest` under its `.att` tag (none: no such tag). */
export async function cosignTagVersions(
  repository: RepositoryReader,
  subjectDigest: string,
): Promise<MetadataVersion[]> {
  const tag = attestationTag(subjectDigest);
  if (tag === undefined) return [];
  let bytes: Uint8Array;
  try {
    ({ bytes } = await repository.fetchManifest(tag));
  } catch (error) {
    if (isManifestoError(error) && error.category === 'not-found') return [];
    throw error;
  }
  return attestationLayerVersions(bytes, subjectDigest, COSIGN_LAYERS);
}

/** The metadata types of the attestations in a `.att` manifest's bytes (copy --types reads them). */
export function cosignAttestationTypes(manifest: Uint8Array, subjectDigest: string): string[] {
  return [...new Set(attestationLayerVersions(manifest, subjectDigest, COSIGN_LAYERS).map((v) => v.type))];
}
