/**
 * The library front end: the same operations as the CLI, typed, on image references.
 *
 *   import { createClient } from 'manifesto';
 *   const client = createClient();
 *   await client.put('registry.example.com/team/app:v1.1', 'seccomp', { file: './seccomp.json' });
 *   const { bytes } = await client.get('registry.example.com/team/app:v1.1', 'seccomp');
 */
import type { FetchedManifest } from '../content/repository.ts';
import { usageError } from '../errors/errors.ts';
import { platformsFailedError, putAllPlatforms } from '../metadata/all-platforms-put.ts';
import { checkBulkPutItem } from '../metadata/bulk/lines.ts';
import { listMany } from '../metadata/bulk/list-many.ts';
import { putMany } from '../metadata/bulk/put-many.ts';
import { createBulkRun } from '../metadata/bulk/run.ts';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  type PreparedContent,
  prepareFile,
  prepareStream,
} from '../metadata/content-source.ts';
import { copyImage } from '../metadata/copy/copy-image.ts';
import { destinationNaming } from '../metadata/copy/copy-target.ts';
import { readForeignDocument } from '../metadata/foreign-content.ts';
import { type GetResult, getMetadata, selectVersion } from '../metadata/get.ts';
import { readListing, summariseTypes } from '../metadata/listing.ts';
import { getPlatformMetadata, selectPlatformVersion } from '../metadata/platform-get.ts';
import { putPlatformMetadata } from '../metadata/platform-put.ts';
import { deleteMetadata, pruneMetadata } from '../metadata/remove.ts';
import { resolveTarget } from '../metadata/target.ts';
import { parseReference } from '../oci/reference.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { createImageOpener, type OpenedImage } from '../open/open-image.ts';
import { compilePolicyCel } from '../policy/gate/gate.ts';
import { checkAndRecord } from '../policy/gate/record-decision.ts';
import { loadSigner, signStoredVersion, type VersionSigner } from '../policy/trust/signer.ts';
import { TrustedState } from '../policy/trust/trusted-state.ts';
import { readVerified } from '../policy/trust/verified-read.ts';
import { verifiedHistory, verifiedListing } from '../policy/trust/verified-views.ts';
import { verifyImage } from '../policy/trust/verify-image.ts';
import type {
  AllPlatformsPutInput,
  ImageInput,
  ManifestoClient,
  PutInput,
  SignInput,
  VerifyInput,
} from './client-types.ts';

export type * from './client-types.ts';

const DEFAULT_GET_MAX_BYTES = 64 * 1024 * 1024;

async function prepare(input: PutInput): Promise<PreparedContent> {
  const max = input.maxSize ?? DEFAULT_MAX_CONTENT_BYTES;
  const given = [input.file, input.content, input.stream].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw usageError('CONTENT_SOURCE_INVALID', 'put needs exactly one of file, content or stream');
  }
  if (input.file !== undefined) return prepareFile(input.file, max);
  if (input.content !== undefined) {
    const bytes = typeof input.content === 'string' ? new TextEncoder().encode(input.content) : input.content;
    return prepareStream([bytes], max, 'content');
  }
  return prepareStream(input.stream!, max, 'stream');
}

function signerOf(input: SignInput): Promise<VersionSigner> {
  return 'signer' in input ? Promise.resolve(input) : loadSigner(input);
}

export function createClient(options: ClientOptions & { now?: () => Date } = {}): ManifestoClient {
  const openImage = createImageOpener(options);
  const env = options.env ?? process.env;
  const trustedStateOf = (input: VerifyInput) => input.trustedState ?? new TrustedState(env);
  const verifyBase = async (image: ImageInput, input: VerifyInput) => {
    const opened = await openImage(image);
    return {
      opened,
      base: {
        repository: opened.repository,
        reference: opened.target,
        image: opened.display,
        platform: input.platform,
        policy: input.trustPolicy,
        now: options.now?.(),
      },
    };
  };
  const bytesOf = async (
    opened: OpenedImage,
    result: GetResult & { document?: Uint8Array | undefined },
    maxBytes: number | undefined,
  ): Promise<Uint8Array> => {
    if (result.document !== undefined) return result.document;
    return opened.repository.fetchBlobBytes(result.content, maxBytes ?? DEFAULT_GET_MAX_BYTES);
  };

  /** A bulk run and an image opener to match: its waits release work slots; a connection per slot. */
  const bulkRunner = (concurrency: number | undefined) => {
    const run = createBulkRun(concurrency, options.tagSchemaClock);
    const open = createImageOpener({
      ...options,
      maxConnections: Math.max(options.maxConnections ?? 8, run.concurrency),
      tagSchemaClock: run.waitClock,
    });
    return { run, openImage: (image: string) => open(image) };
  };

  async function put(image: ImageInput, type: string, input: PutInput | AllPlatformsPutInput) {
    // Everything local first: the key, then the content, before the first request.
    const signer = input.sign === undefined ? undefined : await signerOf(input.sign);
    const content = await prepare(input);
    try {
      const opened = await openImage(image);
      const base = {
        repository: opened.repository,
        reference: opened.target,
        image: opened.display,
        type,
        mediaType: input.mediaType,
        author: input.author,
        annotations: input.annotations,
        now: options.now,
        validate: input.validate,
        strictContent: input.strictContent,
        onWarning: input.onWarning,
        sign:
          signer === undefined
            ? undefined
            : (version: FetchedManifest) =>
                signStoredVersion(opened.repository, version, signer, {
                  expiresIn: input.signatureExpiresIn,
                  now: options.now,
                }),
      };
      if ('allPlatforms' in input && input.allPlatforms) {
        const result = await putAllPlatforms({ ...base, content });
        return { ...result, error: platformsFailedError(result.outcomes) };
      }
      const { result, platform, signed } = await putPlatformMetadata({
        ...base,
        content,
        platform: (input as PutInput).platform,
      });
      return { ...result, platform, signature: signed };
    } finally {
      await content.dispose();
    }
  }

  return {
    open: (image) => openImage(image),
    put: put as ManifestoClient['put'],
    async putMany(items, manyOptions = {}) {
      const bulkItems = items.map((item, i) => checkBulkPutItem({ ...item, line: i + 1 }));
      return putMany({
        items: bulkItems,
        ...bulkRunner(manyOptions.concurrency),
        maxSize: manyOptions.maxSize,
        validate: manyOptions.validate,
        author: manyOptions.author,
        now: options.now,
        onOutcome:
          manyOptions.onOutcome === undefined
            ? undefined
            : (item, outcome) => manyOptions.onOutcome?.(items[item.line - 1]!, outcome),
      });
    },
    async listMany(images, manyOptions = {}) {
      const items = images.map((image, i) => {
        parseReference(image);
        return { line: i + 1, image };
      });
      return listMany({ items, ...bulkRunner(manyOptions.concurrency) });
    },
    async get(image, type, getOptions = {}) {
      const opened = await openImage(image);
      if (getOptions.platform !== undefined) {
        // get --platform: the platform's own version, else the index's (unless inherit is false).
        const result = await getPlatformMetadata({
          repository: opened.repository,
          reference: opened.target,
          type,
          version: getOptions.version,
          platform: getOptions.platform,
          inherit: getOptions.inherit,
          image: opened.display,
        });
        return { ...result, bytes: await bytesOf(opened, result, getOptions.maxBytes) };
      }
      const result = await getMetadata({
        repository: opened.repository,
        reference: opened.target,
        type,
        version: getOptions.version,
        image: opened.display,
      });
      if (result.version.foreign !== undefined) {
        // Another tool's attestation: the document inside it, as the CLI's get prints it.
        const document = await readForeignDocument(opened.repository, result.version);
        return { ...result, content: document.descriptor, bytes: document.bytes };
      }
      return { ...result, bytes: await bytesOf(opened, result, getOptions.maxBytes) };
    },
    async getVerified(image, type, input) {
      const { opened, base } = await verifyBase(image, input);
      const result = await readVerified({
        ...base,
        type,
        version: input.version,
        trusted: trustedStateOf(input),
        acceptRollback: input.acceptRollback,
        onWarning: input.onWarning,
      });
      return { ...result, bytes: await bytesOf(opened, result, input.maxBytes) };
    },
    async list(image, listOptions = {}) {
      const opened = await openImage(image);
      const subject =
        listOptions.platform === undefined
          ? await opened.repository.resolve(opened.target)
          : (
              await resolveTarget(opened.repository, opened.target, {
                platform: listOptions.platform,
                image: opened.display,
              })
            ).subject;
      return { subject, types: summariseTypes(await readListing(opened.repository, subject)) };
    },
    async listVerified(image, input) {
      const { base } = await verifyBase(image, input);
      return verifiedListing(base);
    },
    async history(image, type, historyOptions = {}) {
      const opened = await openImage(image);
      const query = { repository: opened.repository, reference: opened.target, type, image: opened.display };
      const selected =
        historyOptions.platform === undefined
          ? await selectVersion(query)
          : await selectPlatformVersion({ ...query, platform: historyOptions.platform, inherit: false });
      return selected.versions;
    },
    async historyVerified(image, type, input) {
      const { base } = await verifyBase(image, input);
      return verifiedHistory({
        ...base,
        type,
        trusted: trustedStateOf(input),
        acceptRollback: input.acceptRollback,
        onWarning: input.onWarning,
      });
    },
    async verify(image, input) {
      const { base } = await verifyBase(image, input);
      return verifyImage({
        ...base,
        type: input.type,
        trusted: trustedStateOf(input),
        acceptRollback: input.acceptRollback,
        onWarning: input.onWarning,
      });
    },
    async sign(image, type, input) {
      const signer = await signerOf(input.sign);
      const opened = await openImage(image);
      const selected = await selectPlatformVersion({
        repository: opened.repository,
        reference: opened.target,
        type,
        version: input.version,
        platform: input.platform,
        inherit: false,
        image: opened.display,
      });
      return signStoredVersion(opened.repository, selected.version.digest, signer, {
        expiresIn: input.expiresIn,
        now: options.now,
      });
    },
    async delete(image, type, deleteOptions = {}) {
      const opened = await openImage(image);
      return deleteMetadata({
        repository: opened.repository,
        reference: opened.target,
        type,
        version: deleteOptions.version,
        all: deleteOptions.all,
        image: opened.display,
      });
    },
    async prune(image, pruneOptions) {
      const opened = await openImage(image);
      return pruneMetadata({
        repository: opened.repository,
        reference: opened.target,
        type: pruneOptions.type,
        keep: pruneOptions.keep,
        dryRun: pruneOptions.dryRun,
      });
    },
    async check(image, policy, checkOptions = {}) {
      const cel = await compilePolicyCel(policy, checkOptions.policyFile ?? policy.name ?? 'the policy');
      const recordInput = checkOptions.record === true ? {} : checkOptions.record || undefined;
      const signer = recordInput?.sign === undefined ? undefined : await signerOf(recordInput.sign);
      const opened = await openImage(image);
      const { decision, record, recorded, signed } = await checkAndRecord({
        repository: opened.repository,
        reference: opened.target,
        image: opened.display,
        policy,
        policyFile: checkOptions.policyFile,
        cel,
        platform: checkOptions.platform,
        allPlatforms: checkOptions.allPlatforms,
        verifier: checkOptions.verifier,
        now: options.now?.(),
        record:
          recordInput === undefined
            ? undefined
            : {
                author: recordInput.author,
                sign:
                  signer === undefined
                    ? undefined
                    : (version) =>
                        signStoredVersion(opened.repository, version, signer, { now: options.now }),
              },
      });
      return { ...decision, record, recorded, signature: signed };
    },
    async copy(source, destination, copyOptions = {}) {
      const from = await openImage(source);
      const to = await openImage(destination, {
        createLayout: copyOptions.dryRun !== true,
        keepDefaultTag: true,
      });
      const naming = destinationNaming(destination, to.reference, from.target);
      return copyImage(from.repository, from.target, { repository: to.repository, ...naming }, copyOptions);
    },
  };
}
