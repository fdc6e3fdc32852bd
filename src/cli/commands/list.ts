/**
 * `manifesto list IMAGE`: every type stored for an image, with its latest version.
 * `--platform P`: a platform's own types (with those in its buildx attestation manifest) plus those it
 * inherits from its index.
 * `--tree` (or `--all-platforms`): the index's types, then each platform's, fetched in parallel.
 */
import { buildxVersions } from '../../metadata/buildx.ts';
import { readListing, summariseTypes, type TypeSummary } from '../../metadata/listing.ts';
import { platformListings } from '../../metadata/platform-get.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson, table, versionJson } from '../render.ts';

export interface ListCommandOptions {
  image: string;
  platform?: Platform | undefined;
  /** Show the index and every platform. */
  tree?: boolean | undefined;
}

export interface ListedTypes {
  subject: Descriptor;
  platform?: Platform | undefined;
  /** Types, with `inherited` set on those that come from the index. */
  types: Array<TypeSummary & { inherited: boolean }>;
}

export interface ListResult extends ListedTypes {
  /** With --tree on an index: each platform's own types. */
  platforms?: ListedTypes[] | undefined;
}

function typesJson(types: ListedTypes['types']) {
  return types.map((t) => ({
    type: t.type,
    label: t.label,
    count: t.versions.length,
    inherited: t.inherited,
    latest: versionJson(t.versions[0]!),
  }));
}

function printTypes(context: CommandContext, types: ListedTypes['types'], indent: string): void {
  if (types.length === 0) {
    writeLine(context.io.stdout, `${indent}no metadata`);
    return;
  }
  const rows = types.map((t) => {
    const latest = t.versions[0]!;
    return [
      t.type,
      String(t.versions.length),
      shortDigest(latest.digest),
      latest.createdText ?? '-',
      latest.author ?? '-',
      latest.content ? formatBytes(latest.content.size) : '-',
      `${latest.manifesto ? (latest.content?.mediaType ?? '-') : t.label}${t.inherited ? ' (from the index)' : ''}`,
    ];
  });
  const text = table(['TYPE', 'VERSIONS', 'LATEST', 'CREATED', 'AUTHOR', 'SIZE', 'CONTENT'], rows);
  writeLine(
    context.io.stdout,
    text
      .split('\n')
      .map((l) => `${indent}${l}`)
      .join('\n'),
  );
}

const own = (types: TypeSummary[]) => types.map((t) => ({ ...t, inherited: false }));

export async function listCommand(options: ListCommandOptions, context: CommandContext): Promise<ListResult> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const { repository } = opened;
  const target = await resolveTarget(repository, opened.target, {
    platform: options.platform,
    readIndex: options.tree === true,
    image: opened.display,
  });
  let result: ListResult;
  if (options.platform !== undefined && target.index !== undefined) {
    const [listed, fromIndex, buildx] = await Promise.all([
      readListing(repository, target.subject),
      readListing(repository, target.index.descriptor),
      buildxVersions(repository, target.index.manifest, target.subject.digest),
    ]);
    const mine = { ...listed, versions: [...listed.versions, ...buildx] };
    // As get --platform reads them: manifesto's version of the index before other tools' of the platform.
    const indexTypes = summariseTypes(fromIndex);
    const indexOwn = new Set(
      indexTypes.filter((t) => t.versions[0]!.foreign === undefined).map((t) => t.type),
    );
    const ownTypes = summariseTypes(mine).filter(
      (t) => t.versions[0]!.foreign === undefined || !indexOwn.has(t.type),
    );
    const ownNames = new Set(ownTypes.map((t) => t.type));
    const inherited = indexTypes.filter((t) => !ownNames.has(t.type)).map((t) => ({ ...t, inherited: true }));
    result = {
      subject: target.subject,
      platform: target.platform,
      types: [...own(ownTypes), ...inherited].sort((a, b) =>
        a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
      ),
    };
  } else if (options.tree && target.index !== undefined) {
    const [indexListing, children] = await Promise.all([
      readListing(repository, target.subject),
      platformListings(repository, target.index),
    ]);
    result = {
      subject: target.subject,
      types: own(summariseTypes(indexListing)),
      platforms: children.map(({ child, listing }) => ({
        subject: listing.subject,
        platform: child.platform,
        types: own(summariseTypes(listing)),
      })),
    };
  } else {
    result = {
      subject: target.subject,
      platform: target.platform,
      types: own(summariseTypes(await readListing(repository, target.subject))),
    };
  }
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(result.platform === undefined ? {} : { platform: formatPlatform(result.platform) }),
      subject: subjectJson(result.subject),
      types: typesJson(result.types),
      ...(result.platforms === undefined
        ? {}
        : {
            platforms: result.platforms.map((p) => ({
              platform: formatPlatform(p.platform!),
              subject: subjectJson(p.subject),
              types: typesJson(p.types),
            })),
          }),
    });
    return result;
  }
  const platformText = result.platform === undefined ? '' : ` [${formatPlatform(result.platform)}]`;
  const indexText =
    result.platforms === undefined
      ? ''
      : `, an index of ${result.platforms.length} platform${result.platforms.length === 1 ? '' : 's'}`;
  writeLine(io.stdout, `${opened.display}${platformText} (${result.subject.digest}${indexText})`);
  printTypes(context, result.types, result.platforms === undefined ? '' : '  ');
  for (const p of result.platforms ?? []) {
    writeLine(io.stdout, `${formatPlatform(p.platform!)} (${p.subject.digest})`);
    printTypes(context, p.types, '  ');
  }
  return result;
}
