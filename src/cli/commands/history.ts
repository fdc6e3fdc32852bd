/** `manifesto history IMAGE TYPE`: every version of a type, newest first. */
import { selectVersion } from '../../metadata/get.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, subjectJson, table, versionJson } from '../render.ts';

export interface HistoryCommandOptions {
  image: string;
  type: string;
}

export async function historyCommand(
  options: HistoryCommandOptions,
  context: CommandContext,
): Promise<MetadataVersion[]> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const { subject, versions } = await selectVersion({
    repository: opened.repository,
    reference: opened.target,
    type: options.type,
    image: opened.display,
  });
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
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
