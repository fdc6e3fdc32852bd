/**
 * The library front end: the same operations as the CLI, typed, on image references.
 *
 *   import { createClient } from 'manifesto';
 *   const client = createClient();
 *   await client.put('registry.example.com/team/app:v1.1', 'seccomp', { file: './seccomp.json' });
 *   const { bytes } = await client.get('registry.example.com/team/app:v1.1', 'seccomp');
 */
import { usageError } from '../errors/errors.ts';
import {
  DEFAULT_MAX_CONTENT_BYTES,
  type PreparedContent,
  prepareFile,
  prepareStream,
} from '../metadata/content-source.ts';
import { readForeignDocument } from '../metadata/foreign-content.ts';
import { type GetResult, getMetadata, selectVersion } from '../metadata/get.ts';
import { readListing, summariseTypes, type TypeSummary } from '../metadata/listing.ts';
import { type PutResult, putMetadata } from '../metadata/put.ts';
import { deleteMetadata, pruneMetadata, type RemovalResult } from '../metadata/remove.ts';
import type { MetadataVersion } from '../metadata/version.ts';
import type { Descriptor, Platform } from '../oci/descriptor.ts';
import type { ImageReference } from '../oci/reference-types.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { createImageOpener, type OpenedImage } from '../open/open-image.ts';
import { type CheckDecision, checkImage, compilePolicyCel } from '../policy/gate/gate.ts';
import type { GatePolicy } from '../policy/gate/gate-policy.ts';
import type { SignatureVerifier } from '../policy/trust/verifier.ts';

export type ImageInput = string | ImageReference;

export interface PutInput {
  /** Read the content from this file... */
  file?: string | undefined;
  /** ...or use these bytes / this text... */
  content?: Uint8Array | string | undefined;
  /** ...or read this stream to its end. */
  stream?: AsyncIterable<Uint8Array | string> | undefined;
  mediaType?: string | undefined;
  author?: string | undefined;
  annotations?: Record<string, string> | undefined;
  maxSize?: number | undefined;
  /** Validate content of a well-known kind before writing (default true; docs/kinds.md). */
  validate?: boolean | undefined;
}

export interface GetOptions {
  version?: string | undefined;
  /** Refuse content larger than this (default 64 MiB); use `open` + stream for larger content. */
  maxBytes?: number | undefined;
}

export interface GetContentResult extends GetResult {
  bytes: Uint8Array;
}

export interface CheckInput {
  /** Only this platform of a multi-platform image. */
  platform?: Platform | undefined;
  /** Require a multi-platform image. */
  allPlatforms?: boolean | undefined;
  /**
   * For signedBy rules, e.g. `trustPolicyVerifier(await loadTrustPolicy(file, process.env))`;
   * without one every signedBy rule denies (fail closed).
   */
  verifier?: SignatureVerifier | undefined;
}

export interface ListResult {
  subject: Descriptor;
  types: TypeSummary[];
}

export interface ManifestoClient {
  /** Opens the repository of an image (for streaming `repository.fetchBlob(result.content)`). */
  open(image: ImageInput): Promise<OpenedImage>;
  put(image: ImageInput, type: string, input: PutInput): Promise<PutResult>;
  get(image: ImageInput, type: string, options?: GetOptions): Promise<GetContentResult>;
  list(image: ImageInput): Promise<ListResult>;
  history(image: ImageInput, type: string): Promise<MetadataVersion[]>;
  delete(
    image: ImageInput,
    type: string,
    options?: { version?: string; all?: boolean },
  ): Promise<RemovalResult>;
  prune(
    image: ImageInput,
    options: { keep: number; type?: string; dryRun?: boolean },
  ): Promise<RemovalResult>;
  /** The deployment gate (docs/policy.md) for a policy from `parseGatePolicy`; records nothing. */
  check(image: ImageInput, policy: GatePolicy, options?: CheckInput): Promise<CheckDecision>;
}

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

export function createClient(options: ClientOptions & { now?: () => Date } = {}): ManifestoClient {
  const openImage = createImageOpener(options);
  return {
    open: (image) => openImage(image),
    async put(image, type, input) {
      const opened = await openImage(image);
      const content = await prepare(input);
      try {
        return await putMetadata({
          repository: opened.repository,
          reference: opened.target,
          type,
          content,
          mediaType: input.mediaType,
          author: input.author,
          annotations: input.annotations,
          now: options.now,
          validate: input.validate,
        });
      } finally {
        await content.dispose();
      }
    },
    async get(image, type, getOptions = {}) {
      const opened = await openImage(image);
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
      const bytes = await opened.repository.fetchBlobBytes(
        result.content,
        getOptions.maxBytes ?? DEFAULT_GET_MAX_BYTES,
      );
      return { ...result, bytes };
    },
    async list(image) {
      const opened = await openImage(image);
      const subject = await opened.repository.resolve(opened.target);
      return { subject, types: summariseTypes(await readListing(opened.repository, subject)) };
    },
    async history(image, type) {
      const opened = await openImage(image);
      const selected = await selectVersion({
        repository: opened.repository,
        reference: opened.target,
        type,
        image: opened.display,
      });
      return selected.versions;
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
      const cel = await compilePolicyCel(policy, policy.name ?? 'the policy');
      const opened = await openImage(image);
      return checkImage(
        {
          repository: opened.repository,
          reference: opened.target,
          image: opened.display,
          policy,
          platform: checkOptions.platform,
          allPlatforms: checkOptions.allPlatforms,
          verifier: checkOptions.verifier,
          now: options.now?.(),
        },
        cel,
      );
    },
  };
}
