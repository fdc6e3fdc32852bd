/** `manifesto put IMAGE TYPE FILE|-`: store a new version of a piece of metadata. */
import { hostname, userInfo } from 'node:os';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  type PreparedContent,
  prepareFile,
  prepareStream,
} from '../../metadata/content-source.ts';
import { type PutResult, putMetadata, validateAnnotations } from '../../metadata/put.ts';
import { validateTypeName } from '../../metadata/type-name.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson } from '../render.ts';

export interface PutCommandOptions {
  image: string;
  type: string;
  /** A file path, or `-` for standard input. */
  file: string;
  mediaType?: string | undefined;
  annotations?: Record<string, string> | undefined;
  author?: string | undefined;
  maxSize?: number | undefined;
}

export function defaultAuthor(env: Record<string, string | undefined>): string {
  if (env.MANIFESTO_AUTHOR) return env.MANIFESTO_AUTHOR;
  let user = env.USER ?? env.USERNAME ?? '';
  if (user === '') {
    try {
      user = userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}

export async function putCommand(options: PutCommandOptions, context: CommandContext): Promise<PutResult> {
  const { io } = context;
  const maxSize =
    options.maxSize ??
    (io.env.MANIFESTO_MAX_SIZE ? Number(io.env.MANIFESTO_MAX_SIZE) : DEFAULT_MAX_CONTENT_BYTES);
  // Check everything local before the first request.
  validateTypeName(options.type);
  if (options.annotations) validateAnnotations(options.annotations);
  const opened = await context.openImage(options.image);
  let content: PreparedContent | undefined;
  try {
    content =
      options.file === '-'
        ? await prepareStream(io.stdin as AsyncIterable<Uint8Array>, maxSize)
        : await prepareFile(options.file, maxSize);
    const result = await putMetadata({
      repository: opened.repository,
      reference: opened.target,
      type: options.type,
      content,
      mediaType: options.mediaType,
      author: options.author ?? defaultAuthor(io.env),
      annotations: options.annotations,
      now: context.now,
    });
    if (context.json) {
      writeJson(io.stdout, {
        image: opened.display,
        subject: subjectJson(result.subject),
        type: result.type,
        version: result.version,
        artifactType: result.artifactType,
        content: result.content,
        created: result.created,
        author: result.author ?? null,
        supersedes: result.supersedes ?? null,
      });
    } else {
      writeLine(
        io.stdout,
        `Stored ${result.type} for ${opened.display} (${shortDigest(result.subject.digest)}) as version ${result.version} ` +
          `(${result.content.mediaType}, ${formatBytes(result.content.size)})`,
      );
    }
    return result;
  } finally {
    await content?.dispose();
  }
}
