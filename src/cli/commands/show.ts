/**
 * `manifesto show IMAGE TYPE`: the latest version of TYPE, normalised and summarised for people
 * (docs/kinds.md); `--json` prints the normalised shape. Record kinds (approval, deployment): every
 * version of the subject merged, the latest entry per gate / environment with its version. Free-form
 * types: the media type, the size and the first lines of text content.
 */
import { ManifestoError } from '../../errors/errors.ts';
import type { KindDefinition } from '../../kinds/kind.ts';
import { isRecordKind } from '../../kinds/records.ts';
import { kindFor } from '../../kinds/well-known.ts';
import type { SubjectListing } from '../../metadata/listing.ts';
import { getPlatformMetadata } from '../../metadata/platform-get.ts';
import { readRecords } from '../../metadata/records.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { verifyRecordVersions } from '../../policy/trust/verified-records.ts';
import type { CommandContext, OpenedImage } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson } from '../render.ts';
import { policyFor } from './signing-support.ts';

export interface ShowCommandOptions {
  image: string;
  type: string;
  platform?: Platform | undefined;
  /** Read under the trust policy (get --verify's rules); record kinds merge verified versions only. */
  verify?: boolean | undefined;
  trustPolicy?: string | undefined;
}

/**
 * Which versions of a record kind count under the trust policy: every version verified (enforce:
 * only the verified ones, at least one; warn: all, the others named on stderr; no rule: all).
 */
async function acceptedRecords(
  opened: OpenedImage,
  options: ShowCommandOptions,
  kind: KindDefinition<unknown>,
  listing: SubjectListing,
  context: CommandContext,
): Promise<((version: MetadataVersion) => boolean) | undefined> {
  const { policy, ruleFor } = await policyFor(
    opened.repository.location,
    options.trustPolicy,
    context.io.env,
  );
  const { rule, enforcement } = ruleFor(options.type);
  if (rule === undefined || enforcement === 'skip') return undefined;
  const names = new Set([kind.name, ...kind.aliases]);
  const verified = await verifyRecordVersions({
    repository: opened.repository,
    versions: listing.versions.filter((v) => names.has(v.type)),
    policy,
    rule,
    now: context.now?.() ?? new Date(),
  });
  const what = enforcement === 'enforce' ? 'left out' : 'shown although';
  for (const { version, reason } of verified.rejected)
    context.io.stderr.write(
      `warning: ${options.type} ${shortDigest(version)} ${what} not verified: ${reason}\n`,
    );
  if (enforcement === 'warn') return undefined;
  if (verified.accepted.size === 0)
    throw new ManifestoError(
      'NOT_VERIFIED',
      `no version of "${options.type}" for ${opened.display} verifies under the trust policy`,
      {
        category: 'verification',
        hint: `Run "manifesto verify ${opened.display} --type ${options.type}" for each version's reason.`,
      },
    );
  return (version) => verified.accepted.has(version.digest);
}

/** Content above this is not read for a summary. */
const SHOW_LIMIT = 64 * 1024 * 1024;
/** Lines of free-form text shown. */
const PREVIEW_LINES = 10;

function textPreview(bytes: Uint8Array): string[] | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, 64 * 1024));
  } catch {
    return undefined;
  }
  if (text.includes('\u0000')) return undefined;
  return text.split('\n').slice(0, PREVIEW_LINES);
}

export async function showCommand(options: ShowCommandOptions, context: CommandContext): Promise<void> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const verify = options.verify === true || options.trustPolicy !== undefined;
  const records = isRecordKind(kindFor(options.type)?.name ?? '');
  const result =
    verify && !records
      ? await (await import('./verified-read.ts')).selectVerified(
          opened,
          { type: options.type, platform: options.platform, inherit: true, trustPolicy: options.trustPolicy },
          context,
        )
      : await getPlatformMetadata({
          repository: opened.repository,
          reference: opened.target,
          type: options.type,
          platform: options.platform,
          image: opened.display,
        });
  const { version } = result;
  if (result.inheritedFrom !== undefined && result.platform !== undefined) {
    io.stderr.write(
      `note: ${formatPlatform(result.platform)} has no "${options.type}" of its own; showing the index's version (${shortDigest(version.digest)}), which applies to all platforms\n`,
    );
  }
  const kind = kindFor(version.type);
  const header = `${version.type} ${shortDigest(version.digest)} stored ${version.createdText ?? 'at an unknown time'}${
    version.author === undefined ? '' : ` by ${version.author}`
  }`;
  // Content a well-known kind cannot read (stored with --no-validate): shown as it is, with a note.
  let problem: string | undefined;
  let normalised: unknown;
  if (kind !== undefined && !records) {
    // Another tool's attestation: the document inside it (platform-get.ts, versionContent).
    const bytes = result.document ?? (await opened.repository.fetchBlobBytes(result.content, SHOW_LIMIT));
    try {
      normalised = kind.normalise(bytes, result.content.mediaType);
    } catch (error) {
      if (!(error instanceof ManifestoError) || error.category !== 'usage') throw error;
      problem = error.message;
      io.stderr.write(
        `note: ${version.type} ${shortDigest(version.digest)} is not a ${kind.name} document this version of manifesto reads (stored with --no-validate?): ${problem}; showing it as stored\n`,
      );
    }
  }
  if (kind === undefined || problem !== undefined) {
    const size = result.content.size;
    const preview =
      size <= SHOW_LIMIT
        ? textPreview(result.document ?? (await opened.repository.fetchBlobBytes(result.content, SHOW_LIMIT)))
        : undefined;
    if (context.json) {
      writeJson(io.stdout, {
        image: opened.display,
        subject: subjectJson(result.subject),
        type: version.type,
        version: version.digest,
        kind: null,
        mediaType: result.content.mediaType,
        size,
        preview: preview ?? null,
        ...(problem === undefined ? {} : { problem }),
      });
      return;
    }
    writeLine(io.stdout, header);
    writeLine(
      io.stdout,
      `${result.content.mediaType}, ${formatBytes(size)}${preview === undefined ? ' (binary)' : ''}`,
    );
    for (const line of preview ?? []) writeLine(io.stdout, `  ${line}`);
    return;
  }
  // What --json says of the version shown, before its content.
  const described = (kindName: string) => ({
    image: opened.display,
    subject: subjectJson(result.subject),
    ...(result.platform === undefined ? {} : { platform: formatPlatform(result.platform) }),
    inherited: result.inheritedFrom !== undefined,
    type: version.type,
    version: version.digest,
    kind: kindName,
  });
  if (records) {
    // Records from many writers: every version counts (latest entry per gate / environment).
    const accept = verify ? await acceptedRecords(opened, options, kind, result.listing, context) : undefined;
    const records = await readRecords({
      repository: opened.repository,
      listing: result.listing,
      kind,
      accept,
    });
    for (const { version: digest, problem } of records.ignored)
      io.stderr.write(`warning: ${version.type} ${shortDigest(digest)} is left out: ${problem}\n`);
    if (context.json) {
      writeJson(io.stdout, {
        ...described(kind.name),
        versions: records.versions.map((v) => v.digest),
        normalised: records.merged,
      });
      return;
    }
    const count = records.versions.length;
    writeLine(io.stdout, `${header}; ${count} version${count === 1 ? '' : 's'} merged`);
    for (const line of kind.summarise(records.merged)) writeLine(io.stdout, line);
    return;
  }
  if (context.json) {
    writeJson(io.stdout, { ...described(kind.name), normalised });
    return;
  }
  writeLine(io.stdout, header);
  for (const line of kind.summarise(normalised)) writeLine(io.stdout, line);
}
