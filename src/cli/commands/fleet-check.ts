/**
 * `manifesto check --query EXPR --policy FILE`: the deployment gate over every image of the fleet
 * index that EXPR selects (docs/index.md), in one process: each platform image is checked as
 * `check INDEX --platform P` would (its own metadata, else the index's), each other image by digest.
 * Exit 0 when every image passes, 10 when any is denied.
 */
import { EXIT_CODES, usageError } from '../../errors/errors.ts';
import { prepareQuery, runQuery } from '../../fleet/query.ts';
import type { FullImage } from '../../fleet/store.ts';
import { parsePlatform } from '../../oci/platform.ts';
import type { CommandContext } from '../context.ts';
import { writeLine } from '../io.ts';
import { type CheckCommandOptions, checkCommand } from './check.ts';
import { indexPath, withStore } from './fleet-index.ts';

export interface FleetCheckOptions extends Omit<CheckCommandOptions, 'image'> {
  query: string;
  index: string | undefined;
}

const PAGE = 500;

export async function fleetCheckCommand(
  options: FleetCheckOptions,
  context: CommandContext,
): Promise<number> {
  if (options.platform !== undefined || options.allPlatforms) {
    throw usageError(
      'FLAGS_CONFLICT',
      'check --query checks every platform image the query selects: --platform and --all-platforms do not apply',
      'Select platforms in the query, e.g. platform == "linux/amd64".',
    );
  }
  const query = await prepareQuery(options.query);
  const images = await withStore(indexPath(options.index, context.io.env), (store) => {
    const all: FullImage[] = [];
    let cursor: string | undefined;
    do {
      const page = runQuery(store, query, { limit: PAGE, cursor, now: context.now?.() });
      all.push(...page.images);
      cursor = page.next;
    } while (cursor !== undefined);
    return all;
  });
  if (images.length === 0) {
    writeLine(context.io.stderr, `no images of the index match ${options.query}`);
    return 0;
  }
  let denied = 0;
  for (const image of images) {
    const inIndex = image.parentIndex !== '' && image.platform !== '';
    const code = await checkCommand(
      {
        ...options,
        image: `${image.location}@${inIndex ? image.parentIndex : image.digest}`,
        platform: inIndex ? parsePlatform(image.platform) : undefined,
      },
      context,
    );
    if (code !== 0) denied++;
  }
  if (!context.json) {
    writeLine(
      context.io.stderr,
      `checked ${images.length} images of the index: ${images.length - denied} allowed, ${denied} denied`,
    );
  }
  return denied === 0 ? 0 : EXIT_CODES.denied;
}
