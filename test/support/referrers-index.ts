// What an attacker with push access does to a registry without the referrers API: rewrite the
// `sha256-<hex>` referrers tag schema index of an image (any pusher may), or put something else under
// that tag. Plain HTTP requests straight to the registry, none of manifesto's code.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { referrersTag } from '../../src/registry/referrers-tag-schema.ts';
import { registryAgent, type TestRegistry } from './registries.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** One entry of the index, as JSON (descriptor fields, annotations). */
export type IndexEntry = {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  [field: string]: unknown;
};

function authHeader(registry: TestRegistry): Record<string, string> {
  return registry.username !== undefined && registry.password !== undefined
    ? {
        Authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`,
      }
    : {};
}

/** PUTs raw manifest bytes under a tag (or digest); returns their digest. */
export async function putRawManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
  bytes: Uint8Array | string,
  mediaType: string,
): Promise<string> {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  const agent = registryAgent(registry);
  const res = await request(`${registry.baseUrl}/v2/${repository}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...authHeader(registry), 'Content-Type': mediaType },
    body,
    ...(agent ? { dispatcher: agent } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`PUT ${reference}: ${res.statusCode} ${text}`);
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** The entries of an image's referrers tag schema index (empty when the tag does not exist). */
export async function readReferrersIndexEntries(
  registry: TestRegistry,
  repository: string,
  subjectDigest: string,
): Promise<IndexEntry[]> {
  const agent = registryAgent(registry);
  const res = await request(`${registry.baseUrl}/v2/${repository}/manifests/${referrersTag(subjectDigest)}`, {
    headers: { ...authHeader(registry), Accept: OCI_INDEX },
    ...(agent ? { dispatcher: agent } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode === 404) return [];
  if (res.statusCode !== 200) throw new Error(`GET referrers tag: ${res.statusCode} ${text}`);
  return (JSON.parse(text) as { manifests: IndexEntry[] }).manifests;
}

/**
 * Rewrites the image's referrers index with `edit` (which changes the entries in place or returns new
 * ones), as a pusher can: the registry checks nothing but that the named manifests exist.
 */
export async function editReferrersIndex(
  registry: TestRegistry,
  repository: string,
  subjectDigest: string,
  edit: (entries: IndexEntry[]) => IndexEntry[] | undefined,
): Promise<void> {
  const entries = await readReferrersIndexEntries(registry, repository, subjectDigest);
  const edited = edit(entries) ?? entries;
  const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: edited };
  await putRawManifest(registry, repository, referrersTag(subjectDigest), JSON.stringify(index), OCI_INDEX);
}
