/**
 * What the layout backend needs to know about a stored manifest or index, parsed once from its
 * (verified) bytes and cached by digest: its media type, subject, artifactType, annotations and the
 * descriptors it references.
 */
import type { Descriptor } from '../../oci/descriptor.ts';
import { isDigest } from '../../oci/digest.ts';
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  MANIFEST_MEDIA_TYPES,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../oci/media-types.ts';
import { isRecord, parseJsonObject } from '../../util/json-record.ts';

/** The deprecated OCI 1.1-rc artifact manifest: it had a `subject` too, so it can be a referrer. */
export const OCI_ARTIFACT_MANIFEST = 'application/vnd.oci.artifact.manifest.v1+json';

export interface ManifestSummary {
  /** The manifest's own `mediaType`, else the one its descriptor gave, else inferred from its shape. */
  mediaType: string;
  size: number;
  subjectDigest: string | undefined;
  /** `artifactType`, else (image manifests) the config's mediaType; undefined for indexes without one. */
  artifactType: string | undefined;
  /** The manifest's own `artifactType` field only (what index.json entries record). */
  declaredArtifactType: string | undefined;
  annotations: Record<string, string> | undefined;
  /** Child manifests of an index (`manifests`). */
  manifests: Descriptor[];
  /** Every descriptor referenced as content (manifests, config, layers, blobs); not the subject. */
  references: string[];
}

/** Manifest-like media types the backend reads when walking a layout for referrers. */
export function isManifestLike(mediaType: string | undefined): boolean {
  return (
    mediaType === undefined || MANIFEST_MEDIA_TYPES.includes(mediaType) || mediaType === OCI_ARTIFACT_MANIFEST
  );
}

function stringField(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function descriptorList(value: unknown): Descriptor[] {
  if (!Array.isArray(value)) return [];
  const out: Descriptor[] = [];
  for (const item of value) {
    const descriptor = asDescriptor(item);
    if (descriptor) out.push(descriptor);
  }
  return out;
}

function asDescriptor(value: unknown): Descriptor | undefined {
  if (!isRecord(value)) return undefined;
  const digest = stringField(value, 'digest');
  const size = value.size;
  if (digest === undefined || !isDigest(digest)) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  return {
    ...(value as unknown as Descriptor),
    mediaType: stringField(value, 'mediaType') ?? '',
    digest,
    size,
  };
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The media type a manifest without a `mediaType` field has, judged by its shape. */
function inferMediaType(object: Record<string, unknown>): string | undefined {
  if (Array.isArray(object.manifests)) return OCI_INDEX;
  if (isRecord(object.config)) return OCI_MANIFEST;
  if (Array.isArray(object.blobs)) return OCI_ARTIFACT_MANIFEST;
  return undefined;
}

/**
 * Summarises manifest bytes; undefined when they are not a manifest (not a JSON object with a known
 * mediaType or a manifest's shape).
 */
export function summarizeManifest(
  bytes: Uint8Array,
  descriptorMediaType?: string,
): ManifestSummary | undefined {
  const object = parseJsonObject(bytes);
  if (!object) return undefined;
  const own = stringField(object, 'mediaType');
  const mediaType =
    own ?? (isManifestLike(descriptorMediaType) ? descriptorMediaType : undefined) ?? inferMediaType(object);
  if (mediaType === undefined || !isManifestLike(mediaType)) return undefined;

  const config = asDescriptor(object.config);
  const manifests = descriptorList(object.manifests);
  const layers = descriptorList(object.layers);
  const blobs = descriptorList(object.blobs);
  const subject = asDescriptor(object.subject);
  const declaredArtifactType = stringField(object, 'artifactType');
  const isImageManifest = mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST_V2;
  const artifactType =
    declaredArtifactType ?? (isImageManifest && config?.mediaType ? config.mediaType : undefined);
  const references = [
    ...manifests.map((d) => d.digest),
    ...(config ? [config.digest] : []),
    ...layers.map((d) => d.digest),
    ...blobs.map((d) => d.digest),
  ];
  return {
    mediaType,
    size: bytes.byteLength,
    subjectDigest: subject?.digest,
    artifactType,
    declaredArtifactType,
    annotations: stringMap(object.annotations),
    manifests: mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST ? manifests : [],
    references,
  };
}

/** The descriptor the OCI referrers API returns for a referrer. */
export function referrerDescriptor(digest: string, summary: ManifestSummary): Descriptor {
  const descriptor: Descriptor = { mediaType: summary.mediaType, digest, size: summary.size };
  if (summary.artifactType !== undefined) descriptor.artifactType = summary.artifactType;
  if (summary.annotations !== undefined) descriptor.annotations = { ...summary.annotations };
  return descriptor;
}
