/** `manifesto history IMAGE TYPE`: every version of a type, newest first. */
import { selectVersion } from '../../metadata/get.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, subjectJson, table, versionJson } from '../render.ts';

export interface HistoryCommandOptions {
  image: string;
  type: string;
  platform?: Platform | undefined;
}

export async function historyCommand(
  options: HistoryCommandOptions,
  context: CommandContext,
): Promise<MetadataVersion[]> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const target = await resolveTarget(opened.repository, opened.target, {
    platform: options.platform,
    image: opened.display,
  });
  const { subject, versions } = await selectVersion({
    repository: opened.repository,
    reference: opened.target,
    type: options.type,
    image: opened.display,
    subject: target.subject,
  });
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(target.platform === undefined ? {} : { platform: formatPlatform(target.platform) }),
      subject: subjectJson(subject),
      type: options.type,
      versions: versions.map(versionJson),
    });
    return versions;
  }
  const rows = versions.map((v, i) => [
    v.digest,
    v.createdText ?? '-',
    v.author ?? '-',
    v.content ? formatBytes(v.content.size) : '-',
    i === 0 ? 'latest' : '',
  ]);
  writeLine(io.stdout, table(['VERSION', 'CREATED', 'AUTHOR', 'SIZE', ''], rows));
  return versions;
}
