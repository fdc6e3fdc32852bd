/**
 * What `copy` takes and reports (src/metadata/copy/copy-image.ts). Kept apart so the CLI, the
 * library's createClient and the tests share one shape, and `--json` prints exactly this result.
 */
import type { Descriptor, Platform } from '../../oci/descriptor.ts';

export interface CopyOptions {
  /** Copy only this platform's image of an index (the destination tag then names that image). */
  platform?: Platform | undefined;
  /** Copy referrers (default true); false copies the image alone, like `crane copy`. */
  referrers?: boolean | undefined;
  /**
   * Only referrers of these metadata types (type names like `sbom`, or artifact types containing
   * `/`) are copied from the image and its platforms; their own referrers (signatures) always are.
   */
  types?: readonly string[] | undefined;
  /** Only the latest version of each type (the newest of each type, manifesto's own first). */
  latestOnly?: boolean | undefined;
  /** Report what would be copied; write nothing. */
  dryRun?: boolean | undefined;
  /** Manifests copied at a time (default 4). */
  concurrency?: number | undefined;
  /** Called as items are handled (progress display). */
  onEvent?: ((event: CopyEvent) => void) | undefined;
}

export interface CopyEvent {
  kind: 'manifest' | 'blob' | 'referrer';
  digest: string;
  size: number;
  /** copied (or would be, in a dry run), or present at the destination already. */
  action: 'copied' | 'present';
}

/** One manifest the copy wrote (or would write). */
export interface CopiedManifest {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string | undefined;
  /** The manifest it refers to, for referrers. */
  subject?: string | undefined;
  /** The metadata type of a referrer (as `list` shows it). */
  type?: string | undefined;
  /** cosign's legacy tag it was copied under (`sha256-<hex>.sig|.att|.sbom`; legacy-tags.ts). */
  tag?: string | undefined;
}

/**
 * One cosign legacy tag (`sha256-<hex>.sig|.att|.sbom`) of the image or a platform at the source:
 * copied (or would be, in a dry run), present at the destination already, left out by `--types`, or
 * in conflict (the destination's tag names another manifest, which is not overwritten).
 */
export interface LegacyTagCopy {
  tag: string;
  /** The image or platform manifest it belongs to. */
  subject: string;
  digest: string;
  types: string[];
  action: 'copied' | 'present' | 'not-selected' | 'conflict';
}

/** A difference between the referrer sets of source and destination found after copying. */
export interface ReferrerDifference {
  subject: string;
  /** Referrers selected at the source that the destination does not list. */
  missing: string[];
}

export interface CopyResult {
  source: string;
  destination: string;
  /** The image copied: the index, or with a platform the platform's manifest. */
  image: Descriptor;
  /** The destination tag set to the image, if any. */
  tag: string | undefined;
  dryRun: boolean;
  /** Manifests written (image manifests and referrers), children before parents. */
  copied: CopiedManifest[];
  /** Blobs uploaded (`bytes` their total), mounted from the source repository, already present. */
  blobs: { copied: number; mounted: number; present: number; bytes: number };
  /** Referrers seen at the source, selected for copying, and already at the destination. */
  referrers: { source: number; selected: number; present: number };
  /** cosign's legacy tags found at the source, and what became of each. */
  legacyTags: LegacyTagCopy[];
  /** Listed by the registry as referrers but not (index children, another subject): not copied. */
  ignored: string[];
  /** After copying: what the destination still lacks, per subject (empty when complete). */
  differences: ReferrerDifference[];
}
