/**
 * The contract between registry operations (src/registry/*.ts) and the HTTP layer
 * (src/registry/http/*): one authenticated, retrying, redirect-safe request at a time.
 */
import type { BlobSource } from '../../content/repository.ts';
import type { RegistryResponse } from './response.ts';

export type ScopeAction = 'pull' | 'push' | 'delete';

/** Request classes, for counting requests per operation (benchmarks, tests). */
export type RequestClass = 'manifest' | 'blob' | 'upload' | 'referrers' | 'tags' | 'token' | 'ping' | 'other';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path below the registry's base URL (`/v2/...`, with query) or an absolute URL (upload Location). */
  path: string;
  /** Repository the request acts on: sets the token scope `repository:NAME:ACTIONS`. */
  repository?: string | undefined;
  /** Actions needed on `repository` (pull for reads, push for writes, delete for deletes). */
  actions?: readonly ScopeAction[] | undefined;
  /**
   * Further token scopes the request needs (`type:name:actions`), e.g. `repository:<from>:pull` for a
   * cross-repository blob mount (`POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from>`).
   */
  extraScopes?: readonly string[] | undefined;
  headers?: Record<string, string> | undefined;
  body?: BlobSource | undefined;
  /**
   * Follow 3xx redirects (blob reads). Authorization is only ever sent to the registry's own
   * host: a redirect to another host is followed without credentials.
   */
  followRedirects?: boolean | undefined;
  /** The request is safe to repeat (GET, HEAD, PUT of a manifest or blob chunk, DELETE). */
  idempotent?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** For request counting; derived from the path when absent. */
  requestClass?: RequestClass | undefined;
}

export interface RequestEvent {
  method: string;
  url: string;
  status: number;
  requestClass: RequestClass;
  /** 1 for the first try, more for retries. */
  attempt: number;
}

export interface RegistryTransport {
  /** The registry host as in references (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  /** Base URL requests go to (`https://registry-1.docker.io`, `http://127.0.0.1:5000`). */
  readonly baseUrl: string;
  /**
   * Sends a request, handling auth challenges (bearer tokens with scopes, basic), retries (429, 5xx,
   * connection resets, with backoff and Retry-After) and redirects. Resolves with the final response
   * whatever its status (callers interpret 404s); rejects with a ManifestoError for network failure,
   * timeouts and exhausted retries.
   */
  request(request: RegistryRequest): Promise<RegistryResponse>;
}
