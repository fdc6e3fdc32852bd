/**
 * cosign's legacy tags, as copy carries them: before its bundle format (and still with
 * `--new-bundle-format=false`, or on registries without the referrers API in older releases) cosign
 * stores an image's signatures, attestations and attached SBOMs under the tags `sha256-<hex>.sig`,
 * `.att` and `.sbom` of the image's repository. They are not referrers (no `subject`), so no listing
 * finds them: `crane copy` and `skopeo copy --all` drop them, and a promoted image arrives unsigned
 * for `cosign verify`. Copy looks each one up by name (one HEAD per tag and subject: the image and,
 * for an index, each platform image) and copies the manifest by digest under the same tag; the
 * signature payload names the image digest, which copying leaves unchanged, so it verifies at DST.
 *
 * A destination tag that names another manifest is left alone: `present` when that manifest holds
 * every blob of the source's (cosign appends a layer per signature, so the image was signed again at
 * DST), else a `conflict` (signed at DST only), reported as a difference.
 *
 * `--types` maps them to the types `list` shows them as: `.sig` is `cosign-signature`, `.sbom` is
 * `sbom`, and `.att` is the types of the attestations it holds (read from its manifest, as
 * cosign-tags.ts does); one `.att` manifest holds every attestation, so it is copied whole when any of
 * them is selected. `--latest-only` does not thin them (one manifest per tag).
 */
import { tryParseDigest } from '../../oci/digest.ts';
import { cosignAttestationTypes } from '../cosign-tags.ts';

export const LEGACY_TAG_SUFFIXES = ['sig', 'att', 'sbom'] as const;
export type LegacyTagSuffix = (typeof LEGACY_TAG_SUFFIXES)[number];

/** `sha256-<hex>.<suffix>` for `digest` (undefined: not a digest). */
export function legacyTag(digest: string, suffix: LegacyTagSuffix): string | undefined {
  const parsed = tryParseDigest(digest);
  return parsed === undefined ? undefined : `${parsed.algorithm}-${parsed.hex}.${suffix}`;
}

/**
 * Where a tag listing finds `digest`'s legacy tags: right after `<alg>-<hex>` (the tag schema's
 * index tag), since `.` sorts before every hex digit, so one page of three tags after it holds
 * `.att`, `.sbom` and `.sig` when they exist (undefined: not a digest).
 */
export function legacyTagsAfter(digest: string): string | undefined {
  const parsed = tryParseDigest(digest);
  return parsed === undefined ? undefined : `${parsed.algorithm}-${parsed.hex}`;
}

/** The metadata types a legacy tag's manifest counts as (for `--types`). */
export function legacyTagTypes(suffix: LegacyTagSuffix, manifest: Uint8Array, subject: string): string[] {
  if (suffix === 'sig') return ['cosign-signature'];
  if (suffix === 'sbom') return ['sbom'];
  return cosignAttestationTypes(manifest, subject);
}

/** Whether `--types` selects a legacy tag of these types (no `--types`: every tag). */
export function legacyTagSelected(
  types: readonly string[] | undefined,
  tagTypes: readonly string[],
  artifactTypes: readonly string[],
): boolean {
  if (types === undefined || types.length === 0) return true;
  return types.some((t) => (t.includes('/') ? artifactTypes.includes(t) : tagTypes.includes(t)));
}

/** The layer digests of a legacy tag's manifest (its signatures or attestations; not the config). */
export function legacyTagLayers(manifest: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(manifest));
  } catch {
    return [];
  }
  const layers = (parsed as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return [];
  return layers.flatMap((l: unknown) =>
    typeof l === 'object' && l !== null && typeof (l as { digest?: unknown }).digest === 'string'
      ? [(l as { digest: string }).digest]
      : [],
  );
}
