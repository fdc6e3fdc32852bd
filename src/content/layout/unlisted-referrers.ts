/**
 * Referrers that live in `blobs/` without an `index.json` entry.
 *
 * Why: tools that take a layout's only `index.json` entry as its image (`skopeo copy oci:DIR`,
 * `crane push DIR`, scanners given a directory) refuse a layout with more than one entry ("more than
 * one image in oci", "layout contains 2 entries, consider --index"). manifesto therefore keeps the
 * referrers it writes (metadata versions and their signatures) out of `index.json`, as cosign v3 does
 * for its signatures, and finds them by scanning the blob directories.
 *
 * The scan: every `blobs/<sha256|sha512>/<hex>` file of at most MAX_MANIFEST_BYTES whose text starts
 * with `{` is read (verified against its digest) and summarised once per repository instance; other
 * blobs (layers, binary content) cost one 512-byte read (a layout with a 100-blob image: one readdir,
 * 100 small reads, and a full read of its few JSON blobs).
 *
 * Older manifesto versions (and oras) wrote referrers as untagged `index.json` entries: those are
 * still read. A write removes the untagged entries of manifesto's own referrers (versions, marked
 * with `dev.manifesto.*` annotations, and the signatures whose subject is such a version); entries
 * other tools wrote stay.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_MANIFEST_BYTES } from '../../oci/media-types.ts';
import { entryDigest, entryRefName, type IndexFile } from './index-file.ts';
import type { ManifestSummary } from './manifest-summary.ts';

const HEX: Readonly<Record<string, RegExp>> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

/** Bytes read to decide whether a blob can be a manifest at all. */
const SNIFF_BYTES = 512;

/**
 * Digests and sizes of the blobs that may be manifests with a subject (cheap: readdir + stat + a
 * 512-byte read). Blobs found not to be manifests are added to `notManifests` and skipped next time.
 */
export async function candidateBlobs(
  blobsDir: string,
  known: (digest: string) => boolean,
  notManifests: Set<string>,
): Promise<{ digest: string; size: number }[]> {
  const out: { digest: string; size: number }[] = [];
  for (const [algorithm, pattern] of Object.entries(HEX)) {
    const dir = join(blobsDir, algorithm);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!pattern.test(name)) continue;
      const digest = `${algorithm}:${name}`;
      if (notManifests.has(digest)) continue;
      if (known(digest)) {
        out.push({ digest, size: -1 });
        continue;
      }
      const size = await sniff(join(dir, name));
      if (size !== undefined) out.push({ digest, size });
      else notManifests.add(digest); // content-addressed: never becomes one
    }
  }
  return out;
}

/** The file's size when it may be a manifest (starts with `{`, small enough); undefined otherwise. */
async function sniff(path: string): Promise<number | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size < 2 || size > MAX_MANIFEST_BYTES) return undefined;
      const head = new Uint8Array(Math.min(size, SNIFF_BYTES));
      await handle.read(head, 0, head.byteLength, 0);
      const text = new TextDecoder().decode(head).trimStart();
      return text.startsWith('{') ? size : undefined;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Whether a summary is a referrer manifesto wrote: a version (`dev.manifesto.*` annotation). */
function isManifestoVersion(summary: ManifestSummary | undefined): boolean {
  if (summary?.subjectDigest === undefined || summary.annotations === undefined) return false;
  return Object.keys(summary.annotations).some((k) => k.startsWith('dev.manifesto.'));
}

/**
 * The untagged entries to drop from index.json: manifesto versions, and referrers of them
 * (signatures). Undefined when there are none.
 */
export function ownReferrerEntries(
  index: IndexFile,
  summaryOf: (digest: string) => ManifestSummary | undefined,
): Set<string> | undefined {
  const versions = new Set<string>();
  const untagged: string[] = [];
  for (const entry of index.entries) {
    const digest = entryDigest(entry);
    if (digest === undefined || entryRefName(entry) !== undefined) continue;
    untagged.push(digest);
    if (isManifestoVersion(summaryOf(digest))) versions.add(digest);
  }
  const drop = new Set(versions);
  for (const digest of untagged) {
    const subject = summaryOf(digest)?.subjectDigest;
    if (subject !== undefined && versions.has(subject)) drop.add(digest);
  }
  // A digest that also has a tagged entry keeps it (only untagged entries go).
  return drop.size === 0 ? undefined : drop;
}
