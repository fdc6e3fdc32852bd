/** What the registry code needs to know about manifest bytes: media type, subject, artifact type. */
import type { Descriptor } from '../oci/descriptor.ts';
import { tryParseDigest } from '../oci/digest.ts';
import { MANIFEST_MEDIA_TYPES, OCI_INDEX, OCI_MANIFEST } from '../oci/media-types.ts';
import { parseJsonObject } from '../util/json-record.ts';

export interface ManifestInfo {
  /** The `mediaType` field, if the manifest has one. */
  mediaType: string | undefined;
  /** The manifest's `subject`, if it has a valid one. */
  subject: Descriptor | undefined;
  /** `artifactType`, else (image manifests) the config media type: what referrers listings report. */
  artifactType: string | undefined;
  annotations: Record<string, string> | undefined;
  /** The media type the fields suggest when `mediaType` is absent. */
  inferredMediaType: string | undefined;
}

export function manifestInfo(bytes: Uint8Array): ManifestInfo | undefined {
  const body = parseJsonObject(bytes);
  if (body === undefined) return undefined;
  const mediaType = typeof body.mediaType === 'string' ? body.mediaType : undefined;
  const config = asDescriptor(body.config);
  const artifactType = typeof body.artifactType === 'string' ? body.artifactType : config?.mediaType;
  let inferredMediaType: string | undefined;
  if (Array.isArray(body.manifests)) inferredMediaType = OCI_INDEX;
  else if (config !== undefined) inferredMediaType = OCI_MANIFEST;
  return {
    mediaType,
    subject: asDescriptor(body.subject),
    artifactType,
    annotations: asAnnotations(body.annotations),
    inferredMediaType,
  };
}

/** A descriptor from untrusted JSON (mediaType, digest, size checked), keeping the known optional fields. */
export function asDescriptor(value: unknown): Descriptor | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.mediaType !== 'string' || typeof v.digest !== 'string') return undefined;
  if (tryParseDigest(v.digest) === undefined) return undefined;
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) return undefined;
  const descriptor: Descriptor = { mediaType: v.mediaType, digest: v.digest, size: v.size };
  if (typeof v.artifactType === 'string') descriptor.artifactType = v.artifactType;
  const annotations = asAnnotations(v.annotations);
  if (annotations !== undefined) descriptor.annotations = annotations;
  if (Array.isArray(v.urls) && v.urls.every((u) => typeof u === 'string')) descriptor.urls = v.urls;
  if (typeof v.data === 'string') descriptor.data = v.data;
  return descriptor;
}

function asAnnotations(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') out[key] = entry;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The media type part of a Content-Type header (`type/subtype+suffix`, parameters dropped, lower-cased). */
export function mediaTypeOfHeader(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  const value = contentType.split(';')[0]!.trim().toLowerCase();
  return value === '' ? undefined : value;
}

/** Content-Types that say nothing about which manifest format the body is. */
const GENERIC_TYPES = new Set(['application/json', 'application/octet-stream', 'text/plain']);

/** The manifest's media type: from Content-Type when it is specific, else the `mediaType` field, else inferred. */
export function manifestMediaType(
  contentType: string | null,
  info: ManifestInfo | undefined,
): string | undefined {
  const header = mediaTypeOfHeader(contentType);
  if (header !== undefined && !GENERIC_TYPES.has(header)) return header;
  return info?.mediaType ?? info?.inferredMediaType ?? header;
}

/** The Accept header of manifest requests: every manifest type manifesto reads. */
export const MANIFEST_ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');
