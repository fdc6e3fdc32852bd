/**
 * `manifesto mirror --query EXPR DST-PREFIX`: the fleet index's query picks the images
 * (fleet/mirror-plan.ts), the domain's copyImage copies each with its referrers, a few at a time;
 * each image's outcome is its own line, and a failure does not stop the others (exit 11 at the end).
 */
import { isManifestoError, ManifestoError } from '../../errors/errors.ts';
import { mirrorJobs } from '../../fleet/mirror-plan.ts';
import { prepareQuery, runQuery } from '../../fleet/query.ts';
import type { FullImage } from '../../fleet/store.ts';
import { copyImage } from '../../metadata/copy/copy-image.ts';
import { destinationNaming } from '../../metadata/copy/copy-target.ts';
import { forEachLimit } from '../../util/pool.ts';
import type { CommandContext } from '../context.ts';
import { writeLine } from '../io.ts';
import { indexPath, withStore } from './fleet-index.ts';

export interface MirrorCommandOptions {
  query: string;
  prefix: string;
  index?: string | undefined;
  concurrency?: number | undefined;
  types?: string[] | undefined;
  latestOnly?: boolean | undefined;
  dryRun?: boolean | undefined;
}

export async function mirrorCommand(options: MirrorCommandOptions, context: CommandContext): Promise<number> {
  const query = await prepareQuery(options.query);
  const images = await withStore(indexPath(options.index, context.io.env), (store) => {
    const found: FullImage[] = [];
    let cursor: string | undefined;
    do {
      const page = runQuery(store, query, { cursor, limit: 500 });
      found.push(...page.images);
      cursor = page.next;
    } while (cursor !== undefined);
    return found;
  });
  const jobs = mirrorJobs(images, options.prefix);
  let failed = 0;
  await forEachLimit(jobs, options.concurrency ?? 4, async (job) => {
    try {
      const source = await context.openImage(job.source);
      const destination = await context.openImage(job.destination, {
        createLayout: options.dryRun !== true,
        keepDefaultTag: true,
      });
      const result = await copyImage(
        source.repository,
        source.target,
        {
          repository: destination.repository,
          ...destinationNaming(job.destination, destination.reference, source.target),
        },
        { types: options.types, latestOnly: options.latestOnly, dryRun: options.dryRun },
      );
      const ok = result.differences.length === 0;
      if (!ok) failed++;
      const referrers = result.copied.filter((m) => m.subject !== undefined).length;
      if (context.json) {
        context.io.stdout.write(
          `${JSON.stringify({ source: job.source, destination: job.destination, ok, copied: result.copied.length, referrers, blobs: result.blobs, differences: result.differences })}\n`,
        );
      } else {
        writeLine(
          context.io.stdout,
          `${job.source} -> ${job.destination}: ${result.copied.length === 0 ? 'up to date' : `${result.dryRun ? 'would copy' : 'copied'} ${result.copied.length} manifests (${referrers} referrers)`}${ok ? '' : ', INCOMPLETE'}`,
        );
      }
    } catch (error) {
      failed++;
      const detail = isManifestoError(error) ? error.toJSON() : { message: String(error) };
      if (context.json) {
        context.io.stdout.write(
          `${JSON.stringify({ source: job.source, destination: job.destination, ok: false, error: detail })}\n`,
        );
      } else
        writeLine(
          context.io.stdout,
          `${job.source} -> ${job.destination}: FAILED: ${String(detail.message)}`,
        );
    }
  });
  if (failed > 0) {
    throw new ManifestoError(
      'MIRROR_PARTIAL',
      `${failed} of ${jobs.length} images were not mirrored completely`,
      {
        category: 'partial',
        hint: 'Run the same mirror again: images already copied cost their listings only.',
      },
    );
  }
  return 0;
}
