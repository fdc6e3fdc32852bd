/**
 * `manifesto put IMAGE TYPE FILE|-`: store a new version of a piece of metadata. The flags, the
 * environment and the output are here; storing (for one platform, or every platform of an index)
 * and signing are domain operations (metadata/platform-put.ts, metadata/all-platforms-put.ts,
 * policy/trust/signer.ts).
 */
import { ManifestoError } from '../../errors/errors.ts';
import {
  type PlatformPutOutcome,
  platformsFailedError,
  putAllPlatforms,
} from '../../metadata/all-platforms-put.ts';
import type { PutItem } from '../../metadata/bulk/lines.ts';
import { type PreparedContent, prepareFile, prepareStream } from '../../metadata/content-source.ts';
import { type PlatformPutBase, putPlatformMetadata } from '../../metadata/platform-put.ts';
import type { PutResult } from '../../metadata/put.ts';
import { validateAnnotations } from '../../metadata/put.ts';
import { checkTypeNameSpelling, validateTypeName } from '../../metadata/type-name.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { isIndexMediaType } from '../../oci/media-types.ts';
import type { SignedVersion } from '../../policy/trust/sign-version.ts';
import type { CommandContext } from '../context.ts';
import { interruptJournal } from '../interrupted-puts.ts';
import { writeJson, writeLine } from '../io.ts';
import { printAllPlatforms, putJson, resultLine, warningLine } from './put-output.ts';
import { defaultAuthor, maxContentSize, strictContent, strictTypes } from './put-settings.ts';

/** `file` may be `-` for standard input. */
export interface PutCommandOptions extends PutItem {
  maxSize?: number | undefined;
  /** Store for every platform of a multi-platform image (in parallel). */
  allPlatforms?: boolean | undefined;
  /** With allPlatforms: a file name template with {os}, {arch}, {variant}, {osversion}. */
  filePerPlatform?: string | undefined;
  /** Store content of a well-known kind without validating it (`--no-validate`). */
  noValidate?: boolean | undefined;
  /** Refuse a type name that looks like a typo of a well-known one (else a warning). */
  strictTypes?: boolean | undefined;
  /** Refuse content about another image or platform (else a warning). */
  strictContent?: boolean | undefined;
  /** Sign the new version with this private key file. */
  sign?: string | undefined;
  /** The signing certificate (Notary; default: the key's NAME.crt). */
  cert?: string | undefined;
  signFormat?: string | undefined;
  /** Signature expiry, a duration (`7d`). */
  expires?: string | undefined;
}

export type { PlatformPutOutcome };

/** Expands `{os}`, `{arch}`, `{variant}`, `{osversion}` in a per-platform file name template. */
export function platformFileName(template: string, platform: Platform): string {
  return template
    .replaceAll('{os}', platform.os)
    .replaceAll('{arch}', platform.architecture)
    .replaceAll('{variant}', platform.variant ?? '')
    .replaceAll('{osversion}', platform['os.version'] ?? '');
}

function checkFlags(options: PutCommandOptions, context: CommandContext): void {
  validateTypeName(options.type);
  const spelling = checkTypeNameSpelling(options.type, strictTypes(options.strictTypes, context.io.env));
  if (spelling !== undefined) context.io.stderr.write(`warning: ${spelling}\n`);
  if (options.annotations) validateAnnotations(options.annotations);
  const conflict = (message: string) => new ManifestoError('FLAGS_CONFLICT', message, { category: 'usage' });
  if (options.platform !== undefined && options.allPlatforms)
    throw conflict('--platform and --all-platforms cannot be used together');
  if (options.filePerPlatform !== undefined && !options.allPlatforms)
    throw conflict('--file-per-platform needs --all-platforms');
  if (options.sign === undefined && (options.cert ?? options.signFormat ?? options.expires) !== undefined)
    throw conflict('--cert, --sign-format and --expires need --sign KEY');
}

export async function putCommand(
  options: PutCommandOptions,
  context: CommandContext,
): Promise<PutResult | PlatformPutOutcome<SignedVersion>[]> {
  const { io } = context;
  checkFlags(options, context);
  // The signing code (keys, certificates, Notary, Sigstore) is loaded only for --sign.
  const signing =
    options.sign === undefined
      ? undefined
      : await (await import('./signing-support.ts')).versionSigningFromFlags(options, context);
  const opened = await context.openImage(options.image);
  const maxSize = maxContentSize(options.maxSize, io.env);
  const prepare = (file: string): Promise<PreparedContent> =>
    file === '-' ? prepareStream(io.stdin as AsyncIterable<Uint8Array>, maxSize) : prepareFile(file, maxSize);
  const base: PlatformPutBase<SignedVersion> = {
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    type: options.type,
    mediaType: options.mediaType,
    author: options.author ?? defaultAuthor(io.env),
    annotations: options.annotations,
    now: context.now,
    validate: !options.noValidate,
    strictContent: strictContent(options.strictContent, io.env),
    onWarning: (w) => io.stderr.write(warningLine(w)),
    sign: signing?.sign(opened.repository),
  };
  if (options.allPlatforms) {
    const template = options.filePerPlatform;
    const shared = template === undefined ? await prepare(options.file) : undefined;
    try {
      const put = await putAllPlatforms({
        ...base,
        content: shared,
        contentFor:
          template === undefined
            ? undefined
            : async (platform) => {
                const file = platformFileName(template, platform);
                return { content: await prepare(file), what: file };
              },
      });
      printAllPlatforms(context, signing?.line, opened.display, put);
      const failed = platformsFailedError(put.outcomes);
      if (failed !== undefined) throw failed;
      return put.outcomes;
    } finally {
      await shared?.dispose();
    }
  }
  const content = await prepare(options.file);
  try {
    const put = await putPlatformMetadata({
      ...base,
      content,
      platform: options.platform,
      journal: interruptJournal(io.env, (version, created) =>
        io.stderr.write(
          `note: finished the interrupted put of ${version} (stored ${created}); no second version was stored\n`,
        ),
      ),
    });
    const { result, platform, signed } = put;
    if (options.platform === undefined && isIndexMediaType(result.subject.mediaType)) {
      io.stderr.write(
        `note: ${opened.display} is a multi-platform index: this ${result.type} applies to all its platforms ` +
          '(use --platform to store it for one)\n',
      );
    }
    if (context.json) writeJson(io.stdout, putJson(opened.display, result, platform, signed));
    else {
      writeLine(io.stdout, resultLine(opened.display, result, platform));
      if (signed !== undefined && signing) writeLine(io.stdout, signing.line(signed));
    }
    return result;
  } finally {
    await content.dispose();
  }
}
