/**
 * `put` with the multi-platform rules, the mirror of platform-get.ts: one version for the image the
 * reference names (or, with a platform, for that platform's manifest of an index); one version per
 * platform of an index is all-platforms-put.ts, on the steps exported here. Every front end (the CLI,
 * the library, a server) stores through these functions, so they check content the same way and make
 * the same requests.
 *
 * What the caller decides is passed in, never read from the environment: whether to validate, whether
 * content about another image is refused or only warned about (warnings go to `onWarning`), how to
 * sign a stored version (`sign`: called as soon as the version manifest is stored, so that the
 * signature's index update overlaps the version's on registries without the referrers API), and how
 * to remember a put interrupted after storing its version (`journal`).
 */
import type { FetchedManifest, Repository } from '../content/repository.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import type { PreparedContent } from './content-source.ts';
import { contentContradictions, contentMismatchError, mayClaim, type StoredFor } from './content-subject.ts';
import { checkKindContent, type KindCheck } from './kind-check.ts';
import { contentMediaType, finishStoredVersion, type PutResult, putMetadata } from './put.ts';
import { resolveTarget } from './target.ts';

/** Something a put noticed that does not stop it. `what` names the file or platform, when several. */
export type PutWarning =
  | { kind: 'not-validated'; what: string | undefined; type: string; reason: string }
  | { kind: 'content-mismatch'; what: string | undefined; problem: string };

/** What identifies "the same put" (to finish an interrupted one instead of storing a second version). */
export interface PutIdentity {
  location: string;
  subject: string;
  type: string;
  contentDigest: string;
  mediaType: string;
  author: string | undefined;
  annotations: Record<string, string> | undefined;
}

/** Set while a put runs: the version manifest once it is stored (not yet listed). */
export interface PutProgress {
  stored?: { version: string; manifest: Uint8Array } | undefined;
}

/** Where a front end remembers puts interrupted between storing and listing their version. */
export interface PutJournal {
  /** The stored manifest bytes of an earlier, interrupted put of this identity, if any. */
  interrupted(identity: PutIdentity): Uint8Array | undefined;
  /** The earlier put of `identity` has been finished as `result`. */
  finished(identity: PutIdentity, result: PutResult): void;
  /** Watches this put until the returned function is called. */
  watch(identity: PutIdentity, progress: PutProgress): () => void;
}

export interface PlatformPutBase<S> {
  repository: Repository;
  /** Tag or digest of the image in the repository. */
  reference: string;
  /** The image as the user named it (error messages). */
  image: string;
  type: string;
  mediaType?: string | undefined;
  author?: string | undefined;
  annotations?: Record<string, string> | undefined;
  now?: (() => Date) | undefined;
  /** Validate content of a well-known kind before any request (default true). */
  validate?: boolean | undefined;
  /** Refuse content about another image or platform (CONTENT_MISMATCH) instead of warning. */
  strictContent?: boolean | undefined;
  onWarning?: ((warning: PutWarning) => void) | undefined;
  /** Signs a stored version (e.g. policy/trust/sign-on-put.ts); its result is returned as `signed`. */
  sign?: ((version: FetchedManifest) => Promise<S>) | undefined;
}

export interface PlatformPutOptions<S> extends PlatformPutBase<S> {
  content: PreparedContent;
  /** Store for this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Finishes an interrupted put of the same content (not used when signing). */
  journal?: PutJournal | undefined;
}

export interface PlatformPutResult<S> {
  result: PutResult;
  /** The platform the version was stored for, when one was asked for. */
  platform: Platform | undefined;
  signed: S | undefined;
  /** The put finished an interrupted put instead of storing a new version. */
  finishedInterrupted: boolean;
}

/**
 * Validates content stored under a well-known kind (docs/kinds.md) before any request; warns when
 * it is not validated (larger than the 16 MiB parse limit), unless validation is off.
 */
export function validateContent<S>(
  options: PlatformPutBase<S>,
  content: PreparedContent,
  what?: string,
): KindCheck {
  const validate = options.validate !== false;
  const mediaType = contentMediaType(content, options.mediaType);
  const check = checkKindContent(options.type, content, mediaType, { validate });
  if (check.outcome === 'skipped' && validate)
    options.onWarning?.({ kind: 'not-validated', what, type: options.type, reason: check.reason });
  return check;
}

/** Content about another image or platform than the one it is stored for: a warning, or refused. */
export function checkContentSubject<S>(
  options: PlatformPutBase<S>,
  content: PreparedContent,
  storedFor: StoredFor,
  what?: string,
): void {
  const problems = contentContradictions(options.type, content, storedFor);
  if (problems.length === 0) return;
  if (options.strictContent === true) throw contentMismatchError(problems);
  for (const problem of problems) options.onWarning?.({ kind: 'content-mismatch', what, problem });
}

/**
 * Stores the version; with `sign`, signs it as soon as the version manifest is stored, while the
 * version is being listed. A failed put waits for the signing it started before it throws.
 */
export async function storeVersion<S>(
  options: PlatformPutBase<S>,
  content: PreparedContent,
  subject: Descriptor | undefined,
  blobsPushed: boolean,
  progress?: PutProgress,
): Promise<{ result: PutResult; signing: Promise<S> | undefined }> {
  let signing: Promise<S> | undefined;
  const onStored = (version: FetchedManifest) => {
    if (progress !== undefined)
      progress.stored = { version: version.descriptor.digest, manifest: version.bytes };
    if (options.sign === undefined) return;
    signing = options.sign(version);
    // Awaited by the caller (or below, when the put fails): never an unhandled rejection.
    signing.catch(() => undefined);
  };
  try {
    const result = await putMetadata({
      repository: options.repository,
      reference: options.reference,
      type: options.type,
      content,
      mediaType: options.mediaType,
      author: options.author,
      annotations: options.annotations,
      now: options.now,
      subject,
      blobsPushed,
      // Validated by validateContent before anything was written.
      validate: false,
      onStored,
    });
    return { result, signing };
  } catch (error) {
    if (signing !== undefined) await signing.catch(() => undefined);
    throw error;
  }
}

/**
 * One version for the image (or one platform of it). Content is validated and checked against the
 * image it is stored for before the version is written; a put that repeats one interrupted after
 * storing its version finishes that version (lists it) instead of storing a second one.
 */
export async function putPlatformMetadata<S = never>(
  options: PlatformPutOptions<S>,
): Promise<PlatformPutResult<S>> {
  const { repository, content } = options;
  const kindCheck = validateContent(options, content);
  let subject: Descriptor | undefined;
  let platform: Platform | undefined;
  if (options.platform !== undefined) {
    const target = await resolveTarget(repository, options.reference, {
      platform: options.platform,
      image: options.image,
    });
    subject = target.subject;
    platform = target.platform;
    checkContentSubject(options, content, {
      digest: subject.digest,
      indexDigest: target.index?.descriptor.digest,
      platform,
    });
  } else if (mayClaim(options.type, content)) {
    // Resolved here instead of in the put (same one request): the content is checked against it.
    subject = await repository.resolve(options.reference);
    checkContentSubject(options, content, { digest: subject.digest });
  }
  const { journal } = options;
  if (journal === undefined) {
    const { result, signing } = await storeVersion(options, content, subject, false);
    return { result: { ...result, kindCheck }, platform, signed: await signing, finishedInterrupted: false };
  }
  subject ??= await repository.resolve(options.reference);
  const identity: PutIdentity = {
    location: repository.location,
    subject: subject.digest,
    type: options.type,
    contentDigest: content.digest,
    mediaType: contentMediaType(content, options.mediaType),
    author: options.author,
    annotations: options.annotations,
  };
  const interrupted = options.sign === undefined ? journal.interrupted(identity) : undefined;
  if (interrupted !== undefined) {
    const result = await finishStoredVersion({ repository, subject, manifest: interrupted });
    journal.finished(identity, result);
    return { result, platform, signed: undefined, finishedInterrupted: true };
  }
  const progress: PutProgress = {};
  const stop = journal.watch(identity, progress);
  try {
    const { result, signing } = await storeVersion(options, content, subject, false, progress);
    return { result: { ...result, kindCheck }, platform, signed: await signing, finishedInterrupted: false };
  } finally {
    stop();
  }
}
