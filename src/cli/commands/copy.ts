/**
 * `manifesto copy SRC DST`: the front end of the domain's copyImage (src/metadata/copy/): opens
 * both ends (DST's layout is created when missing), works out DST's tag, shows progress on a
 * terminal, prints what was (or would be) copied, and exits 11 (COPY_INCOMPLETE) naming what DST
 * still lacks after the copy.
 */
import type { Repository } from '../../content/repository.ts';
import { EXIT_CODES, ManifestoError } from '../../errors/errors.ts';
import { copyImage } from '../../metadata/copy/copy-image.ts';
import { destinationNaming } from '../../metadata/copy/copy-target.ts';
import type { CopyEvent, CopyResult } from '../../metadata/copy/copy-types.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { type TypeReport, verifyImage } from '../../policy/trust/verify-image.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes } from '../render.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';

export interface CopyCommandOptions {
  source: string;
  destination: string;
  platform?: Platform | undefined;
  types?: string[] | undefined;
  latestOnly?: boolean | undefined;
  referrers?: boolean | undefined;
  dryRun?: boolean | undefined;
  concurrency?: number | undefined;
  /** Check the trust policy at DST after copying (exit 9 when a checked type fails). */
  verify?: boolean | undefined;
  trustPolicy?: string | undefined;
}

/** A one-line counter on stderr, redrawn at most every 100 ms (terminals only). */
function progress(context: CommandContext): { onEvent: (e: CopyEvent) => void; done: () => void } {
  const counts = { manifests: 0, referrers: 0, blobs: 0, bytes: 0, present: 0 };
  let last = 0;
  const draw = () =>
    context.io.stderr.write(
      Buffer.from(
        `\rcopy: ${counts.manifests} manifests, ${counts.referrers} referrers, ${counts.blobs} blobs (${formatBytes(counts.bytes)}), ${counts.present} present\u001b[K`,
      ),
    );
  return {
    onEvent: (e) => {
      if (e.action === 'present') counts.present++;
      else if (e.kind === 'blob') {
        counts.blobs++;
        counts.bytes += e.size;
      } else if (e.kind === 'referrer') counts.referrers++;
      else counts.manifests++;
      const now = Date.now();
      if (now - last >= 100) {
        last = now;
        draw();
      }
    },
    done: () => {
      draw();
      context.io.stderr.write(Buffer.from('\n'));
    },
  };
}

function summary(result: CopyResult): string {
  const verb = result.dryRun ? 'would copy' : 'copied';
  const referrers = result.copied.filter((m) => m.subject !== undefined).length;
  const manifests = result.copied.length - referrers;
  const lines = [
    `${result.source}@${result.image.digest} -> ${result.destination}${result.tag === undefined ? '' : `:${result.tag}`}`,
    `${verb} ${manifests} image manifests, ${referrers} referrers, ${result.blobs.copied} blobs (${formatBytes(result.blobs.bytes)})${result.blobs.mounted > 0 ? `, mounted ${result.blobs.mounted} blobs` : ''}; ` +
      `present already: ${result.referrers.present} referrers, ${result.blobs.present} blobs`,
  ];
  for (const m of result.copied) {
    if (m.subject !== undefined)
      lines.push(
        `  ${m.digest}  ${m.type ?? m.artifactType ?? m.mediaType}  (of ${m.subject}${m.tag === undefined ? '' : `, tag ${m.tag}`})`,
      );
  }
  for (const t of result.legacyTags) {
    if (t.action === 'conflict')
      lines.push(`cosign tag ${t.tag}: the destination's names another manifest; not overwritten`);
    else if (t.action === 'not-selected') lines.push(`cosign tag ${t.tag}: not selected by --types`);
  }
  if (result.ignored.length > 0) lines.push(`not referrers (left out): ${result.ignored.join(', ')}`);
  return lines.join('\n');
}

export async function copyCommand(options: CopyCommandOptions, context: CommandContext): Promise<number> {
  const source = await context.openImage(options.source);
  const destination = await context.openImage(options.destination, {
    createLayout: options.dryRun !== true,
    keepDefaultTag: true,
  });
  const naming = destinationNaming(options.destination, destination.reference, source.target);
  const shown = context.io.interactive && !context.json ? progress(context) : undefined;
  const result = await copyImage(
    source.repository,
    source.target,
    { repository: destination.repository, ...naming },
    {
      platform: options.platform,
      types: options.types,
      latestOnly: options.latestOnly,
      referrers: options.referrers,
      dryRun: options.dryRun,
      concurrency: options.concurrency,
      onEvent: shown?.onEvent,
    },
  );
  shown?.done();
  const reports =
    options.verify === true && !result.dryRun
      ? await verifyAtDestination(destination.repository, result, options, context)
      : undefined;
  const failed = reports?.filter((r) => r.status === 'failed') ?? [];
  if (context.json) {
    writeJson(context.io.stdout, {
      ...result,
      ...(reports === undefined ? {} : { verification: { ok: failed.length === 0, types: reports } }),
    });
  } else {
    writeLine(context.io.stdout, summary(result));
    for (const r of reports ?? [])
      writeLine(
        context.io.stdout,
        `verify ${r.type}: ${r.status === 'failed' ? `FAILED: ${r.detail}` : r.detail}`,
      );
  }
  if (result.differences.length > 0) {
    const detail = result.differences.map((d) => `${d.subject}: ${d.missing.join(', ')}`).join('; ');
    throw new ManifestoError(
      'COPY_INCOMPLETE',
      `${result.destination} lacks referrers after the copy: ${detail}`,
      {
        category: 'partial',
      },
    );
  }
  if (failed.length > 0) {
    context.io.stderr.write(
      `manifesto: error: at ${result.destination}, ${failed.length} of ${reports!.length} types do not verify: ${failed.map((r) => r.type).join(', ')}\n`,
    );
    return EXIT_CODES.verification;
  }
  return 0;
}

/** `--verify`: the trust policy checked on the copied image at DST, as `manifesto verify` does. */
async function verifyAtDestination(
  repository: Repository,
  result: CopyResult,
  options: CopyCommandOptions,
  context: CommandContext,
): Promise<TypeReport[]> {
  const { policy } = await policyFor(repository.location, options.trustPolicy, context.io.env);
  const { reports } = await verifyImage({
    repository,
    reference: result.image.digest,
    image: `${result.destination}@${result.image.digest}`,
    policy,
    trusted: trustedStateFor(undefined, context),
    now: context.now?.(),
    onWarning: (message) => context.io.stderr.write(`warning: ${message}\n`),
  });
  return reports;
}
