/** `manifesto put IMAGE TYPE FILE|-`: store a new version of a piece of metadata. */
import { hostname, userInfo } from 'node:os';
import type { FetchedManifest } from '../../content/repository.ts';
import { ManifestoError } from '../../errors/errors.ts';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  type PreparedContent,
  prepareFile,
  prepareStream,
} from '../../metadata/content-source.ts';
import {
  contentContradictions,
  contentMismatchError,
  mayClaim,
  type StoredFor,
} from '../../metadata/content-subject.ts';
import { checkKindContent } from '../../metadata/kind-check.ts';
import {
  contentMediaType,
  finishStoredVersion,
  type PutResult,
  pushEmptyConfig,
  pushVersionBlobs,
  putMetadata,
  validateAnnotations,
} from '../../metadata/put.ts';
import { type PlatformChild, resolveTarget } from '../../metadata/target.ts';
import { checkTypeNameSpelling, validateTypeName } from '../../metadata/type-name.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { isIndexMediaType } from '../../oci/media-types.ts';
import { formatPlatform } from '../../oci/platform.ts';
import type { SignedVersion } from '../../policy/trust/sign-version.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext, OpenedImage } from '../context.ts';
import { toManifestoError } from '../errors-output.ts';
import {
  findInterrupted,
  forgetInterrupted,
  type PutIdentity,
  type PutProgress,
  watchInterrupts,
} from '../interrupted-puts.ts';
import { writeJson, writeLine } from '../io.ts';
import { formatBytes, shortDigest, subjectJson } from '../render.ts';
import type { Signer } from './signing-support.ts';

/** The signing code (keys, certificates, Notary and Sigstore formats): loaded only for --sign. */
type SignModule = typeof import('./sign.ts');

export interface PutCommandOptions {
  image: string;
  type: string;
  /** A file path, or `-` for standard input. */
  file: string;
  mediaType?: string | undefined;
  annotations?: Record<string, string> | undefined;
  author?: string | undefined;
  maxSize?: number | undefined;
  /** Store for this platform of a multi-platform image. */
  platform?: Platform | undefined;
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

export interface PlatformPutOutcome {
  platform: Platform;
  result?: PutResult;
  /** With --sign: the signature of the stored version. */
  signed?: SignedVersion;
  error?: ManifestoError;
}

/** `--strict-types`, else MANIFESTO_STRICT_TYPES (src/util/settings.ts). */
export function strictTypes(flag: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return flag === true || setting(env, 'MANIFESTO_STRICT_TYPES') === true;
}

/**
 * Content about another image or platform than the one it is stored for: a warning on stderr, or
 * (`--strict-content`, MANIFESTO_STRICT_CONTENT=1) CONTENT_MISMATCH before anything is written.
 */
function checkContentSubject(pc: PutContext, content: PreparedContent, storedFor: StoredFor, what?: string) {
  const problems = contentContradictions(pc.options.type, content, storedFor);
  if (problems.length === 0) return;
  const strict =
    pc.options.strictContent === true || setting(pc.context.io.env, 'MANIFESTO_STRICT_CONTENT') === true;
  if (strict) throw contentMismatchError(problems);
  for (const problem of problems)
    pc.context.io.stderr.write(
      `warning: ${what === undefined ? '' : `${what}: `}${problem} (--strict-content refuses it)\n`,
    );
}

export function defaultAuthor(env: Record<string, string | undefined>): string {
  const author = setting(env, 'MANIFESTO_AUTHOR');
  if (author !== undefined) return author;
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

/** Expands `{os}`, `{arch}`, `{variant}`, `{osversion}` in a per-platform file name template. */
export function platformFileName(template: string, platform: Platform): string {
  return template
    .replaceAll('{os}', platform.os)
    .replaceAll('{arch}', platform.architecture)
    .replaceAll('{variant}', platform.variant ?? '')
    .replaceAll('{osversion}', platform['os.version'] ?? '');
}

function printResult(context: CommandContext, display: string, result: PutResult, platform?: Platform): void {
  const where = platform === undefined ? display : `${display} [${formatPlatform(platform)}]`;
  writeLine(
    context.io.stdout,
    `Stored ${result.type} for ${where} (${shortDigest(result.subject.digest)}) as version ${result.version} ` +
      `(${result.content.mediaType}, ${formatBytes(result.content.size)})`,
  );
}

function putJson(display: string, result: PutResult, platform?: Platform) {
  return {
    image: display,
    ...(platform === undefined ? {} : { platform: formatPlatform(platform) }),
    subject: subjectJson(result.subject),
    type: result.type,
    version: result.version,
    artifactType: result.artifactType,
    content: result.content,
    created: result.created,
    author: result.author ?? null,
    supersedes: result.supersedes ?? null,
  };
}

function signatureJson(signed: SignedVersion | undefined) {
  return signed === undefined
    ? {}
    : { signature: { format: signed.format, digest: signed.signature.digest } };
}

interface PutContext {
  options: PutCommandOptions;
  context: CommandContext;
  opened: OpenedImage;
  maxSize: number;
  author: string;
  signer?: Signer | undefined;
  sign?: SignModule | undefined;
  expiresIn?: number | undefined;
}

async function prepare(file: string, pc: PutContext): Promise<PreparedContent> {
  return file === '-'
    ? prepareStream(pc.context.io.stdin as AsyncIterable<Uint8Array>, pc.maxSize)
    : prepareFile(file, pc.maxSize);
}

/** A stored version, and its signature being made when the put signs. */
interface StoredVersion {
  result: PutResult;
  signing: Promise<SignedVersion> | undefined;
}

/**
 * Stores the version; with a signer, signs it as soon as the version manifest is stored, while the
 * version is being listed: on registries without the referrers API the two index updates (the image's
 * and the version's, for its signature) and their settle waits overlap instead of following each other.
 * A failed put waits for the signing it started before it throws.
 */
async function putOne(
  pc: PutContext,
  content: PreparedContent,
  subject: Descriptor | undefined,
  blobsPushed = false,
  progress?: PutProgress,
): Promise<StoredVersion> {
  const { signer, sign } = pc;
  let signing: Promise<SignedVersion> | undefined;
  const onStored = (version: FetchedManifest) => {
    if (progress !== undefined)
      progress.stored = { version: version.descriptor.digest, manifest: version.bytes };
    if (signer === undefined || sign === undefined) return;
    signing = sign.signLoaded(pc.opened.repository, version, signer, pc.expiresIn, pc.context);
    // Awaited by the caller (or below, when the put fails): never an unhandled rejection.
    signing.catch(() => undefined);
  };
  try {
    const result = await putVersion(pc, content, subject, blobsPushed, onStored);
    return { result, signing };
  } catch (error) {
    if (signing !== undefined) await signing.catch(() => undefined);
    throw error;
  }
}

function putVersion(
  pc: PutContext,
  content: PreparedContent,
  subject: Descriptor | undefined,
  blobsPushed: boolean,
  onStored: ((version: FetchedManifest) => void) | undefined,
): Promise<PutResult> {
  return putMetadata({
    repository: pc.opened.repository,
    reference: pc.opened.target,
    type: pc.options.type,
    content,
    mediaType: pc.options.mediaType,
    author: pc.author,
    annotations: pc.options.annotations,
    now: pc.context.now,
    subject,
    blobsPushed,
    // Validated by validateContent before anything was written.
    validate: false,
    onStored,
  });
}

/**
 * Validates content stored under a well-known kind (docs/kinds.md) before any request; notes on
 * stderr when it is not validated (--no-validate, or larger than the 16 MiB parse limit).
 */
function validateContent(pc: PutContext, content: PreparedContent, what?: string): void {
  const mediaType = contentMediaType(content, pc.options.mediaType);
  const check = checkKindContent(pc.options.type, content, mediaType, { validate: !pc.options.noValidate });
  if (check.outcome === 'skipped' && !pc.options.noValidate) {
    pc.context.io.stderr.write(
      `note: ${what === undefined ? '' : `${what}: `}${pc.options.type} content is ${check.reason}\n`,
    );
  }
}

type PreparedPlatform =
  | { child: PlatformChild; content: PreparedContent }
  | { child: PlatformChild; error: ManifestoError };

/**
 * Uploads the blobs of every platform's version once: each distinct content blob, and the empty
 * config. Parallel uploads of one blob race on some registries (distribution 2.8 rewrites the
 * repository's blob link in place, so a manifest PUT that checks it meanwhile fails with
 * MANIFEST_BLOB_UNKNOWN). Returns the upload error of each content digest that failed.
 */
async function pushSharedBlobs(
  pc: PutContext,
  prepared: readonly PreparedPlatform[],
): Promise<Map<string, ManifestoError>> {
  const distinct = new Map<string, PreparedContent>();
  for (const p of prepared)
    if ('content' in p && !distinct.has(p.content.digest)) distinct.set(p.content.digest, p.content);
  const failures = new Map<string, ManifestoError>();
  const { repository } = pc.opened;
  await Promise.all([
    ...[...distinct.values()].map(async (content) => {
      try {
        const mediaType = contentMediaType(content, pc.options.mediaType);
        await pushVersionBlobs(repository, content, mediaType, { emptyConfig: false });
      } catch (error) {
        failures.set(content.digest, toManifestoError(error));
      }
    }),
    (async () => {
      if (distinct.size === 0) return;
      try {
        await pushEmptyConfig(repository);
      } catch (error) {
        const failure = toManifestoError(error);
        for (const digest of distinct.keys()) if (!failures.has(digest)) failures.set(digest, failure);
      }
    })(),
  ]);
  return failures;
}

async function putAllPlatforms(
  pc: PutContext,
  shared: PreparedContent | undefined,
): Promise<PlatformPutOutcome[]> {
  const { options, context, opened } = pc;
  const target = await resolveTarget(opened.repository, opened.target, {
    readIndex: true,
    image: opened.display,
  });
  if (target.index === undefined) {
    throw new ManifestoError('NOT_AN_INDEX', `${opened.display} is a single-platform image`, {
      category: 'usage',
      hint: 'Leave out --all-platforms: the metadata goes to the image itself.',
    });
  }
  // Every platform's content first (a missing file fails that platform only), then each blob once,
  // then the platforms' versions in parallel.
  const prepared = await Promise.all(
    target.index.platforms.map(async (child): Promise<PreparedPlatform> => {
      const storedFor = {
        digest: child.descriptor.digest,
        indexDigest: target.index?.descriptor.digest,
        platform: child.platform,
      };
      if (shared !== undefined) {
        try {
          checkContentSubject(pc, shared, storedFor, formatPlatform(child.platform));
          return { child, content: shared };
        } catch (error) {
          return { child, error: toManifestoError(error) };
        }
      }
      try {
        const file = platformFileName(options.filePerPlatform!, child.platform);
        const content = await prepare(file, pc);
        try {
          validateContent(pc, content, file);
          checkContentSubject(pc, content, storedFor, file);
        } catch (error) {
          await content.dispose();
          throw error;
        }
        return { child, content };
      } catch (error) {
        return { child, error: toManifestoError(error) };
      }
    }),
  );
  let outcomes: PlatformPutOutcome[];
  try {
    const uploadFailures = await pushSharedBlobs(pc, prepared);
    outcomes = await Promise.all(
      prepared.map(async (p): Promise<PlatformPutOutcome> => {
        const { child } = p;
        if ('error' in p) return { platform: child.platform, error: p.error };
        const uploadError = uploadFailures.get(p.content.digest);
        if (uploadError !== undefined) return { platform: child.platform, error: uploadError };
        try {
          const subject = {
            mediaType: child.descriptor.mediaType,
            digest: child.descriptor.digest,
            size: child.descriptor.size,
          };
          const { result, signing } = await putOne(pc, p.content, subject, true);
          if (signing === undefined) return { platform: child.platform, result };
          try {
            const signed = await signing;
            return { platform: child.platform, result, signed };
          } catch (error) {
            // Stored but not signed: report the version, so that "manifesto sign --version" can finish.
            const failure = toManifestoError(error);
            return {
              platform: child.platform,
              result,
              error: new ManifestoError(
                failure.code,
                `stored version ${result.version}, but signing it failed: ${failure.message}`,
                {
                  category: failure.category,
                  hint: `Sign it with "manifesto sign IMAGE ${result.type} --version ${result.version} --platform ${formatPlatform(child.platform)} --key KEY".`,
                  cause: failure,
                },
              ),
            };
          }
        } catch (error) {
          return { platform: child.platform, error: toManifestoError(error) };
        }
      }),
    );
  } finally {
    if (shared === undefined)
      await Promise.all(prepared.map((p) => ('content' in p ? p.content.dispose() : undefined)));
  }
  if (context.json) {
    writeJson(context.io.stdout, {
      image: opened.display,
      index: subjectJson(target.index.descriptor),
      results: outcomes.map((o) =>
        o.error === undefined && o.result
          ? {
              ok: true,
              ...putJson(opened.display, o.result, o.platform),
              ...signatureJson(o.signed),
            }
          : {
              ok: false,
              platform: formatPlatform(o.platform),
              ...(o.result === undefined ? {} : { version: o.result.version }),
              error: o.error?.toJSON(),
            },
      ),
    });
  } else {
    for (const o of outcomes) {
      if (o.result) printResult(context, opened.display, o.result, o.platform);
      if (o.signed && pc.sign) writeLine(context.io.stdout, pc.sign.signedLine(o.signed));
      if (o.error)
        context.io.stderr.write(`manifesto: ${formatPlatform(o.platform)}: error: ${o.error.message}\n`);
    }
  }
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length > 0) {
    throw new ManifestoError(
      'PLATFORMS_FAILED',
      `${failed.length} of ${outcomes.length} platforms failed: ${failed.map((o) => formatPlatform(o.platform)).join(', ')}`,
      {
        category: failed.length === outcomes.length ? failed[0]!.error!.category : 'partial',
        hint: 'The platforms not listed were stored; run the command again for the failed ones with --platform.',
      },
    );
  }
  return outcomes;
}

/**
 * The put of one version, watched for Ctrl-C (interrupted-puts.ts): an interrupt says what was
 * stored; and a put that repeats one interrupted after storing its version finishes that version
 * (lists it) instead of storing a second one.
 */
async function putOrFinish(
  pc: PutContext,
  content: PreparedContent,
  resolved: Descriptor | undefined,
): Promise<StoredVersion> {
  const { io } = pc.context;
  const subject = resolved ?? (await pc.opened.repository.resolve(pc.opened.target));
  const identity: PutIdentity = {
    location: pc.opened.repository.location,
    subject: subject.digest,
    type: pc.options.type,
    contentDigest: content.digest,
    mediaType: contentMediaType(content, pc.options.mediaType),
    author: pc.author,
    annotations: pc.options.annotations,
  };
  const interrupted = pc.signer === undefined ? findInterrupted(io.env, identity) : undefined;
  if (interrupted !== undefined) {
    const result = await finishStoredVersion({
      repository: pc.opened.repository,
      subject,
      manifest: Buffer.from(interrupted.manifest, 'base64'),
    });
    forgetInterrupted(io.env, interrupted.version);
    io.stderr.write(
      `note: finished the interrupted put of ${result.version} (stored ${result.created}); no second version was stored\n`,
    );
    return { result, signing: undefined };
  }
  const progress: PutProgress = {};
  const stop = watchInterrupts(io.env, identity, progress);
  try {
    return await putOne(pc, content, subject, false, progress);
  } finally {
    stop();
  }
}

export async function putCommand(
  options: PutCommandOptions,
  context: CommandContext,
): Promise<PutResult | PlatformPutOutcome[]> {
  const { io } = context;
  // Check everything local before the first request.
  validateTypeName(options.type);
  const spelling = checkTypeNameSpelling(options.type, strictTypes(options.strictTypes, io.env));
  if (spelling !== undefined) io.stderr.write(`warning: ${spelling}\n`);
  if (options.annotations) validateAnnotations(options.annotations);
  if (options.platform !== undefined && options.allPlatforms) {
    throw new ManifestoError('FLAGS_CONFLICT', '--platform and --all-platforms cannot be used together', {
      category: 'usage',
    });
  }
  if (options.filePerPlatform !== undefined && !options.allPlatforms) {
    throw new ManifestoError('FLAGS_CONFLICT', '--file-per-platform needs --all-platforms', {
      category: 'usage',
    });
  }
  if (options.sign === undefined && (options.cert ?? options.signFormat ?? options.expires) !== undefined) {
    throw new ManifestoError('FLAGS_CONFLICT', '--cert, --sign-format and --expires need --sign KEY', {
      category: 'usage',
    });
  }
  const sign = options.sign === undefined ? undefined : await import('./sign.ts');
  const support = options.sign === undefined ? undefined : await import('./signing-support.ts');
  const expiresIn =
    options.expires === undefined ? undefined : support?.parseDuration(options.expires, '--expires');
  const signer = await support?.signerFromFlags(options, io.env);
  const pc: PutContext = {
    options,
    context,
    opened: await context.openImage(options.image),
    maxSize: options.maxSize ?? setting(io.env, 'MANIFESTO_MAX_SIZE') ?? DEFAULT_MAX_CONTENT_BYTES,
    author: options.author ?? defaultAuthor(io.env),
    signer,
    sign,
    expiresIn,
  };
  if (options.allPlatforms) {
    const shared = options.filePerPlatform === undefined ? await prepare(options.file, pc) : undefined;
    try {
      if (shared !== undefined) validateContent(pc, shared);
      return await putAllPlatforms(pc, shared);
    } finally {
      await shared?.dispose();
    }
  }
  const content = await prepare(options.file, pc);
  try {
    validateContent(pc, content);
    let subject: Descriptor | undefined;
    let platform: Platform | undefined;
    if (options.platform !== undefined) {
      const target = await resolveTarget(pc.opened.repository, pc.opened.target, {
        platform: options.platform,
        image: pc.opened.display,
      });
      subject = target.subject;
      platform = target.platform;
      checkContentSubject(pc, content, {
        digest: subject.digest,
        indexDigest: target.index?.descriptor.digest,
        platform,
      });
    } else if (mayClaim(options.type, content)) {
      // Resolved here instead of in the put (same one request): the content is checked against it.
      subject = await pc.opened.repository.resolve(pc.opened.target);
      checkContentSubject(pc, content, { digest: subject.digest });
    }
    const { result, signing } = await putOrFinish(pc, content, subject);
    if (options.platform === undefined && isIndexMediaType(result.subject.mediaType)) {
      io.stderr.write(
        `note: ${pc.opened.display} is a multi-platform index: this ${result.type} applies to all its platforms ` +
          '(use --platform to store it for one)\n',
      );
    }
    const signed = await signing;
    if (context.json) {
      writeJson(io.stdout, {
        ...putJson(pc.opened.display, result, platform),
        ...signatureJson(signed),
      });
    } else {
      printResult(context, pc.opened.display, result, platform);
      if (signed !== undefined && sign !== undefined) writeLine(io.stdout, sign.signedLine(signed));
    }
    return result;
  } finally {
    await content.dispose();
  }
}
