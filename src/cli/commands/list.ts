/** `manifesto list IMAGE`: every type stored for an image, with its latest version. */
import { readListing, summariseTypes, type TypeSummary } from '../../metadata/listing.ts';
import type { Descriptor } from '../../spec/descriptor.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson, table, versionJson } from '../render.ts';

export interface ListCommandOptions {
  image: string;
}

export interface ListResult {
  subject: Descriptor;
  types: TypeSummary[];
}

export async function listCommand(options: ListCommandOptions, context: CommandContext): Promise<ListResult> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const subject = await opened.repository.resolve(opened.target);
  const listing = await readListing(opened.repository, subject);
  const types = summariseTypes(listing);
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      subject: subjectJson(subject),
      types: types.map((t) => ({
        type: t.type,
        label: t.label,
        count: t.versions.length,
        latest: versionJson(t.versions[0]!),
      })),
    });
    return { subject, types };
  }
  writeLine(io.stdout, `${opened.display} (${subject.digest})`);
  if (types.length === 0) {
    writeLine(io.stdout, 'no metadata');
    return { subject, types };
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
      latest.manifesto ? (latest.content?.mediaType ?? '-') : t.label,
    ];
  });
  writeLine(io.stdout, table(['TYPE', 'VERSIONS', 'LATEST', 'CREATED', 'AUTHOR', 'SIZE', 'CONTENT'], rows));
  return { subject, types };
}
