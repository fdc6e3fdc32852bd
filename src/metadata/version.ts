/** One stored version of a piece of metadata, as read from a referrers listing entry. */
import type { Descriptor } from '../oci/descriptor.ts';
import { ANNOTATION_CREATED } from '../oci/descriptor.ts';
import { isDigest } from '../oci/digest.ts';
import {
  ANNOTATION_AUTHOR,
  ANNOTATION_CONTENT_DIGEST,
  ANNOTATION_CONTENT_MEDIA_TYPE,
  ANNOTATION_CONTENT_SIZE,
  ANNOTATION_SUPERSEDES,
  ANNOTATION_TYPE,
} from './annotations.ts';
import {
  COSIGN_PREDICATE_TYPE_ANNOTATION,
  type ForeignSource,
  foreignLabel,
  isImageSignaturePredicate,
  kindOfPredicate,
} from './foreign.ts';
import { describeArtifactType } from './type-name.ts';

export interface ContentInfo {
  digest: string;
  size: number;
  mediaType: string;
}

export interface MetadataVersion {
  /** Digest of the version's manifest: the version's identity (`--version`). */
  digest: string;
  /** The referrer descriptor as listed (mediaType, size, artifactType, annotations). */
  descriptor: Descriptor;
  /** Metadata type name (from the manifesto annotation, or derived from the artifactType). */
  type: string;
  /** Human description of the kind of artifact. */
  label: string;
  /** True when written by manifesto (carries the type annotation). */
  manifesto: boolean;
  artifactType: string | undefined;
  /** Creation time in ms since the epoch (NaN when unknown). */
  created: number;
  createdText: string | undefined;
  author: string | undefined;
  supersedes: string | undefined;
  /** The content layer, when the listing carries it (manifesto's own entries always do). */
  content: ContentInfo | undefined;
  annotations: Record<string, string>;
  /** Set when another tool wrote it in a form read as a kind (cosign and buildx attestations). */
  foreign?: ForeignSource | undefined;
  /** A signature of the subject itself (cosign sign, notation sign), not metadata about it. */
  signature?: boolean | undefined;
}

const SIGNATURE_TYPES: readonly string[] = ['sigstore-bundle', 'cosign-signature', 'notation-signature'];

function contentFromAnnotations(annotations: Record<string, string>): ContentInfo | undefined {
  const digest = annotations[ANNOTATION_CONTENT_DIGEST];
  const sizeText = annotations[ANNOTATION_CONTENT_SIZE];
  const mediaType = annotations[ANNOTATION_CONTENT_MEDIA_TYPE];
  if (digest === undefined || sizeText === undefined || mediaType === undefined || !isDigest(digest))
    return undefined;
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  return { digest, size, mediaType };
}

/**
 * A Sigstore bundle's kind, from the predicate type cosign names in the manifest's annotations:
 * an attestation of a kind manifesto reads, another attestation, or a signature of the subject.
 */
function bundleInfo(
  descriptor: Descriptor,
  subject: string | undefined,
): { type: string; label: string; foreign: ForeignSource | undefined } | undefined {
  const predicateType = descriptor.annotations?.[COSIGN_PREDICATE_TYPE_ANNOTATION];
  if (!descriptor.artifactType?.startsWith('application/vnd.dev.sigstore.bundle')) return undefined;
  if (predicateType === undefined || isImageSignaturePredicate(predicateType)) return undefined;
  const kind = kindOfPredicate(predicateType);
  if (kind === undefined || subject === undefined)
    return {
      type: 'attestation',
      label: `in-toto attestation ${predicateType} (cosign)`,
      foreign: undefined,
    };
  return {
    type: kind.type,
    label: foreignLabel(kind, 'cosign'),
    foreign: { tool: 'cosign', form: 'sigstore-bundle', predicateType, subject },
  };
}

/** A listing entry as a version; `subject` is the digest it was listed for. */
export function versionFromDescriptor(descriptor: Descriptor, subject?: string): MetadataVersion {
  const annotations = descriptor.annotations ?? {};
  const typeAnnotation = annotations[ANNOTATION_TYPE];
  const info = (typeAnnotation === undefined ? bundleInfo(descriptor, subject) : undefined) ?? {
    ...describeArtifactType(descriptor.artifactType),
    foreign: undefined,
  };
  const createdText = annotations[ANNOTATION_CREATED];
  const supersedes = annotations[ANNOTATION_SUPERSEDES];
  return {
    digest: descriptor.digest,
    descriptor,
    type: typeAnnotation ?? info.type,
    label: typeAnnotation ?? info.label,
    manifesto: typeAnnotation !== undefined,
    artifactType: descriptor.artifactType,
    created: createdText === undefined ? Number.NaN : Date.parse(createdText),
    createdText,
    author: annotations[ANNOTATION_AUTHOR],
    supersedes: supersedes !== undefined && isDigest(supersedes) ? supersedes : undefined,
    content: contentFromAnnotations(annotations),
    annotations,
    foreign: info.foreign,
    signature: typeAnnotation === undefined && SIGNATURE_TYPES.includes(info.type),
  };
}
