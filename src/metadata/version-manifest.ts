/** Builds the OCI 1.1 artifact manifest that stores one metadata version (docs/format.md). */
import type { Descriptor, ImageManifest } from '../oci/descriptor.ts';
import { ANNOTATION_CREATED, ANNOTATION_TITLE } from '../oci/descriptor.ts';
import { EMPTY_JSON_BYTES, EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST } from '../oci/media-types.ts';
import {
  ANNOTATION_AUTHOR,
  ANNOTATION_CONTENT_DIGEST,
  ANNOTATION_CONTENT_MEDIA_TYPE,
  ANNOTATION_CONTENT_SIZE,
  ANNOTATION_FORMAT,
  ANNOTATION_SUPERSEDES,
  ANNOTATION_TYPE,
  FORMAT_VERSION,
} from './annotations.ts';
import type { ContentInfo } from './version.ts';

export const EMPTY_CONFIG: Descriptor = {
  mediaType: OCI_EMPTY,
  digest: EMPTY_JSON_DIGEST,
  size: EMPTY_JSON_BYTES.byteLength,
  data: 'e30=',
};

export interface VersionManifestInput {
  type: string;
  artifactType: string;
  subject: Descriptor;
  content: ContentInfo;
  /** File name recorded as the layer's title (as oras does), when there is one. */
  title?: string | undefined;
  created: Date;
  author?: string | undefined;
  supersedes?: string | undefined;
  /** User annotations (`--annotation k=v`); they cannot override manifesto's own keys. */
  annotations?: Record<string, string> | undefined;
}

/** RFC 3339 with milliseconds, always UTC. */
export function formatCreated(date: Date): string {
  return date.toISOString();
}

export function buildVersionManifest(input: VersionManifestInput): {
  manifest: ImageManifest;
  bytes: Uint8Array;
} {
  const annotations: Record<string, string> = {
    ...(input.annotations ?? {}),
    [ANNOTATION_TYPE]: input.type,
    [ANNOTATION_CREATED]: formatCreated(input.created),
    [ANNOTATION_FORMAT]: FORMAT_VERSION,
    [ANNOTATION_CONTENT_DIGEST]: input.content.digest,
    [ANNOTATION_CONTENT_SIZE]: String(input.content.size),
    [ANNOTATION_CONTENT_MEDIA_TYPE]: input.content.mediaType,
  };
  if (input.author !== undefined && input.author !== '') annotations[ANNOTATION_AUTHOR] = input.author;
  if (input.supersedes !== undefined) annotations[ANNOTATION_SUPERSEDES] = input.supersedes;
  const layer: Descriptor = {
    mediaType: input.content.mediaType,
    digest: input.content.digest,
    size: input.content.size,
  };
  if (input.title !== undefined) layer.annotations = { [ANNOTATION_TITLE]: input.title };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: input.artifactType,
    config: EMPTY_CONFIG,
    layers: [layer],
    subject: { mediaType: input.subject.mediaType, digest: input.subject.digest, size: input.subject.size },
    annotations,
  };
  return { manifest, bytes: new TextEncoder().encode(JSON.stringify(manifest)) };
}
