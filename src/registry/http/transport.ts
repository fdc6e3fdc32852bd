/**
 * The registry HTTP transport: one authenticated, retrying, redirect-safe request at a time over a
 * keep-alive connection pool (undici fetch with an Agent dispatcher).
 *
 * request()
 *   -> auth: Authorization up front when the registry's challenge is known, else none; on a 401,
 *      learn the challenge, get a token for the merged scopes and send once more
 *   -> redirects (only when asked, up to 5 hops; credentials never leave the registry's origin)
 *   -> retries (429, 5xx for idempotent requests, refused/reset connections, timeouts) with
 *      backoff, jitter and Retry-After
 */
import type { Agent, Dispatcher } from 'undici';
// undici's own modules for the Agent and fetch, not its index (see undici-parts.d.ts).
import AgentClass from 'undici/lib/dispatcher/agent.js';
import undiciFetchModule from 'undici/lib/web/fetch/index.js';
import type { BlobSource } from '../../content/repository.ts';
import { ManifestoError } from '../../errors/errors.ts';
import type { CredentialProvider } from '../credentials/types.ts';
import { type AuthCache, sharedAuthCache } from './auth/cache.ts';
import { mergeScopes, repositoryScope } from './auth/scope.ts';
import { AuthSession } from './auth/session.ts';
import type { TokenSendInit } from './auth/token.ts';
import { isStreamBody, openBody } from './body.ts';
import { hostnameOf, registryBaseUrl } from './endpoint.ts';
import { isAbortError, isRetryableNetworkError, networkError } from './network-errors.ts';
import {
  isRedirectStatus,
  MAX_REDIRECTS,
  redirectedMethod,
  redirectTarget,
  tooManyRedirects,
  withoutCredentials,
} from './redirects.ts';
import { requestClassOf } from './request-class.ts';
import { discardResponse, errorFromResponse } from './response-errors.ts';
import {
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  realSleep,
  retryDelay,
  retryPolicy,
  type Sleep,
} from './retry.ts';
import { connectTlsOptions } from './tls.ts';
import type { RegistryRequest, RegistryTransport, RequestClass, RequestEvent, ScopeAction } from './types.ts';
import { defaultUserAgent } from './user-agent.ts';

/**
 * A fetch implementation: undici's by default (with an Agent dispatcher); injectable for tests. The
 * global `fetch` fits.
 */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

export interface RegistryTransportOptions {
  /** Registry host as in references (`docker.io`, `localhost:5000`). */
  registry: string;
  /** Speak plain HTTP (true) or https (false); default: plain HTTP only for loopback hosts. */
  plainHttp?: boolean | undefined;
  /** Skip TLS certificate verification of the registry host (explicit opt-out only). */
  insecure?: boolean | undefined;
  /** PEM file of CA certificates trusted in addition to the default roots. */
  caFile?: string | undefined;
  /** PEM CA certificates trusted in addition to the default roots. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
  credentials?: CredentialProvider | undefined;
  fetch?: FetchFunction | undefined;
  /** Default `manifesto/<version> (node <v>; <platform>/<arch>)`. */
  userAgent?: string | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /** Time allowed to connect and to receive response headers, per request (default 30 s). */
  timeoutMs?: number | undefined;
  /** Longest pause allowed between two chunks of a response body (default 60 s). */
  bodyIdleTimeoutMs?: number | undefined;
  /** Keep-alive connections per host; further requests queue (default 8). */
  maxConnections?: number | undefined;
  /** Called after every HTTP exchange, including token requests, pings and retries. */
  onRequest?: ((event: RequestEvent) => void) | undefined;
  /** Waits between retries (injected in tests). */
  sleep?: Sleep | undefined;
  /** Clock in epoch ms (Retry-After dates, token expiry). */
  now?: (() => number) | undefined;
  /** Jitter source in [0, 1). */
  random?: (() => number) | undefined;
  /** Token and challenge cache; default: shared by all transports of the process. */
  authCache?: AuthCache | undefined;
  /** Ask token services for a refresh token too (login). */
  offlineToken?: boolean | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_CONNECTIONS = 8;
const CLIENT_ID = 'manifesto';

interface Exchange {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: BlobSource | undefined;
  idempotent: boolean;
  requestClass: RequestClass;
  signal?: AbortSignal | undefined;
}

interface Sent {
  response: Response;
  /** The response came from the registry's origin (not from a host a redirect led to). */
  atRegistry: boolean;
}

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}

/**
 * An undici Agent that keeps the connection after a HEAD request. undici closes it by default (to cope
 * with servers that send a body on HEAD), which costs a new connection (and TLS handshake) after every
 * existence check and manifest resolve; registries answer HEAD correctly, and Go's clients (oras,
 * crane, containerd) reuse the connection too.
 */
class KeepAliveAgent extends AgentClass {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(
      options.method === 'HEAD' && options.reset === undefined ? { ...options, reset: false } : options,
      handler,
    );
  }
}

/** Actions a request needs when the caller did not say: reads pull, deletes delete, writes pull+push. */
export function requestActions(request: RegistryRequest): ScopeAction[] {
  const actions = new Set<ScopeAction>(request.actions ?? []);
  if (actions.size === 0) {
    if (request.method === 'GET' || request.method === 'HEAD') actions.add('pull');
    else if (request.method === 'DELETE') actions.add('delete');
    else actions.add('push');
  }
  if (actions.has('push')) actions.add('pull'); // a push needs pull,push (docker semantics)
  return [...actions];
}

export class HttpRegistryTransport implements RegistryTransport {
  readonly registry: string;
  readonly baseUrl: string;
  readonly #origin: URL;
  readonly #fetch: FetchFunction;
  readonly #userAgent: string;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #registryAgent: Agent;
  readonly #otherAgent: Agent;
  readonly #session: AuthSession;

  constructor(options: RegistryTransportOptions) {
    this.registry = options.registry;
    this.baseUrl = registryBaseUrl(options.registry, options.plainHttp);
    this.#origin = new URL(this.baseUrl);
    this.#fetch = options.fetch ?? (undiciFetchModule.fetch as unknown as FetchFunction);
    this.#userAgent = options.userAgent ?? defaultUserAgent();
    this.#retry = retryPolicy(options.retry);
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#onRequest = options.onRequest;

    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const agentOptions = {
      connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      headersTimeout: timeout,
      bodyTimeout: options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
    };
    const tls = connectTlsOptions(options);
    this.#registryAgent = new KeepAliveAgent({ ...agentOptions, connect: { timeout, ...tls } });
    // Other hosts (token services elsewhere, blob CDNs): the extra CAs apply, --insecure never does.
    this.#otherAgent = new KeepAliveAgent({
      ...agentOptions,
      connect: { timeout, ...tls, rejectUnauthorized: true },
    });

    this.#session = new AuthSession({
      registry: options.registry,
      origin: this.#origin,
      credentials: options.credentials,
      cache: options.authCache ?? sharedAuthCache,
      now: this.#now,
      clientId: CLIENT_ID,
      offlineToken: options.offlineToken,
      send: (url, init) => this.#sendToken(url, init),
    });
  }

  async request(request: RegistryRequest): Promise<Response> {
    const url = this.#resolve(request.path);
    const method = request.method;
    const idempotent = request.idempotent ?? (method === 'GET' || method === 'HEAD');
    const requestClass = request.requestClass ?? requestClassOf(request.path);
    const scopes = mergeScopes(
      request.repository === undefined ? [] : [repositoryScope(request.repository, requestActions(request))],
      request.extraScopes ?? [],
    );
    const atRegistry = url.origin === this.#origin.origin;

    // A streamed body is expensive to send twice: learn the auth scheme first with a ping.
    if (atRegistry && isStreamBody(request.body) && !this.#session.knowsScheme)
      await this.#ping(request.signal);

    const authorization = atRegistry ? await this.#session.authorization(scopes) : undefined;
    const first = await this.#sendFollowing(request, url, authorization, idempotent, requestClass);
    if (first.response.status !== 401 || !first.atRegistry) {
      if (first.atRegistry && !this.#session.knowsScheme) this.#session.learn(first.response);
      return first.response;
    }
    const retryWith = await this.#session.onUnauthorized(first.response, scopes, authorization);
    if (retryWith === undefined) return first.response;
    await discardResponse(first.response);
    const second = await this.#sendFollowing(request, url, retryWith, idempotent, requestClass);
    return second.response;
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    await Promise.all([this.#registryAgent.close(), this.#otherAgent.close()]);
  }

  #resolve(path: string): URL {
    try {
      return new URL(path, `${this.baseUrl}/`);
    } catch (cause) {
      throw new ManifestoError('REQUEST_INVALID', `invalid registry request path "${path}"`, {
        category: 'internal',
        cause,
      });
    }
  }

  async #ping(signal: AbortSignal | undefined): Promise<void> {
    const response = await this.#exchange({
      url: new URL('/v2/', this.baseUrl),
      method: 'GET',
      headers: this.#baseHeaders(),
      idempotent: true,
      requestClass: 'ping',
      signal,
    });
    this.#session.learn(response);
    await discardResponse(response);
  }

  async #sendToken(url: URL, init: TokenSendInit): Promise<Response> {
    return this.#exchange({
      url,
      method: init.method,
      headers: { ...this.#baseHeaders(), ...lowerCaseHeaders(init.headers) },
      body: init.body,
      idempotent: true,
      requestClass: 'token',
    });
  }

  #baseHeaders(): Record<string, string> {
    return { 'user-agent': this.#userAgent };
  }

  /** Sends, following redirects when asked; credentials are dropped for good once the origin is left. */
  async #sendFollowing(
    request: RegistryRequest,
    url: URL,
    authorization: string | undefined,
    idempotent: boolean,
    requestClass: RequestClass,
  ): Promise<Sent> {
    let headers: Record<string, string> = { ...this.#baseHeaders(), ...lowerCaseHeaders(request.headers) };
    if (authorization !== undefined) headers.authorization = authorization;
    let current = url;
    let method: string = request.method;
    let body = request.body;
    let leftOrigin = false;
    for (let hop = 0; ; hop++) {
      if (!leftOrigin && current.origin !== this.#origin.origin) {
        leftOrigin = true;
        headers = withoutCredentials(headers);
      }
      const response = await this.#exchange({
        url: current,
        method,
        headers,
        body,
        idempotent,
        requestClass,
        signal: request.signal,
      });
      if (!request.followRedirects || !isRedirectStatus(response.status)) {
        return { response, atRegistry: !leftOrigin };
      }
      if (hop >= MAX_REDIRECTS) {
        await discardResponse(response);
        throw tooManyRedirects(url);
      }
      const target = redirectTarget(response, current);
      await discardResponse(response);
      const nextMethod = redirectedMethod(response.status, method);
      if (nextMethod !== method) {
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      method = nextMethod;
      current = target;
    }
  }

  /** One request with retries; every try is reported to onRequest. */
  async #exchange(exchange: Exchange): Promise<Response> {
    const { url, signal } = exchange;
    const maxAttempts = this.#retry.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      const init: RequestInit = {
        method: exchange.method,
        headers: exchange.headers,
        // Streamed bodies: 'error', because with 'manual' undici's fetch tees the request body to be
        // able to resend it, and the unread branch keeps every chunk of the upload in memory
        // (nodejs/undici#4058). A redirected upload cannot be replayed from a stream anyway.
        redirect: exchange.body !== undefined && !(exchange.body instanceof Uint8Array) ? 'error' : 'manual',
        // undici's Agent is the dispatcher of undici's fetch; the global RequestInit types it with
        // Node's bundled copy of the undici types.
        dispatcher: this.#agentFor(url) as unknown as NonNullable<RequestInit['dispatcher']>,
      };
      if (signal !== undefined) init.signal = signal;
      if (exchange.body !== undefined) {
        const body = openBody(exchange.body);
        init.body = body as NonNullable<RequestInit['body']>;
        if (!(body instanceof Uint8Array)) init.duplex = 'half';
      }
      let response: Response;
      try {
        response = await this.#fetch(url.href, init);
      } catch (error) {
        this.#report(exchange, url, 0, attempt);
        if (signal?.aborted) throw signal.reason;
        if (isAbortError(error)) throw error;
        if (attempt < maxAttempts && isRetryableNetworkError(error, exchange.idempotent)) {
          await this.#sleep(retryDelay(this.#retry, attempt, undefined, this.#random), signal);
          continue;
        }
        throw networkError(error, url, attempt);
      }
      this.#report(exchange, url, response.status, attempt);
      if (!isRetryableStatus(response.status, exchange.idempotent)) return response;
      if (attempt >= maxAttempts) throw await this.#exhausted(response, exchange, attempt);
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      await discardResponse(response);
      await this.#sleep(retryDelay(this.#retry, attempt, retryAfter, this.#random), signal);
    }
  }

  async #exhausted(response: Response, exchange: Exchange, attempts: number): Promise<ManifestoError> {
    const error = await errorFromResponse(response, {
      operation: `${exchange.method} ${exchange.requestClass}`,
      registry: exchange.url.host,
    });
    return new ManifestoError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
      category: 'unavailable',
      hint: error.hint,
      status: error.status,
      registryErrors: error.registryErrors,
    });
  }

  #agentFor(url: URL): Agent {
    return hostnameOf(url.host) === hostnameOf(this.#origin.host) ? this.#registryAgent : this.#otherAgent;
  }

  #report(exchange: Exchange, url: URL, status: number, attempt: number): void {
    this.#onRequest?.({
      method: exchange.method,
      url: url.href,
      status,
      requestClass: exchange.requestClass,
      attempt,
    });
  }
}

export function createRegistryTransport(options: RegistryTransportOptions): HttpRegistryTransport {
  return new HttpRegistryTransport(options);
}
