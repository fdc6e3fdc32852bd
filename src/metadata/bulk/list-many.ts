/**
 * List many: the types of metadata of every image of a `list --from` file, scheduled by a bulk run
 * (run.ts), one resolve and one listing read per image; every image's outcome is its own.
 */
import { internalError } from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { readListing, summariseTypes, type TypeSummary } from '../listing.ts';
import { resolveTarget } from '../target.ts';
import type { BulkListItem } from './lines.ts';
import type { BulkItemOutcome } from './put-many.ts';
import type { BulkImageOpener, BulkRun } from './run.ts';

export interface ListedImage {
  subject: Descriptor;
  types: TypeSummary[];
}

export interface ListManyOptions {
  items: readonly BulkListItem[];
  run: BulkRun;
  openImage: BulkImageOpener;
  onOutcome?: ((item: BulkListItem, outcome: BulkItemOutcome<ListedImage>) => void) | undefined;
}

export async function listMany(options: ListManyOptions): Promise<BulkItemOutcome<ListedImage>[]> {
  const outcomes = new Map<BulkListItem, BulkItemOutcome<ListedImage>>();
  await options.run.runAll(
    options.items,
    (item) => `${item.line}`,
    async (item) => {
      let outcome: BulkItemOutcome<ListedImage>;
      try {
        const opened = await options.openImage(item.image);
        const target = await resolveTarget(opened.repository, opened.target, { image: opened.display });
        const types = summariseTypes(await readListing(opened.repository, target.subject));
        outcome = { ok: true, value: { subject: target.subject, types } };
      } catch (error) {
        outcome = { ok: false, error: internalError(error) };
      }
      outcomes.set(item, outcome);
      options.onOutcome?.(item, outcome);
    },
  );
  return options.items.map((item) => outcomes.get(item)!);
}
