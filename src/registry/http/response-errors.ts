/**
 * Turning a registry's error reply (status + `{"errors":[{"code","message","detail"}]}`) into a
 * ManifestoError with a stable code, a category and a hint, keeping the status and the error list.
 */
import { isRegistryErrorCode, type RegistryErrorCode } from '../../errors/catalogue.ts';
import { type CategoryOf, ManifestoError, type RegistryErrorDetail } from '../../errors/errors.ts';
import type { RegistryResponse } from './response.ts';
import type { ScopeAction } from './types.ts';

/** What the failed request was about; used to word the message and hint. */
export interface ResponseContext {
  /** What was being done, e.g. `fetch manifest`, `push blob`, `delete manifest`. */
  operation: string;
  repository?: string | undefined;
  /** Tag or digest of a manifest. */
  reference?: string | undefined;
  /** Digest of a blob. */
  digest?: string | undefined;
  /** Actions the request needed (worded in the hint of a 403). */
  actions?: readonly ScopeAction[] | undefined;
  /** What kind of object a bare 404 (no error body, e.g. HEAD) is about. */
  kind?: 'manifest' | 'blob' | 'upload' | 'repository' | 'tags' | 'referrers' | undefined;
  /** Registry host for messages when the response has no URL (defaults to the response URL's host). */
  registry?: string | undefined;
}

/** Error bodies are small; never read more than this. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Reads at most `maxBytes` of a body, then cancels the rest. */
export async function readCapped(
  response: RegistryResponse,
  maxBytes = MAX_ERROR_BODY_BYTES,
): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    // Leaving the loop early (at maxBytes) cancels the rest of the body.
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= maxBytes) break;
    }
  } catch {
    // a body that breaks off mid-way still tells us the status; keep what arrived
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, bytes.byteLength - offset);
    bytes.set(chunk.subarray(0, take), offset);
    offset += take;
    if (offset >= bytes.byteLength) break;
  }
  return bytes;
}

/** Releases a response that will not be used (small bodies are drained so the connection is reused). */
export async function discardResponse(response: RegistryResponse): Promise<void> {
  if (response.body === null || response.bodyUsed) return;
  await readCapped(response).catch(() => undefined);
}

/** Parses an OCI error body; [] when it is not one. */
export function parseRegistryErrors(bytes: Uint8Array): RegistryErrorDetail[] {
  if (bytes.byteLength === 0) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const list = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(list)) return [];
  const errors: RegistryErrorDetail[] = [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as Record<string, unknown>;
    if (typeof record.code !== 'string') continue;
    const detail: RegistryErrorDetail = { code: record.code.toUpperCase() };
    if (typeof record.message === 'string') detail.message = record.message;
    if (record.detail !== undefined) detail.detail = record.detail;
    errors.push(detail);
  }
  return errors;
}

/** The category of each code of the distribution spec, as a registry uses it (one the catalogue allows). */
const REGISTRY_CODE_CATEGORIES: { readonly [C in RegistryErrorCode]: CategoryOf<C> } = {
  BLOB_UNKNOWN: 'not-found',
  BLOB_UPLOAD_UNKNOWN: 'not-found',
  MANIFEST_UNKNOWN: 'not-found',
  MANIFEST_BLOB_UNKNOWN: 'not-found',
  NAME_UNKNOWN: 'not-found',
  BLOB_UPLOAD_INVALID: 'conflict',
  RANGE_INVALID: 'conflict',
  DIGEST_INVALID: 'integrity',
  SIZE_INVALID: 'integrity',
  MANIFEST_UNVERIFIED: 'integrity',
  MANIFEST_INVALID: 'usage',
  NAME_INVALID: 'usage',
  TAG_INVALID: 'usage',
  PAGINATION_NUMBER_INVALID: 'usage',
  UNAUTHORIZED: 'auth',
  DENIED: 'auth',
  UNSUPPORTED: 'unsupported',
  TOOMANYREQUESTS: 'unavailable',
};

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function hostOf(response: RegistryResponse, what: ResponseContext): string {
  if (what.registry !== undefined) return what.registry;
  try {
    return new URL(response.url).host;
  } catch {
    return 'registry';
  }
}

function isDigestLike(reference: string): boolean {
  return /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(reference);
}

function notFoundMessage(code: string, what: ResponseContext, host: string): string {
  const repo = what.repository ?? 'the repository';
  switch (code) {
    case 'NAME_UNKNOWN':
      return `repository ${repo} not found on ${host}`;
    case 'MANIFEST_UNKNOWN': {
      const ref = what.reference ?? what.digest;
      if (ref === undefined) return `manifest not found in ${repo}`;
      return isDigestLike(ref) ? `manifest ${ref} not found in ${repo}` : `tag ${ref} not found in ${repo}`;
    }
    case 'BLOB_UNKNOWN':
      return `blob ${what.digest ?? ''} not found in ${repo}`.replace('  ', ' ');
    case 'MANIFEST_BLOB_UNKNOWN':
      return `${what.operation}: the manifest references blobs that ${repo} does not hold`;
    case 'BLOB_UPLOAD_UNKNOWN':
      return `upload session for ${repo} not found (expired or cancelled)`;
    default:
      return `${what.operation}: not found on ${host}${what.repository ? ` (${what.repository})` : ''}`;
  }
}

function notFoundHint(code: string): string | undefined {
  switch (code) {
    case 'NAME_UNKNOWN':
      return 'Check the repository name and registry; a repository exists once something is pushed to it.';
    case 'MANIFEST_UNKNOWN':
      return 'Check the tag or digest; list tags with "manifesto tags <repository>".';
    case 'MANIFEST_BLOB_UNKNOWN':
      return 'Push the config and layer blobs before the manifest.';
    case 'BLOB_UPLOAD_UNKNOWN':
      return 'Retry the push; the registry dropped the upload session.';
    default:
      return undefined;
  }
}

function bareNotFoundCode(
  what: ResponseContext,
): 'MANIFEST_UNKNOWN' | 'BLOB_UNKNOWN' | 'BLOB_UPLOAD_UNKNOWN' | 'NAME_UNKNOWN' | 'NOT_FOUND' {
  const kind =
    what.kind ?? (what.reference !== undefined ? 'manifest' : what.digest !== undefined ? 'blob' : undefined);
  switch (kind) {
    case 'manifest':
      return 'MANIFEST_UNKNOWN';
    case 'blob':
      return 'BLOB_UNKNOWN';
    case 'upload':
      return 'BLOB_UPLOAD_UNKNOWN';
    case 'repository':
    case 'tags':
      return 'NAME_UNKNOWN';
    default:
      return 'NOT_FOUND';
  }
}

/**
 * Reads the (capped) error body of `response` and builds the ManifestoError for it. Call it for any
 * response the caller does not expect; it consumes the body.
 */
export async function errorFromResponse(
  response: RegistryResponse,
  what: ResponseContext,
): Promise<ManifestoError> {
  const registryErrors = parseRegistryErrors(await readCapped(response).catch(() => new Uint8Array(0)));
  return errorFromStatus(response.status, response.statusText, registryErrors, what, hostOf(response, what));
}

/** The ManifestoError for a status and registry error list (no body reading). */
export function errorFromStatus(
  status: number,
  statusText: string,
  registryErrors: readonly RegistryErrorDetail[],
  what: ResponseContext,
  host: string,
): ManifestoError {
  const first = registryErrors[0];
  const registryCode = first?.code;
  // The registry's own code when the spec names it (kept whole in registryErrors either way).
  const known = registryCode !== undefined && isRegistryErrorCode(registryCode) ? registryCode : undefined;
  const detail = first?.message ? `: ${oneLine(first.message)}` : '';
  const target = what.repository === undefined ? host : `${host}/${what.repository}`;
  const base = { status, registryErrors };
  const statusLabel = `${status}${statusText ? ` ${statusText}` : ''}`;

  if (status === 401) {
    return new ManifestoError(
      'UNAUTHORIZED',
      `authentication required to ${what.operation} on ${target}${detail}`,
      {
        ...base,
        category: 'auth',
        hint: `run "manifesto login ${host}" or pass --username/--password-stdin`,
      },
    );
  }
  if (status === 403) {
    const actions = what.actions && what.actions.length > 0 ? `: ${[...what.actions].sort().join(',')}` : '';
    return new ManifestoError('DENIED', `access denied to ${what.operation} on ${target}${detail}`, {
      ...base,
      category: 'auth',
      hint: `your credentials lack permission for ${what.repository ?? host}${actions}`,
    });
  }
  if (status === 404) {
    const code =
      known !== undefined && REGISTRY_CODE_CATEGORIES[known] === 'not-found' ? known : bareNotFoundCode(what);
    return new ManifestoError(code, notFoundMessage(code, what, host), {
      ...base,
      category: 'not-found',
      hint: notFoundHint(code),
    });
  }
  if (status === 429) {
    return new ManifestoError(
      'TOO_MANY_REQUESTS',
      `${host} is rate-limiting requests (${what.operation})${detail}`,
      {
        ...base,
        category: 'unavailable',
        hint: 'Wait and retry; authenticated requests often get higher limits.',
      },
    );
  }
  if (status >= 500) {
    return new ManifestoError(
      'REGISTRY_UNAVAILABLE',
      `${host} answered ${statusLabel} to ${what.operation}${detail}`,
      { ...base, category: 'unavailable', hint: 'The registry is failing; retry later.' },
    );
  }
  if (status === 405) {
    const isDelete = /delete/i.test(what.operation);
    return new ManifestoError(
      registryCode === 'UNSUPPORTED' ? 'UNSUPPORTED' : 'OPERATION_UNSUPPORTED',
      `${host} does not allow ${what.operation} (${statusLabel})${detail}`,
      {
        ...base,
        category: 'unsupported',
        hint: isDelete
          ? 'Deletes are disabled on this registry (distribution: REGISTRY_STORAGE_DELETE_ENABLED=true).'
          : 'The registry does not implement this operation.',
      },
    );
  }
  if (status === 409 || status === 412 || status === 416) {
    const code = status === 416 ? 'RANGE_INVALID' : status === 412 ? 'PRECONDITION_FAILED' : 'CONFLICT';
    return new ManifestoError(
      known !== undefined && REGISTRY_CODE_CATEGORIES[known] === 'conflict' ? known : code,
      `${what.operation} on ${target} conflicted (${statusLabel})${detail}`,
      {
        ...base,
        category: 'conflict',
        hint: 'Something changed concurrently; retry the command.',
      },
    );
  }
  if (status === 413) {
    return new ManifestoError(
      'PAYLOAD_TOO_LARGE',
      `${host} refused the size of ${what.operation} (${statusLabel})`,
      {
        ...base,
        category: 'unsupported',
        hint: 'The registry limits the size of what it accepts.',
      },
    );
  }
  if (status === 415) {
    return new ManifestoError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${host} does not accept the media type (${what.operation})${detail}`,
      {
        ...base,
        category: 'unsupported',
        hint: 'The registry does not support this manifest or artifact media type.',
      },
    );
  }
  if (known !== undefined) {
    const category = REGISTRY_CODE_CATEGORIES[known];
    return new ManifestoError(
      known,
      `${what.operation} on ${target} failed: ${known.toLowerCase().replaceAll('_', ' ')}${detail}`,
      {
        ...base,
        category,
        hint: category === 'integrity' ? 'The content does not match its digest or size.' : undefined,
      },
    );
  }
  return new ManifestoError(
    status >= 400 && status < 500 ? 'BAD_REQUEST' : 'UNEXPECTED_STATUS',
    `${host} answered ${statusLabel} to ${what.operation}${detail}`,
    { ...base, category: status >= 400 && status < 500 ? 'usage' : 'integrity' },
  );
}
