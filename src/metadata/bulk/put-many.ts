/**
 * Put many: the versions of a `put --from` file (lines.ts), scheduled by a bulk run (run.ts). Each
 * file is read and hashed once per run (prepared-files.ts), each (type, media type, content) validated
 * once, and each content blob (with the empty config) uploaded once per repository and digest: many
 * puts of the same file cost only their manifest requests. Concurrent changes to one image's
 * referrers index are coalesced into shared writes by the backend (registry/referrers-index-queue.ts).
 * Every item's outcome is its own: a failed item does not stop the others.
 */
import { internalError, type ManifestoError } from '../../errors/errors.ts';
import { checkKindContent } from '../kind-check.ts';
import { contentMediaType, type PutResult, pushVersionBlobs, putMetadata } from '../put.ts';
import { resolveTarget } from '../target.ts';
import type { BulkPutItem } from './lines.ts';
import { createPreparedFiles } from './prepared-files.ts';
import type { BulkImageOpener, BulkRun } from './run.ts';

export type BulkItemOutcome<R> = { ok: true; value: R } | { ok: false; error: ManifestoError };

export interface PutManyOptions {
  items: readonly BulkPutItem[];
  run: BulkRun;
  /** Opens an item's image (made with `run.waitClock` as the backend's clock). */
  openImage: BulkImageOpener;
  /** Refuse files larger than this. */
  maxSize?: number | undefined;
  /** Validate content of well-known kinds (default true). */
  validate?: boolean | undefined;
  /** The author of items that name none. */
  author?: string | undefined;
  now?: (() => Date) | undefined;
  /** Called as each item finishes, in the order they finish. */
  onOutcome?: ((item: BulkPutItem, outcome: BulkItemOutcome<PutResult>) => void) | undefined;
}

/** Uploads of each (repository, content digest), shared by the items that store that content there. */
function sharedUploads() {
  const uploads = new Map<string, Promise<void>>();
  return async (key: string, upload: () => Promise<void>): Promise<void> => {
    const shared = uploads.get(key);
    // Another item's failed upload is its own failure: this item then uploads itself.
    const done =
      shared === undefined
        ? false
        : await shared.then(
            () => true,
            () => false,
          );
    if (done) return;
    const mine = upload();
    uploads.set(key, mine);
    mine.catch(() => {
      if (uploads.get(key) === mine) uploads.delete(key);
    });
    await mine;
  };
}

/** Stores every item's version; returns each item's outcome, in item order. */
export async function putMany(options: PutManyOptions): Promise<BulkItemOutcome<PutResult>[]> {
  const { items, openImage } = options;
  const files = createPreparedFiles(options.maxSize);
  const checked = new Set<string>();
  const upload = sharedUploads();
  const outcomes = new Map<BulkPutItem, BulkItemOutcome<PutResult>>();
  const putOne = async (item: BulkPutItem): Promise<PutResult> => {
    const opened = await openImage(item.image);
    const content = await files.get(item.file);
    const mediaType = contentMediaType(content, item.mediaType);
    const checkKey = `${item.type}\n${mediaType}\n${content.digest}`;
    if (!checked.has(checkKey)) {
      checkKindContent(item.type, content, mediaType, { validate: options.validate !== false });
      checked.add(checkKey);
    }
    await upload(`${opened.repository.location}\n${mediaType}\n${content.digest}`, () =>
      pushVersionBlobs(opened.repository, content, mediaType, { emptyConfig: true }),
    );
    const subject =
      item.platform === undefined
        ? undefined
        : (
            await resolveTarget(opened.repository, opened.target, {
              platform: item.platform,
              image: opened.display,
            })
          ).subject;
    return putMetadata({
      repository: opened.repository,
      reference: opened.target,
      type: item.type,
      content,
      mediaType: item.mediaType,
      author: item.author ?? options.author,
      annotations: item.annotations,
      now: options.now,
      subject,
      blobsPushed: true,
      validate: false,
    });
  };
  try {
    await options.run.runAll(
      items,
      // One type's versions of one image form a chain (each supersedes the one before): in file order.
      // Other types of the same image run alongside; their index changes share writes.
      (item) => JSON.stringify([item.image, item.platform ?? null, item.type]),
      async (item) => {
        let outcome: BulkItemOutcome<PutResult>;
        try {
          outcome = { ok: true, value: await putOne(item) };
        } catch (error) {
          outcome = { ok: false, error: internalError(error) };
        }
        outcomes.set(item, outcome);
        options.onOutcome?.(item, outcome);
      },
    );
  } finally {
    await files.dispose();
  }
  return items.map((item) => outcomes.get(item)!);
}
