/**
 * Which of an image's referrers `copy --types / --latest-only` takes. The selection applies to the
 * referrers of the image and its platforms (the metadata versions); what refers to a selected
 * version (its signatures, other tools' attestations of it) is always copied with it, or the copied
 * version would arrive unsigned.
 */
import type { Descriptor } from '../../oci/descriptor.ts';
import { orderVersions } from '../listing.ts';
import { type MetadataVersion, versionFromDescriptor } from '../version.ts';

export interface ReferrerSelection {
  types?: readonly string[] | undefined;
  latestOnly?: boolean | undefined;
}

function matchesType(version: MetadataVersion, types: readonly string[]): boolean {
  return types.some((t) => (t.includes('/') ? version.artifactType === t : version.type === t));
}

/** The referrers of `subject` to copy, in listing order. */
export function selectReferrers(
  referrers: readonly Descriptor[],
  subject: string,
  selection: ReferrerSelection,
): Descriptor[] {
  const versions = referrers.map((d) => versionFromDescriptor(d, subject));
  const typed =
    selection.types === undefined || selection.types.length === 0
      ? versions
      : versions.filter((v) => matchesType(v, selection.types!));
  if (selection.latestOnly !== true) return typed.map((v) => v.descriptor);
  const byType = new Map<string, MetadataVersion[]>();
  for (const v of typed) byType.set(v.type, [...(byType.get(v.type) ?? []), v]);
  const latest = new Set([...byType.values()].map((list) => orderVersions(list)[0]!.digest));
  return typed.filter((v) => latest.has(v.digest)).map((v) => v.descriptor);
}
