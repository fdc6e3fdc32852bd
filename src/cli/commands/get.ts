/** `manifesto get IMAGE TYPE`: print the latest (or a given) version's content, byte for byte. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { getPlatformMetadata, type PlatformGetResult } from '../../metadata/platform-get.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { createReadStream, mkdtemp, rm, stat } from '../../util/fs-async.ts';
import type { CommandContext } from '../context.ts';
import { writeJson } from '../io.ts';
import { checkOutputPath, type OutputFileOptions, writeOutputFile } from '../output-file.ts';
import { subjectJson, versionJson } from '../render.ts';

export interface GetCommandOptions {
  image: string;
  type: string;
  version?: string | undefined;
  /** Write to this file instead of standard output. */
  output?: string | undefined;
  /** With `output`: replace a symbolic link there (never written through). */
  force?: boolean | undefined;
  /** The platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Do not fall back to the index's version when the platform has none. */
  noInherit?: boolean | undefined;
  /** Verify under the trust policy (docs/format.md, "Trust policy"). */
  verify?: boolean | undefined;
  trustPolicy?: string | undefined;
  /** With --verify: accept an older verified latest than this machine remembers. */
  acceptRollback?: boolean | undefined;
  /** With --verify: a shared trusted state (file or directory) instead of this machine's. */
  trustedState?: string | undefined;
}

/** Content up to this size is verified in memory before it is written anywhere. */
const IN_MEMORY_LIMIT = 16 * 1024 * 1024;

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

export async function getCommand(
  options: GetCommandOptions,
  context: CommandContext,
): Promise<PlatformGetResult> {
  const { io } = context;
  const output: OutputFileOptions = { flag: '-o', force: options.force };
  // A target that cannot be written fails before anything is fetched. A folder is a target only for
  // a version that holds several files (checked once the version is known).
  const outputFolder = options.output !== undefined && (await isFolder(options.output));
  if (options.output !== undefined && !outputFolder) await checkOutputPath(options.output, output);
  const opened = await context.openImage(options.image);
  const result: PlatformGetResult & { trust?: string; signedBy?: string[] } =
    options.verify || options.trustPolicy !== undefined
      ? await (await import('./verified-read.ts')).selectVerified(
          opened,
          {
            type: options.type,
            version: options.version,
            platform: options.platform,
            inherit: options.noInherit !== true,
            trustPolicy: options.trustPolicy,
            acceptRollback: options.acceptRollback,
            trustedState: options.trustedState,
          },
          context,
        )
      : await getPlatformMetadata({
          repository: opened.repository,
          reference: opened.target,
          type: options.type,
          version: options.version,
          platform: options.platform,
          inherit: options.noInherit !== true,
          image: opened.display,
        });
  if (result.inheritedFrom !== undefined && result.platform !== undefined) {
    io.stderr.write(
      `note: ${formatPlatform(result.platform)} has no "${options.type}" of its own; ` +
        `using the index's version (${result.inheritedFrom.digest}), which applies to all platforms\n`,
    );
  }
  const where = {
    ...(result.platform === undefined ? {} : { platform: formatPlatform(result.platform) }),
    inherited: result.inheritedFrom !== undefined,
    ...(result.trust === undefined ? {} : { trust: result.trust, signedBy: result.signedBy ?? [] }),
  };
  const { repository } = opened;
  const described = {
    image: opened.display,
    subject: subjectJson(result.subject),
    ...where,
    version: versionJson(result.version),
  };
  const content = {
    mediaType: result.content.mediaType,
    digest: result.content.digest,
    size: result.content.size,
  };
  // Another tool's attestation: the document was taken out of it already (and is small).
  const fetchContent = () =>
    result.document === undefined ? repository.fetchBlob(result.content) : oneChunk(result.document);
  const contentBytes = async () =>
    result.document ?? (await repository.fetchBlobBytes(result.content, IN_MEMORY_LIMIT));
  const files = result.document === undefined ? result.content.files : undefined;
  if (options.output !== undefined && outputFolder) {
    if (files === undefined) await checkOutputPath(options.output, output); // refuses the folder
    const named = fileNames(files ?? []);
    for (const { name, file } of named) {
      await writeOutputFile(join(options.output, name), repository.fetchBlob(file), 0o644, output);
    }
    const written = named.map(({ name, file }) => ({ name, ...descriptorJson(file) }));
    if (context.json) writeJson(io.stdout, { ...described, content, files: written, output: options.output });
    else {
      io.stderr.write(
        `Wrote ${named.length} files of ${options.type} version ${result.version.digest} of ${opened.display} to ${options.output}: ${named.map((n) => n.name).join(', ')}\n`,
      );
    }
    return result;
  }
  if (files !== undefined && !context.json) {
    const names = fileNames(files).map((n) => n.name);
    io.stderr.write(
      `note: version ${result.version.digest} holds ${files.length} files (${names.join(', ')}); ` +
        `this is the first, ${names[0]}. Use -o FOLDER to write them all.\n`,
    );
  }
  const filesJson =
    files === undefined
      ? {}
      : { files: fileNames(files).map(({ name, file }) => ({ name, ...descriptorJson(file) })) };
  if (options.output !== undefined) {
    await writeOutputFile(options.output, fetchContent(), 0o644, output);
    if (context.json) writeJson(io.stdout, { ...described, content, ...filesJson, output: options.output });
    else {
      io.stderr.write(
        `Wrote ${options.type} version ${result.version.digest} of ${opened.display} to ${options.output}\n`,
      );
    }
  } else if (context.json) {
    const bytes = await contentBytes();
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = undefined;
    }
    writeJson(io.stdout, {
      ...described,
      content: {
        ...content,
        ...(text === undefined ? { base64: Buffer.from(bytes).toString('base64') } : { text }),
      },
      ...filesJson,
    });
  } else if (result.content.size <= IN_MEMORY_LIMIT || result.document !== undefined) {
    const bytes = await contentBytes();
    await new Promise<void>((resolve, reject) => io.stdout.write(bytes, (e) => (e ? reject(e) : resolve())));
  } else {
    // Large content: verify into a private temporary file first, so that nothing unverified is printed.
    const dir = await mkdtemp(join(tmpdir(), 'manifesto-get-'));
    try {
      const file = join(dir, 'content');
      await writeOutputFile(file, repository.fetchBlob(result.content), 0o600, { flag: '-o' });
      await pipeline(createReadStream(file), io.stdout, { end: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return result;
}

async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function descriptorJson(file: Descriptor): { mediaType: string; digest: string; size: number } {
  return { mediaType: file.mediaType, digest: file.digest, size: file.size };
}

const TITLE = 'org.opencontainers.image.title';

/**
 * A file name for each layer of a multi-file version: its title (as oras names files) when that is a
 * plain file name, else the digest's hex. A title is registry-supplied: one with a path separator,
 * "..", a control character or a leading dot never names a file, so nothing is written outside the
 * folder; a name used twice falls back to the digest too.
 */
export function fileNames(files: readonly Descriptor[]): { name: string; file: Descriptor }[] {
  const used = new Set<string>();
  return files.map((file) => {
    const title = file.annotations?.[TITLE];
    const fallback = file.digest.slice(file.digest.indexOf(':') + 1);
    let name = title !== undefined && isPlainFileName(title) && !used.has(title) ? title : fallback;
    if (used.has(name)) name = `${fallback}-${used.size}`;
    used.add(name);
    return { name, file };
  });
}

function isPlainFileName(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name.startsWith('.')) return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '/' || char === '\\' || code < 0x20 || code === 0x7f) return false;
  }
  return true;
}
