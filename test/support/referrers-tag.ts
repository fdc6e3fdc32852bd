// The attacker of docs/format.md's "Security" section who has push access to a registry without the
// referrers API: the `sha256-<hex>` tag-schema index is an ordinary manifest under a tag, so any
// pusher can replace it with an edited copy (drop entries to withhold versions, change the unsigned
// annotations each entry carries). These helpers do exactly that over plain HTTP, with no manifesto
// code in between, against a real distribution 2.8 (which accepts any index whose entries exist).
import { createHash } from 'node:crypto';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: IndexEntry[];
}

/** `HOST/REPO:TAG` (plain HTTP) as the base URL of its repository and the tag. */
function parse(image: string): { base: string; tag: string } {
  const slash = image.indexOf('/');
  const colon = image.lastIndexOf(':');
  if (slash < 0 || colon <= slash) throw new Error(`not HOST/REPO:TAG: ${image}`);
  return {
    base: `http://${image.slice(0, slash)}/v2/${image.slice(slash + 1, colon)}`,
    tag: image.slice(colon + 1),
  };
}

/** The digest a tag (or digest) of `image`'s repository names. */
export async function resolveDigest(image: string, reference?: string): Promise<string> {
  const { base, tag } = parse(image);
  const response = await fetch(`${base}/manifests/${reference ?? tag}`, {
    method: 'HEAD',
    headers: { accept: `${OCI_INDEX}, application/vnd.oci.image.manifest.v1+json` },
  });
  const digest = response.headers.get('docker-content-digest');
  if (!response.ok || digest === null) throw new Error(`HEAD ${reference ?? tag}: ${response.status}`);
  return digest;
}

/**
 * Replaces the referrers tag-schema index of `subject` (a digest; default: the image's tag) with
 * `edit`'s result, as a pusher would. Returns the entries as they were.
 */
export async function rewriteReferrersIndex(
  image: string,
  edit: (manifests: IndexEntry[]) => IndexEntry[],
  subject?: string,
): Promise<IndexEntry[]> {
  const { base } = parse(image);
  const digest = subject ?? (await resolveDigest(image));
  const tag = digest.replace(':', '-');
  const read = await fetch(`${base}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
  if (!read.ok) throw new Error(`GET ${tag}: ${read.status}`);
  const index = (await read.json()) as ImageIndex;
  const before = structuredClone(index.manifests);
  const body = JSON.stringify({ ...index, manifests: edit(structuredClone(index.manifests)) });
  const written = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': OCI_INDEX },
    body,
  });
  if (!written.ok) throw new Error(`PUT ${tag}: ${written.status} ${await written.text()}`);
  const expected = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (written.headers.get('docker-content-digest') !== expected)
    throw new Error(`PUT ${tag}: digest mismatch`);
  return before;
}

/** The entry of `digest` in `manifests` (throws when it is not listed). */
export function entryOf(manifests: IndexEntry[], digest: string): IndexEntry {
  const entry = manifests.find((m) => m.digest === digest);
  if (entry === undefined) throw new Error(`${digest} is not listed`);
  return entry;
}
