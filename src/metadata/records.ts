/**
 * Reading a record kind (approval, deployment; src/kinds/records.ts) from one subject's listing:
 * every version of the kind's type names (`approval` and `approvals`), newest first, is fetched,
 * normalised and merged into the latest entry per gate / environment.
 *
 * Requests: per version, its manifest (the content it pins; from the on-disk cache where the registry
 * computes the listing, one GET on the tag schema, see contentDescriptor) and one blob fetch, at most
 * 8 versions at a time.
 * A version whose content does not normalise (stored with --no-validate) is reported, not merged.
 */
import type { RepositoryReader } from '../content/repository.ts';
import { isManifestoError } from '../errors/errors.ts';
import { type KindDefinition, KindInvalidError } from '../kinds/kind.ts';
import { type MergedApprovals, type MergedDeployments, mergeRecords } from '../kinds/records.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { mapLimit } from '../util/pool.ts';
import { contentDescriptor } from './get.ts';
import type { SubjectListing } from './listing.ts';
import { orderNewestFirst } from './ordering.ts';
import type { MetadataVersion } from './version.ts';

/** Content above this is not read. */
const RECORD_LIMIT = 64 * 1024 * 1024;
const PARALLEL = 8;

export interface RecordsRead {
  merged: MergedApprovals | MergedDeployments;
  /** The versions merged, newest first. */
  versions: MetadataVersion[];
  /** Versions left out, with why. */
  ignored: Array<{ version: string; problem: string }>;
}

export interface ReadRecordsOptions {
  repository: RepositoryReader;
  listing: SubjectListing;
  kind: KindDefinition<unknown>;
  /** Only versions this accepts count (e.g. those verified under a trust policy). */
  accept?: ((version: MetadataVersion) => boolean) | undefined;
}

export async function readRecords(options: ReadRecordsOptions): Promise<RecordsRead> {
  const { repository, kind } = options;
  const names = new Set([kind.name, ...kind.aliases]);
  const versions = orderNewestFirst(options.listing.versions.filter((v) => names.has(v.type))).filter(
    (v) => options.accept?.(v) ?? true,
  );
  const results = await mapLimit(
    versions,
    PARALLEL,
    async (version): Promise<{ normalised: unknown } | { problem: string }> => {
      let descriptor: Descriptor;
      try {
        descriptor = await contentDescriptor(repository, version, options.listing);
      } catch (error) {
        // Deleted through the registry API while a tag-schema index still lists it: not a record.
        if (!isManifestoError(error) || error.code !== 'MANIFEST_UNKNOWN') throw error;
        return { problem: 'listed, but its manifest was deleted' };
      }
      const bytes = await repository.fetchBlobBytes(descriptor, RECORD_LIMIT);
      try {
        return { normalised: kind.normalise(bytes, descriptor.mediaType) };
      } catch (error) {
        if (!(error instanceof KindInvalidError)) throw error;
        return { problem: error.message };
      }
    },
  );
  const ignored: RecordsRead['ignored'] = [];
  const merged: MetadataVersion[] = [];
  const sources = [];
  for (const [i, version] of versions.entries()) {
    const result = results[i]!;
    if ('problem' in result) ignored.push({ version: version.digest, problem: result.problem });
    else {
      merged.push(version);
      sources.push({ version: version.digest, normalised: result.normalised });
    }
  }
  return { merged: mergeRecords(kind.name, sources)!, versions: merged, ignored };
}
