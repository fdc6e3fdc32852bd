/** Reads the metadata versions stored for one subject (one referrers listing) and groups them. */
import type { ReferrersState, RepositoryReader } from '../content/repository.ts';
import { notFoundError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { orderNewestFirst } from './ordering.ts';
import { isValidTypeName } from './type-name.ts';
import { type MetadataVersion, versionFromDescriptor } from './version.ts';

export interface SubjectListing {
  subject: Descriptor;
  /** Every referrer of the subject, as metadata versions (manifesto's and other tools'). */
  versions: MetadataVersion[];
  state: ReferrersState;
}

export async function readListing(
  repository: RepositoryReader,
  subject: Descriptor,
): Promise<SubjectListing> {
  const result = await repository.referrers(subject.digest);
  return {
    subject,
    versions: result.manifests.map((d) => versionFromDescriptor(d, subject.digest)),
    state: result.state,
  };
}

/**
 * Versions of one type newest first, manifesto's own before other tools' (docs/format.md,
 * "Other tools' metadata"): an attestation cosign or buildx attaches is the latest only while
 * manifesto has no version of the type for the subject.
 */
export function orderVersions(versions: readonly MetadataVersion[]): MetadataVersion[] {
  const own = versions.filter((v) => v.foreign === undefined);
  const foreign = versions.filter((v) => v.foreign !== undefined);
  return [...orderNewestFirst(own), ...orderNewestFirst(foreign)];
}

/**
 * Versions of one type, newest first. `type` is a type name, or an artifactType (contains "/"),
 * which selects referrers written by other tools by their artifact type.
 */
export function versionsOfType(listing: SubjectListing, type: string): MetadataVersion[] {
  const selected = type.includes('/')
    ? listing.versions.filter((v) => v.artifactType === type)
    : listing.versions.filter((v) => v.type === type);
  return orderVersions(selected);
}

export interface TypeSummary {
  type: string;
  label: string;
  /** Versions of this type, newest first. */
  versions: MetadataVersion[];
}

/** One entry per type, sorted by type name; each with its versions newest first. */
export function summariseTypes(listing: SubjectListing): TypeSummary[] {
  const byType = new Map<string, MetadataVersion[]>();
  for (const v of listing.versions) {
    const list = byType.get(v.type) ?? [];
    list.push(v);
    byType.set(v.type, list);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([type, versions]) => {
      const ordered = orderVersions(versions);
      return { type, label: ordered[0]!.label, versions: ordered };
    });
}

export function typeSelectorHint(type: string): string {
  return isValidTypeName(type) || type.includes('/')
    ? 'Run "manifesto list IMAGE" to see the types stored for the image.'
    : 'A type is a name like seccomp or vuln, or an artifact type like application/spdx+json.';
}

export function metadataNotFound(type: string, image: string, subjectDigest: string) {
  return notFoundError(
    'METADATA_NOT_FOUND',
    `no "${type}" metadata for ${image} (${subjectDigest})`,
    typeSelectorHint(type),
  );
}
