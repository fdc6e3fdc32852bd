/**
 * What `manifesto mirror --query EXPR DST-PREFIX` copies: the images of the fleet index a query
 * matched, as copy jobs. The index has a row per platform of a multi-platform image; a matching
 * platform mirrors the image it belongs to (its index, with every platform and all metadata), once.
 * Each image goes to DST-PREFIX/<repository> under its first tag, or by digest when it has none.
 */
import type { FullImage } from './store.ts';

export interface MirrorJob {
  /** `location@digest` of the image to copy. */
  source: string;
  /** `prefix/repository:tag`, or `prefix/repository@digest`. */
  destination: string;
  digest: string;
}

function repositoryName(image: FullImage): string {
  if (!image.location.startsWith('oci:')) return image.repository;
  // A layout: its directory's name.
  const parts = image.location
    .slice(4)
    .split('/')
    .filter((p) => p !== '');
  return parts.at(-1) ?? 'image';
}

export function mirrorJobs(images: readonly FullImage[], prefix: string): MirrorJob[] {
  const base = prefix.replace(/\/+$/, '');
  const byKey = new Map<string, FullImage>(images.map((i) => [`${i.location}@${i.digest}`, i]));
  const jobs = new Map<string, MirrorJob>();
  for (const image of images) {
    const digest = image.parentIndex !== '' ? image.parentIndex : image.digest;
    const key = `${image.location}@${digest}`;
    if (jobs.has(key)) continue;
    // A platform row carries its index's tags, so a query that matched only one platform still
    // names the image's tag.
    const top = byKey.get(key) ?? image;
    const tag = top.tags[0];
    const target = `${base}/${repositoryName(image)}`;
    jobs.set(key, {
      source: key,
      destination: tag === undefined ? `${target}@${digest}` : `${target}:${tag}`,
      digest,
    });
  }
  return [...jobs.values()];
}
