/**
 * Attestations other tools store as layers of a manifest of their own, read as versions: buildx's
 * attestation manifests (in-toto statements, buildx.ts) and cosign's legacy `.att` tag (DSSE
 * envelopes, cosign-tags.ts). Both annotate each layer with its predicate type, which names the kind
 * (foreign.ts); the layer digest is the version's identity. The layers carry no time, so such
 * versions count as oldest (created NaN).
 */
import type { Descriptor } from '../oci/descriptor.ts';
import { isDigest } from '../oci/digest.ts';
import { isRecord, parseJsonObject } from '../util/json-record.ts';
import { type ForeignForm, type ForeignTool, foreignLabel, kindOfPredicate } from './foreign.ts';
import type { MetadataVersion } from './version.ts';

/** How one tool stores its attestation layers. */
export interface AttestationLayers {
  tool: ForeignTool;
  form: ForeignForm;
  /** The media type of an attestation layer (other layers are passed over). */
  mediaType: string;
  /** The layer annotation naming the predicate type. */
  predicateAnnotation: string;
}

function layerVersion(
  layer: Descriptor,
  subject: string,
  how: AttestationLayers,
): MetadataVersion | undefined {
  const predicateType = layer.annotations?.[how.predicateAnnotation];
  if (predicateType === undefined || !isDigest(layer.digest) || !Number.isSafeInteger(layer.size))
    return undefined;
  const kind = kindOfPredicate(predicateType);
  if (kind === undefined) return undefined;
  return {
    digest: layer.digest,
    descriptor: { ...layer, artifactType: how.mediaType },
    type: kind.type,
    label: foreignLabel(kind, how.tool),
    manifesto: false,
    artifactType: how.mediaType,
    created: Number.NaN,
    createdText: undefined,
    author: undefined,
    supersedes: undefined,
    content: { digest: layer.digest, size: layer.size, mediaType: layer.mediaType },
    annotations: layer.annotations ?? {},
    foreign: { tool: how.tool, form: how.form, predicateType, subject },
    signature: false,
  };
}

/**
 * The versions the attestation layers of `manifest` (its bytes) hold for the image `subject`, in
 * layer order; none when the bytes are not a manifest with layers. Layers whose predicate type names
 * no kind are passed over.
 */
export function attestationLayerVersions(
  manifest: Uint8Array,
  subject: string,
  how: AttestationLayers,
): MetadataVersion[] {
  const layers = parseJsonObject(manifest)?.layers;
  if (!Array.isArray(layers)) return [];
  const versions: MetadataVersion[] = [];
  for (const layer of layers) {
    if (!isRecord(layer) || layer.mediaType !== how.mediaType) continue;
    const version = layerVersion(layer as unknown as Descriptor, subject, how);
    if (version !== undefined) versions.push(version);
  }
  return versions;
}
