/**
 * The registry HTTP transport: one authenticated, retrying, redirect-safe request at a time over
 * keep-alive connection pools of node:http / node:https (node-send.ts; an injected fetch in tests).
 *
 * request()
 *   -> auth: Authorization up front when the registry's challenge is known, else none; on a 401,
 *      learn the challenge, get a token for the merged scopes and send once more
 *   -> redirects (only when asked, up to 5 hops; credentials never leave the registry's origin)
 *   -> retries (429, 5xx for idempotent requests, refused/reset connections, timeouts) with
 *      backoff, jitter and Retry-After; a GET whose body breaks off mid-way resumes where it stopped
 *      (Range, else skipping what was read), with the same tries
 *   -> loopback registries without an explicit scheme: plain HTTP (https when TLS options are given),
 *      switching once when the server shows it speaks the other (endpoint.ts, scheme-probe.ts)
 */
import type { BlobSource } from '../../content/repository.ts';
import { ManifestoError } from '../../errors/errors.ts';
import type { CredentialProvider } from '../credentials/types.ts';
import { type AuthCache, sharedAuthCache } from './auth/cache.ts';
import { mergeScopes, repositoryScope } from './auth/scope.ts';
import { AuthSession } from './auth/session.ts';
import type { TokenSendInit } from './auth/token.ts';
import { ConnectionPools } from './connections.ts';
import { hostnameOf, isLoopbackHost, registryBaseUrl } from './endpoint.ts';
import { type FetchFunction, sendWithFetch } from './fetch-send.ts';
import {
  bodyNetworkError,
  describeNetworkFailure,
  isAbortError,
  isRetryableNetworkError,
  isTimeoutFailure,
  networkError,
} from './network-errors.ts';
import { type StaleSocketFailure, sendWithNode } from './node-send.ts';
import {
  isRedirectStatus,
  MAX_REDIRECTS,
  redirectedMethod,
  redirectTarget,
  tooManyRedirects,
  withoutCredentials,
} from './redirects.ts';
import { requestClassOf } from './request-class.ts';
import { type RegistryResponse, ReplacedBodyResponse, type ResponseBody } from './response.ts';
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
import { answeredPlainToTls, plainHttpToTlsError } from './scheme-probe.ts';
import { connectTlsOptions, isPlainHttpServerError } from './tls.ts';
import type { RegistryRequest, RegistryTransport, RequestClass, RequestEvent, ScopeAction } from './types.ts';
import { defaultUserAgent } from './user-agent.ts';

export type { FetchFunction } from './fetch-send.ts';

export interface RegistryTransportOptions {
  /** Registry host as in references (`docker.io`, `localhost:5000`). */
  registry: string;
  /**
   * Speak plain HTTP (true) or https (false). Default: https, except loopback hosts, which are tried
   * over plain HTTP (over https when `insecure`, `caFile` or `ca` is given) and switched once to the
   * other scheme when the server shows it speaks that one.
   */
  plainHttp?: boolean | undefined;
  /** Skip TLS certificate verification of the registry host (explicit opt-out only). */
  insecure?: boolean | undefined;
  /** PEM file of CA certificates trusted in addition to the default roots. */
  caFile?: string | undefined;
  /** PEM CA certificates trusted in addition to the default roots. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined;
  credentials?: CredentialProvider | undefined;
  /** Send through this fetch instead of node:http (tests). */
  fetch?: FetchFunction | undefined;
  /** Default `manifesto/<version> (node <v>; <platform>/<arch>)`. */
  userAgent?: string | undefined;
  retry?: Partial<RetryPolicy> | undefined;
  /**
   * Longest silence of the registry, in ms: to connect, to start answering, and between two chunks of
   * a body either way (default 15 s). A timed-out request is tried once more, not more.
   */
  timeoutMs?: number | undefined;
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

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_CONNECTIONS = 8;
/** Tries of a request that timed out: a hung registry fails in two timeouts, not four. */
const TIMEOUT_ATTEMPTS = 2;
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
  response: RegistryResponse;
  /** The response came from the registry's origin (not from a host a redirect led to). */
  atRegistry: boolean;
}

/**
 * How the registry's scheme was chosen: `fixed` (asked for, or not loopback), `guess` (loopback, no
 * answer yet), `confirmed` (the guess answered), `switched` (the server spoke the other scheme).
 */
type SchemeState = 'fixed' | 'guess' | 'confirmed' | 'switched';

function lowerCaseHeaders(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
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
  /** The registry's origin; its scheme changes once when a loopback guess was wrong. */
  readonly #origin: URL;
  /** The origin first guessed (requests still addressed there follow a switch). */
  readonly #guessedOrigin: string;
  #scheme: SchemeState;
  readonly #fetch: FetchFunction | undefined;
  readonly #pools: ConnectionPools;
  readonly #timeoutMs: number;
  readonly #userAgent: string;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #session: AuthSession;

  constructor(options: RegistryTransportOptions) {
    this.registry = options.registry;
    const probe = options.plainHttp === undefined && isLoopbackHost(options.registry);
    const tlsAsked = options.insecure === true || options.caFile !== undefined || options.ca !== undefined;
    this.#origin = new URL(registryBaseUrl(options.registry, probe ? !tlsAsked : options.plainHttp));
    this.#guessedOrigin = this.#origin.origin;
    this.#scheme = probe ? 'guess' : 'fixed';
    this.#fetch = options.fetch;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#userAgent = options.userAgent ?? defaultUserAgent();
    this.#retry = retryPolicy(options.retry);
    this.#sleep = options.sleep ?? realSleep;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#onRequest = options.onRequest;
    this.#pools = new ConnectionPools({
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      tls: connectTlsOptions(options),
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

  /** Base URL requests go to (`https://registry-1.docker.io`, `http://127.0.0.1:5000`). */
  get baseUrl(): string {
    return this.#origin.origin;
  }

  async request(request: RegistryRequest): Promise<RegistryResponse> {
    const response = await this.#request(request);
    if (request.method !== 'GET' || response.status !== 200 || response.body === null) return response;
    return this.#resumable(request, response);
  }

  async #request(request: RegistryRequest): Promise<RegistryResponse> {
    const url = this.#resolve(request.path);
    const method = request.method;
    const idempotent = request.idempotent ?? (method === 'GET' || method === 'HEAD');
    const requestClass = request.requestClass ?? requestClassOf(request.path);
    const scopes = mergeScopes(
      request.repository === undefined ? [] : [repositoryScope(request.repository, requestActions(request))],
      request.extraScopes ?? [],
    );
    const atRegistry = this.#atRegistry(url);

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
    this.#pools.close();
  }

  #resolve(path: string): URL {
    try {
      return this.#followScheme(new URL(path, `${this.baseUrl}/`));
    } catch (cause) {
      throw new ManifestoError('REQUEST_INVALID', `invalid registry request path "${path}"`, {
        category: 'internal',
        cause,
      });
    }
  }

  #atRegistry(url: URL): boolean {
    return url.origin === this.#origin.origin || url.origin === this.#guessedOrigin;
  }

  /** A URL at the guessed origin, moved to the registry's scheme once it switched. */
  #followScheme(url: URL): URL {
    if (this.#scheme !== 'switched' || url.origin !== this.#guessedOrigin) return url;
    const moved = new URL(url.href);
    moved.protocol = this.#origin.protocol;
    return moved;
  }

  /** Switches the registry's scheme (a loopback guess was wrong); requests in flight follow. */
  #switchScheme(): void {
    if (this.#scheme === 'switched') return;
    this.#origin.protocol = this.#origin.protocol === 'http:' ? 'https:' : 'http:';
    this.#scheme = 'switched';
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

  async #sendToken(url: URL, init: TokenSendInit): Promise<RegistryResponse> {
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
      if (!leftOrigin && !this.#atRegistry(current)) {
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
      const target = redirectTarget(response, this.#followScheme(current));
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

  /** One exchange over node:http, or through the injected fetch. */
  #send(exchange: Exchange, url: URL): Promise<RegistryResponse> {
    const { method, headers, body, signal } = exchange;
    if (this.#fetch !== undefined) return sendWithFetch(this.#fetch, { url, method, headers, body, signal });
    const sameHost = hostnameOf(url.host) === hostnameOf(this.#origin.host);
    return sendWithNode({
      url,
      method,
      headers,
      body,
      signal,
      agent: this.#pools.agentFor(url, sameHost),
      timeoutMs: this.#timeoutMs,
    });
  }

  /** One request with retries; every try is reported to onRequest. */
  async #exchange(exchange: Exchange): Promise<RegistryResponse> {
    const { signal } = exchange;
    const url = this.#followScheme(exchange.url);
    const maxAttempts = this.#retry.maxAttempts;
    const probing =
      (this.#scheme === 'guess' || this.#scheme === 'switched') && url.origin === this.#guessedOrigin;
    for (let attempt = 1; ; attempt++) {
      let response: RegistryResponse;
      try {
        response = await this.#send(exchange, url);
      } catch (error) {
        const failure = describeNetworkFailure(error);
        if (probing && url.protocol === 'https:' && isPlainHttpServerError(failure.code, failure.message)) {
          // A loopback registry tried over https speaks plain HTTP: no HTTP exchange took place.
          this.#switchScheme();
          return this.#exchange(exchange);
        }
        this.#report(exchange, url, 0, attempt);
        if (signal?.aborted) throw signal.reason;
        if (isAbortError(error)) throw error;
        if (attempt < maxAttempts && this.#retryable(error, exchange.idempotent, attempt)) {
          await this.#sleep(retryDelay(this.#retry, attempt, undefined, this.#random), signal);
          continue;
        }
        throw networkError(error, url, attempt);
      }
      this.#report(exchange, url, response.status, attempt);
      if (response.status === 400 && url.protocol === 'http:') {
        const checked = await answeredPlainToTls(response);
        if (checked.tlsPort) {
          if (probing) {
            this.#switchScheme();
            return this.#exchange(exchange);
          }
          throw plainHttpToTlsError(url);
        }
        return checked.response;
      }
      if (probing && this.#scheme === 'guess') this.#scheme = 'confirmed';
      if (!isRetryableStatus(response.status, exchange.idempotent)) return response;
      if (attempt >= maxAttempts) throw await this.#exhausted(response, exchange, attempt);
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      await discardResponse(response);
      await this.#sleep(retryDelay(this.#retry, attempt, retryAfter, this.#random), signal);
    }
  }

  /**
   * Whether a failed try is worth another: network errors by idempotency (a request that failed on a
   * kept-alive socket the server had closed was never processed), timeouts only once.
   */
  #retryable(error: unknown, idempotent: boolean, attempt: number): boolean {
    if (isTimeoutFailure(error) && attempt >= TIMEOUT_ATTEMPTS) return false;
    const stale = (error as StaleSocketFailure | undefined)?.staleSocket === true;
    return isRetryableNetworkError(error, idempotent || stale);
  }

  /**
   * A GET reply whose body resumes when the connection breaks mid-way: the same request again from
   * the first byte not delivered (Range; a full reply skips what was read), as long as the registry
   * answers with the same content (Docker-Content-Digest / ETag), within the retry policy's tries.
   */
  #resumable(request: RegistryRequest, first: RegistryResponse): RegistryResponse {
    const validator = contentValidator(first);
    const url = first.url;
    let current: AsyncIterable<Uint8Array> = first.body!;
    let cancel = (reason: unknown): Promise<void> => first.body!.cancel(reason);
    const chunks = async function* (this: HttpRegistryTransport): AsyncGenerator<Uint8Array> {
      let delivered = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const chunk of current) {
            delivered += chunk.byteLength;
            yield chunk;
          }
          return;
        } catch (error) {
          if (request.signal?.aborted) throw request.signal.reason;
          if (isAbortError(error) || error instanceof ManifestoError) throw error;
          if (attempt >= this.#retry.maxAttempts || !this.#retryable(error, true, attempt)) {
            throw bodyNetworkError(error, url, attempt);
          }
          await this.#sleep(retryDelay(this.#retry, attempt, undefined, this.#random), request.signal);
          const resumed = await this.#resume(request, delivered, validator);
          if (resumed === undefined) throw bodyNetworkError(error, url, attempt);
          current = resumed.offset === 0 ? resumed.body : skipBytes(resumed.body, resumed.offset);
          cancel = (reason) => resumed.body.cancel(reason);
        }
      }
    };
    return new ReplacedBodyResponse(first, chunks.call(this), (reason) => {
      void cancel(reason);
    });
  }

  /**
   * A GET's body again from `offset`: a 206 from there, or a whole 200 reply (`offset` bytes to skip);
   * undefined when the registry now serves other content.
   */
  async #resume(
    request: RegistryRequest,
    offset: number,
    validator: string | undefined,
  ): Promise<{ body: ResponseBody; offset: number } | undefined> {
    const response = await this.#request({
      ...request,
      headers: { ...request.headers, range: `bytes=${offset}-` },
    });
    const body = response.body;
    const sameContent = validator === undefined || contentValidator(response) === validator;
    if (body !== null && sameContent) {
      if (response.status === 206 && rangeStart(response) === offset) return { body, offset: 0 };
      if (response.status === 200) return { body, offset };
    }
    await discardResponse(response);
    return undefined;
  }

  async #exhausted(
    response: RegistryResponse,
    exchange: Exchange,
    attempts: number,
  ): Promise<ManifestoError> {
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

function isStreamBody(source: BlobSource | undefined): boolean {
  return source !== undefined && !(source instanceof Uint8Array);
}

/** What identifies the content of a reply: the registry's digest header, else the ETag. */
function contentValidator(response: RegistryResponse): string | undefined {
  return response.headers.get('docker-content-digest') ?? response.headers.get('etag') ?? undefined;
}

/** The first byte of a 206 reply (`Content-Range: bytes START-END/SIZE`). */
function rangeStart(response: RegistryResponse): number | undefined {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range')?.trim() ?? '');
  return match === null ? undefined : Number(match[1]);
}

/** A body without its first `count` bytes. */
async function* skipBytes(body: ResponseBody, count: number): AsyncGenerator<Uint8Array> {
  let skip = count;
  for await (const chunk of body) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    yield skip === 0 ? chunk : chunk.subarray(skip);
    skip = 0;
  }
}

export function createRegistryTransport(options: RegistryTransportOptions): HttpRegistryTransport {
  return new HttpRegistryTransport(options);
}
