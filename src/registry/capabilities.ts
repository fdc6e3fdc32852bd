/**
 * Does a repository's registry support the OCI referrers API? Decided by probing the endpoint, never by
 * the `OCI-Subject` header alone (go-containerregistry's registry supports the API but never sends it):
 *
 * - 200 whose body is an OCI image index (mediaType application/vnd.oci.image.index.v1+json): supported;
 * - 404 with the registry error NAME_UNKNOWN: the repository does not exist yet. That says nothing
 *   about the API, so nothing is cached;
 * - any other 404, 405, 400, 406, a redirect, or a 200 HTML page (a web front end answering every
 *   path): not supported (the referrers tag schema is used instead);
 * - a 200 that is neither an index nor HTML, or a page over 4 MiB: an error, nothing cached. Such a
 *   reply proves nothing, and taking it for "no API" would make manifesto read the `sha256-<hex>` tag,
 *   which any pusher can write, instead of the registry's own listing (one oversized listing, made by
 *   pushing referrers, would switch a whole registry to the tag schema for the cache's lifetime);
 * - 401/403, 429 and 5xx: errors, nothing cached.
 *
 * Once a registry is known to have the API (cached, or learned by this process), a reply saying
 * otherwise is an error (REFERRERS_API_INCONSISTENT), never a silent switch to the tag schema.
 *
 * Results are cached per registry + repository for the life of the process (and, when the cache has a
 * file, on disk for a while). A manifest PUT answered with `OCI-Subject` records support without a probe.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { integrityError, isManifestoError, ManifestoError } from '../errors/errors.ts';
import { OCI_INDEX } from '../oci/media-types.ts';
import { parseJsonObject } from '../util/json-record.ts';
import type { RegistryResponse } from './http/response.ts';
import { errorFromResponse, parseRegistryErrors, type ResponseContext } from './http/response-errors.ts';
import { mediaTypeOfHeader } from './manifest-info.ts';
import { type RegistryTarget, referrersPath, replyContext, targetKey, withQuery } from './registry-target.ts';
import { discardBody, readLimited } from './response-body.ts';

export type ReferrersCapability = 'api' | 'tag-schema';

/** Capability per registry + repository. */
export class ReferrersCapabilityCache {
  readonly #entries = new Map<string, ReferrersCapability>();
  readonly #persisted: PersistedCapabilities | undefined;
  readonly #probes = new Map<string, Promise<void>>();

  /**
   * With `file`, answers are also kept on disk for `ttlMs` (default 15 minutes), so that each new
   * process on a registry without the API does not pay a probe request. A registry that gains the
   * API is noticed once the entry expires.
   */
  constructor(options: { file?: string | undefined; ttlMs?: number | undefined; now?: () => number } = {}) {
    this.#persisted =
      options.file === undefined
        ? undefined
        : new PersistedCapabilities(options.file, options.ttlMs ?? 15 * 60_000, options.now ?? Date.now);
  }

  get(target: RegistryTarget): ReferrersCapability | undefined {
    const key = targetKey(target);
    const known = this.#entries.get(key);
    if (known !== undefined || this.#persisted === undefined) return known;
    // On disk, what one repository of a registry answered stands for its other repositories too:
    // the referrers API is a feature of the registry, and a new repository should not cost a probe.
    const stored = this.#persisted.get(key) ?? this.#persisted.get(registryKey(target));
    if (stored !== undefined) this.#entries.set(key, stored);
    return stored;
  }

  set(target: RegistryTarget, capability: ReferrersCapability): void {
    const key = targetKey(target);
    if (this.#entries.get(key) === capability) return;
    this.#entries.set(key, capability);
    this.#persisted?.set(key, capability);
    this.#persisted?.set(registryKey(target), capability);
  }

  /** Forgets the answer for the repository, and on disk the registry-wide one learnt with it. */
  delete(target: RegistryTarget): void {
    this.#entries.delete(targetKey(target));
    this.#persisted?.delete(targetKey(target));
    this.#persisted?.delete(registryKey(target));
  }

  /**
   * Runs `probe` (a request that answers the question) unless one is running for the same repository:
   * then waits for that one instead. Concurrent first requests of one process (the platforms of an
   * index, a bulk command's images) cost one probe, not one each.
   */
  async probeOnce(target: RegistryTarget, probe: () => Promise<void>): Promise<void> {
    const key = targetKey(target);
    const running = this.#probes.get(key);
    if (running !== undefined) return running;
    const started = probe().finally(() => this.#probes.delete(key));
    this.#probes.set(key, started);
    return started;
  }

  clear(): void {
    this.#entries.clear();
  }
}

function registryKey(target: RegistryTarget): string {
  return `${target.transport.registry} (any repository)`;
}

interface StoredCapability {
  capability: ReferrersCapability;
  /** When it was learned, ms since the epoch. */
  at: number;
}

/** A small JSON file of capabilities shared by processes; best effort (any I/O failure is a miss). */
class PersistedCapabilities {
  readonly #file: string;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(file: string, ttlMs: number, now: () => number) {
    this.#file = file;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  #read(): Record<string, StoredCapability> {
    try {
      const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as unknown;
      return typeof parsed === 'object' && parsed !== null
        ? (parsed as Record<string, StoredCapability>)
        : {};
    } catch {
      return {};
    }
  }

  #write(entries: Record<string, StoredCapability>): void {
    const temp = `${this.#file}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.#file), { recursive: true, mode: 0o700 });
      writeFileSync(temp, JSON.stringify(entries), { mode: 0o600 });
      renameSync(temp, this.#file);
    } catch {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The directory could not be made: no temporary file to remove.
      }
    }
  }

  get(key: string): ReferrersCapability | undefined {
    const entry = this.#read()[key];
    if (entry === undefined || (entry.capability !== 'api' && entry.capability !== 'tag-schema'))
      return undefined;
    const age = this.#now() - entry.at;
    return age >= 0 && age < this.#ttlMs ? entry.capability : undefined;
  }

  set(key: string, capability: ReferrersCapability): void {
    const now = this.#now();
    const entries = Object.fromEntries(
      Object.entries(this.#read()).filter(([, e]) => typeof e?.at === 'number' && now - e.at < this.#ttlMs),
    );
    entries[key] = { capability, at: now };
    this.#write(entries);
  }

  delete(key: string): void {
    const entries = this.#read();
    if (!(key in entries)) return;
    delete entries[key];
    this.#write(entries);
  }
}

/** The process-wide cache the registry repositories share unless given their own. */
export const processReferrersCapabilities = new ReferrersCapabilityCache();

/** Largest referrers page accepted (an index, like any manifest). */
export const MAX_REFERRERS_PAGE_BYTES = 4 * 1024 * 1024;

export type ReferrersReply =
  | {
      kind: 'index';
      body: Record<string, unknown>;
      /** The registry applied the artifactType filter (`OCI-Filters-Applied: artifactType`). */
      filtersApplied: boolean;
      res: RegistryResponse;
    }
  | { kind: 'unsupported'; status: number }
  | { kind: 'repository-missing' };

/** Classifies a reply of the referrers endpoint (reads the body). Throws on auth and server errors. */
export async function classifyReferrersReply(
  res: RegistryResponse,
  context: ResponseContext,
): Promise<ReferrersReply> {
  if (res.status === 401 || res.status === 403 || res.status === 429 || res.status >= 500) {
    throw await errorFromResponse(res, context);
  }
  if (res.status === 404) {
    let bytes: Uint8Array;
    try {
      bytes = await readLimited(res, 64 * 1024, 'referrers error reply');
    } catch {
      return { kind: 'unsupported', status: 404 };
    }
    const errors = parseRegistryErrors(bytes);
    return errors.some((e) => e.code === 'NAME_UNKNOWN')
      ? { kind: 'repository-missing' }
      : { kind: 'unsupported', status: 404 };
  }
  if (res.status !== 200) {
    await discardBody(res);
    return { kind: 'unsupported', status: res.status };
  }
  const contentType = mediaTypeOfHeader(res.headers.get('content-type'));
  if (contentType === 'text/html') {
    await discardBody(res);
    return { kind: 'unsupported', status: 200 };
  }
  let body: Record<string, unknown> | undefined;
  try {
    body = parseJsonObject(await readLimited(res, MAX_REFERRERS_PAGE_BYTES, 'referrers listing'));
  } catch (error) {
    if (isManifestoError(error) && error.code === 'CONTENT_TOO_LARGE') throw listingTooLarge(context);
    throw error;
  }
  const declared = typeof body?.mediaType === 'string' ? body.mediaType : undefined;
  const isIndex =
    body !== undefined &&
    Array.isArray(body.manifests) &&
    (declared === OCI_INDEX || (declared === undefined && contentType === OCI_INDEX));
  if (!isIndex || body === undefined) {
    throw integrityError(
      'REFERRERS_REPLY_INVALID',
      `${where(context)} answered the referrers listing with ${contentType ?? 'something'} that is not an OCI image index`,
      'Retry; if it persists, the registry (or a proxy in front of it) is misbehaving: report it to its operator.',
    );
  }
  const filters = (res.headers.get('oci-filters-applied') ?? '').split(',').map((f) => f.trim());
  return { kind: 'index', body, filtersApplied: filters.includes('artifactType'), res };
}

function where(context: ResponseContext): string {
  return `${context.registry ?? 'the registry'}/${context.repository ?? ''}`;
}

function listingTooLarge(context: ResponseContext) {
  return integrityError(
    'REFERRERS_LISTING_TOO_LARGE',
    `the referrers listing of ${where(context)} is larger than ${MAX_REFERRERS_PAGE_BYTES} bytes per page`,
    'The image has more referrers than manifesto reads; delete stale ones (manifesto prune, or the tool that attached them), or ask the registry operator to paginate referrers listings.',
  );
}

/** GETs the first referrers page (also the probe) for `subjectDigest`, optionally filtered. */
export async function requestReferrers(
  target: RegistryTarget,
  subjectDigest: string,
  artifactType: string | undefined,
): Promise<{ reply: ReferrersReply; url: string }> {
  let path = referrersPath(target, subjectDigest);
  if (artifactType !== undefined) path = withQuery(path, 'artifactType', artifactType);
  return requestReferrersUrl(target, path);
}

export async function requestReferrersUrl(
  target: RegistryTarget,
  path: string,
): Promise<{ reply: ReferrersReply; url: string }> {
  const res = await target.transport.request({
    method: 'GET',
    path,
    repository: target.repository,
    actions: ['pull'],
    headers: { Accept: OCI_INDEX },
    followRedirects: false,
    idempotent: true,
    requestClass: 'referrers',
  });
  const url = path.startsWith('http') ? path : `${target.transport.baseUrl.replace(/\/$/, '')}${path}`;
  const reply = await classifyReferrersReply(
    res,
    replyContext(target, 'list referrers', { kind: 'referrers' }),
  );
  return { reply, url };
}

/** Records what a referrers reply says about the API; returns the capability (undefined: repo missing). */
export function recordReferrersReply(
  cache: ReferrersCapabilityCache,
  target: RegistryTarget,
  reply: ReferrersReply,
): ReferrersCapability | undefined {
  if (reply.kind === 'repository-missing') return undefined;
  const capability: ReferrersCapability = reply.kind === 'index' ? 'api' : 'tag-schema';
  if (reply.kind === 'unsupported' && cache.get(target) === 'api') {
    // Not cached: the next process asks again rather than trusting either answer for 15 minutes.
    cache.delete(target);
    throw new ManifestoError(
      'REFERRERS_API_INCONSISTENT',
      `${target.transport.registry}/${target.repository} is known to have the OCI referrers API but answered a referrers listing with ${reply.status}`,
      {
        category: 'unavailable',
        hint: 'manifesto does not fall back to the sha256-<hex> tag on a registry with the referrers API (any pusher can write that tag); retry, or report the registry to its operator.',
      },
    );
  }
  cache.set(target, capability);
  return capability;
}

/**
 * The repository's capability: cached, else probed with a referrers request for `subjectDigest`.
 * A missing repository is reported as 'tag-schema' (uncached): writers then keep the tag schema index,
 * which is what a registry without the API needs, and harmless with one.
 */
export async function referrersCapability(
  cache: ReferrersCapabilityCache,
  target: RegistryTarget,
  subjectDigest: string,
): Promise<ReferrersCapability> {
  const cached = cache.get(target);
  if (cached !== undefined) return cached;
  let answer: ReferrersCapability | undefined;
  await cache.probeOnce(target, async () => {
    const { reply } = await requestReferrers(target, subjectDigest, undefined);
    answer = recordReferrersReply(cache, target, reply);
  });
  return answer ?? cache.get(target) ?? 'tag-schema';
}

/** A first referrers request that also answered whether the registry has the API. */
export interface ReferrersProbe {
  reply: ReferrersReply;
  url: string;
  /** What the reply says (undefined: the repository does not exist yet). */
  capability: ReferrersCapability | undefined;
}

/**
 * When the capability of the target is unknown, asks for the referrers of `subjectDigest` to learn it
 * (or waits for the same question asked meanwhile for another subject of the repository); returns the
 * reply when this call asked.
 */
export async function probeReferrers(
  cache: ReferrersCapabilityCache,
  target: RegistryTarget,
  subjectDigest: string,
  artifactType: string | undefined,
): Promise<ReferrersProbe | undefined> {
  if (cache.get(target) !== undefined) return undefined;
  let probe: ReferrersProbe | undefined;
  await cache.probeOnce(target, async () => {
    const { reply, url } = await requestReferrers(target, subjectDigest, artifactType);
    probe = { reply, url, capability: recordReferrersReply(cache, target, reply) };
  });
  return probe;
}
