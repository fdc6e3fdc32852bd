/**
 * Orphans: referrers whose subject is gone (the image was deleted before its metadata). No command
 * that starts from an image can reach them, so they are found from the repository's tags: every
 * referrers tag-schema index `sha256-<hex>` names its subject, and one whose subject no longer
 * resolves holds only orphans. Costs one tag listing per page, one HEAD per index tag and one
 * listing per orphaned subject.
 *
 * A registry with the referrers API keeps referrers by subject and offers no way to enumerate the
 * subjects it has referrers for; orphans written through the API are therefore not found (the scan
 * says so: `enumerable: false`), only the tag-schema indexes some clients still write there; nor
 * are those of an OCI layout, whose referrers are unlisted blobs.
 * Remove what is found with `delete REPO@DIGEST --orphan`.
 */
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { ANNOTATION_TYPE } from './annotations.ts';

const INDEX_TAG = /^sha256-([a-f0-9]{64})$/;

export interface Orphan {
  digest: string;
  artifactType?: string | undefined;
  /** manifesto's type annotation, when the listing carries it. */
  type?: string | undefined;
}

export interface OrphanGroup {
  /** The subject digest that no longer resolves. */
  subject: string;
  referrers: Orphan[];
}

export interface OrphanScan {
  groups: OrphanGroup[];
  /** Referrers tag-schema index tags examined. */
  indexTags: number;
  /**
   * Whether every orphan can be found this way: only where referrers live in tag-schema indexes. A
   * referrers-API registry or an OCI layout keeps referrers where no tag names them.
   */
  enumerable: boolean;
}

export async function findOrphans(options: { repository: RepositoryReader }): Promise<OrphanScan> {
  const { repository } = options;
  const subjects: string[] = [];
  let last: string | undefined;
  do {
    const page = await repository.listTags({ last });
    for (const tag of page.tags) {
      const hex = INDEX_TAG.exec(tag)?.[1];
      if (hex !== undefined) subjects.push(`sha256:${hex}`);
    }
    last = page.next;
  } while (last !== undefined);

  // How this repository lists referrers: asked for a digest nothing refers to (one listing).
  const probe = await repository.referrers(`sha256:${'0'.repeat(64)}`);
  const groups: OrphanGroup[] = [];
  for (const subject of subjects) {
    if (await exists(repository, subject)) continue;
    const listed = await repository.referrers(subject);
    if (listed.manifests.length === 0) continue;
    groups.push({ subject, referrers: listed.manifests.map(orphanOf) });
  }
  return { groups, indexTags: subjects.length, enumerable: probe.source === 'tag-schema' };
}

function orphanOf(d: Descriptor): Orphan {
  const type = d.annotations?.[ANNOTATION_TYPE];
  return {
    digest: d.digest,
    ...(d.artifactType === undefined ? {} : { artifactType: d.artifactType }),
    ...(type === undefined ? {} : { type }),
  };
}

async function exists(repository: RepositoryReader, digest: string): Promise<boolean> {
  try {
    await repository.resolve(digest);
    return true;
  } catch (error) {
    if (isManifestoError(error) && error.category === 'not-found') return false;
    throw error;
  }
}
