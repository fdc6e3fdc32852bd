/** `manifesto delete IMAGE TYPE [--version D | --all]` and `manifesto prune IMAGE --keep N`. */

import { usageError } from '../../errors/errors.ts';
import { findOrphans, type OrphanScan } from '../../metadata/orphans.ts';
import {
  deleteAllTypes,
  deleteMetadata,
  deleteOrphan,
  IncompleteRemovalError,
  pruneMetadata,
  type RemovalResult,
} from '../../metadata/remove.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { lowerAfterDelete } from '../../policy/trust/rollback.ts';
import { TrustedState } from '../../policy/trust/trusted-state.ts';
import type { CommandContext, OpenedImage } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { subjectJson, table, versionJson } from '../render.ts';

export interface DeleteCommandOptions {
  image: string;
  /** The type; absent with allTypes. */
  type?: string | undefined;
  /** Every version of every type, with their signatures (`--all-types`). */
  allTypes?: boolean | undefined;
  version?: string | undefined;
  all?: boolean | undefined;
  platform?: Platform | undefined;
}

export interface PruneCommandOptions {
  image: string;
  type?: string | undefined;
  keep: number;
  dryRun?: boolean | undefined;
  platform?: Platform | undefined;
}

function report(context: CommandContext, display: string, result: RemovalResult, verb: string): void {
  if (context.json) {
    writeJson(context.io.stdout, {
      image: display,
      subject: subjectJson(result.subject),
      deleted: result.deleted.map(versionJson),
      alreadyGone: result.alreadyGone.map(versionJson),
      kept: result.kept.map(versionJson),
      ...(result.signatures === undefined ? {} : { signatures: result.signatures }),
    });
    return;
  }
  for (const v of result.deleted)
    writeLine(context.io.stdout, `${verb} ${v.type} version ${v.digest} of ${display}`);
  if (result.signatures !== undefined && result.signatures.length > 0)
    writeLine(context.io.stdout, `Deleted ${result.signatures.length} signature(s) of those versions`);
  for (const v of result.alreadyGone)
    writeLine(
      context.io.stdout,
      `Already gone: ${v.type} version ${v.digest} of ${display} (deleted meanwhile)`,
    );
  if (result.deleted.length === 0 && result.alreadyGone.length === 0)
    writeLine(context.io.stdout, verb === 'Deleted' ? 'nothing to delete' : 'nothing would be deleted');
}

/**
 * Runs a removal; when it fails part-way, says on stdout exactly which versions it deleted (the error
 * follows on stderr, and in --json its `deleted` lists them) before passing the error on.
 */
async function reportingPartial(
  context: CommandContext,
  display: string,
  removal: () => Promise<RemovalResult>,
): Promise<RemovalResult> {
  try {
    return await removal();
  } catch (error) {
    if (error instanceof IncompleteRemovalError && !context.json) {
      for (const v of error.deleted)
        writeLine(context.io.stdout, `Deleted ${v.type} version ${v.digest} of ${display}`);
    }
    throw error;
  }
}

/**
 * This machine's own deletions are not rollbacks: where a remembered verified version was deleted,
 * the mark is lowered to what remains (docs/format.md, "Rollback protection").
 */
function lowerMarks(context: CommandContext, location: string, result: RemovalResult): void {
  const types = new Set([...result.deleted, ...result.alreadyGone].map((v) => v.type));
  if (types.size === 0) return;
  const state = new TrustedState(context.io.env, (m) => context.io.stderr.write(`warning: ${m}\n`));
  const now = context.now?.() ?? new Date();
  for (const type of types) {
    lowerAfterDelete(
      state,
      { location, subject: result.subject.digest, type },
      [...result.deleted, ...result.alreadyGone].filter((v) => v.type === type),
      result.kept.filter((v) => v.type === type),
      now,
    );
  }
}

/** The image, and the manifest (its platform's, with --platform) whose versions are removed. */
async function removalTarget(
  options: { image: string; platform?: Platform | undefined },
  context: CommandContext,
): Promise<{ opened: OpenedImage; subject: Descriptor }> {
  const opened = await context.openImage(options.image);
  const { subject } = await resolveTarget(opened.repository, opened.target, {
    platform: options.platform,
    image: opened.display,
  });
  return { opened, subject };
}

export async function deleteCommand(
  options: DeleteCommandOptions,
  context: CommandContext,
): Promise<RemovalResult> {
  if (options.allTypes && (options.version !== undefined || options.all)) {
    throw usageError('FLAGS_CONFLICT', '--all-types cannot be used with --version or --all', 'Choose one.');
  }
  const { opened, subject } = await removalTarget(options, context);
  if (options.allTypes) {
    const result = await reportingPartial(context, opened.display, () =>
      deleteAllTypes({ subject, repository: opened.repository, reference: opened.target }),
    );
    lowerMarks(context, opened.repository.location, result);
    report(context, opened.display, result, 'Deleted');
    return result;
  }
  const type = options.type;
  if (type === undefined) {
    throw usageError('TYPE_MISSING', 'delete: expected IMAGE TYPE (or IMAGE --all-types)');
  }
  const result = await reportingPartial(context, opened.display, () =>
    deleteMetadata({
      subject,
      repository: opened.repository,
      reference: opened.target,
      type,
      version: options.version,
      all: options.all,
      image: opened.display,
    }),
  );
  lowerMarks(context, opened.repository.location, result);
  report(context, opened.display, result, 'Deleted');
  return result;
}

export async function pruneCommand(
  options: PruneCommandOptions,
  context: CommandContext,
): Promise<RemovalResult> {
  const { opened, subject } = await removalTarget(options, context);
  const result = await reportingPartial(context, opened.display, () =>
    pruneMetadata({
      subject,
      repository: opened.repository,
      reference: opened.target,
      type: options.type,
      keep: options.keep,
      dryRun: options.dryRun,
    }),
  );
  if (!options.dryRun) lowerMarks(context, opened.repository.location, result);
  report(context, opened.display, result, options.dryRun ? 'Would delete' : 'Deleted');
  return result;
}

/** `manifesto delete REPO@DIGEST --orphan`: a referrer whose subject is gone. */
export async function deleteOrphanCommand(reference: string, context: CommandContext): Promise<void> {
  const opened = await context.openImage(reference);
  if (!/^sha(256|512):/.test(opened.target)) {
    throw usageError('DIGEST_REQUIRED', '--orphan needs the referrer by digest: REPO@sha256:…');
  }
  const subject = await deleteOrphan({ repository: opened.repository, digest: opened.target });
  if (context.json) {
    writeJson(context.io.stdout, { deleted: opened.target, subject });
  } else {
    writeLine(context.io.stdout, `Deleted orphan ${opened.target} (its subject ${subject} is gone)`);
  }
}

/** `manifesto list REPO --orphans`: referrers whose subject is gone, to remove with `delete --orphan`. */
export async function listOrphansCommand(reference: string, context: CommandContext): Promise<OrphanScan> {
  const opened = await context.openImage(reference);
  const scan = await findOrphans({ repository: opened.repository });
  const location = opened.repository.location;
  if (!scan.enumerable) {
    context.io.stderr.write(
      `note: ${location} keeps referrers where no tag names them (referrers API or OCI layout): ` +
        'only orphans in sha256-<hex> index tags can be found; delete metadata before its image ' +
        '(manifesto delete IMAGE --all-types)\n',
    );
  }
  if (context.json) {
    writeJson(context.io.stdout, { repository: location, enumerable: scan.enumerable, orphans: scan.groups });
    return scan;
  }
  if (scan.groups.length === 0) {
    writeLine(
      context.io.stdout,
      `No orphans found in ${location} (${scan.indexTags} referrers index tags examined)`,
    );
    return scan;
  }
  const rows = scan.groups.flatMap((g) =>
    g.referrers.map((r) => [g.subject, r.digest, r.type ?? r.artifactType ?? '']),
  );
  writeLine(context.io.stdout, table(['SUBJECT (GONE)', 'REFERRER', 'TYPE'], rows));
  writeLine(context.io.stdout, `Remove one with: manifesto delete ${location}@REFERRER --orphan`);
  return scan;
}
