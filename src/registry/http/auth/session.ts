/**
 * Authentication of one registry origin for one identity: answers "what Authorization goes on this
 * request?" from what is known (nothing yet: none; a Bearer challenge: a token for the request's
 * scopes, cached; a Basic challenge: the credentials), and handles a 401 by learning its challenge
 * and producing the Authorization to retry with once.
 */
import { createHash } from 'node:crypto';
import { ManifestoError } from '../../../errors/errors.ts';
import { type CredentialProvider, type Credentials, isPasswordCredentials } from '../../credentials/types.ts';
import { mayCarryCredentials } from '../endpoint.ts';
import type { RegistryResponse } from '../response.ts';
import { basicAuthorization } from './basic.ts';
import type { AuthCache, HostAuth } from './cache.ts';
import { bearerChallenge, hasBasicChallenge, parseChallenges } from './challenge.ts';
import { mergeScopes } from './scope.ts';
import { fetchToken, type Token, type TokenSend } from './token.ts';

export interface AuthSessionOptions {
  registry: string;
  /** The registry's origin (`https://host:port`): credentials are only ever sent there. */
  origin: URL;
  credentials?: CredentialProvider | undefined;
  cache: AuthCache;
  send: TokenSend;
  now: () => number;
  clientId: string;
  offlineToken?: boolean | undefined;
}

type BearerAuth = Extract<HostAuth, { scheme: 'bearer' }>;

export class AuthSession {
  readonly #options: AuthSessionOptions;
  #credentials: Promise<Credentials | undefined> | undefined;

  constructor(options: AuthSessionOptions) {
    this.#options = options;
  }

  get #origin(): string {
    return this.#options.origin.origin;
  }

  /** Whether the registry's auth scheme is known (a request can be authorised up front). */
  get knowsScheme(): boolean {
    return this.#options.cache.hostAuth(this.#origin) !== undefined;
  }

  /** The Authorization to send up front for `scopes`, or undefined (send without, learn from a 401). */
  async authorization(scopes: readonly string[]): Promise<string | undefined> {
    const auth = this.#options.cache.hostAuth(this.#origin);
    if (auth === undefined || auth.scheme === 'none') return undefined;
    if (auth.scheme === 'basic') return this.#basic(false);
    const token = await this.#token(auth, mergeScopes(scopes), undefined);
    return `Bearer ${token.token}`;
  }

  /** Records what a response says about the registry's auth: a challenge (401) or open access (2xx). */
  learn(response: RegistryResponse): HostAuth | undefined {
    if (response.status !== 401) {
      if (response.ok && !this.knowsScheme) this.#options.cache.setHostAuth(this.#origin, { scheme: 'none' });
      return this.#options.cache.hostAuth(this.#origin);
    }
    const challenges = parseChallenges(response.headers.get('www-authenticate'));
    const bearer = bearerChallenge(challenges);
    let auth: HostAuth | undefined;
    if (bearer) auth = { scheme: 'bearer', realm: bearer.realm, service: bearer.service };
    else if (hasBasicChallenge(challenges)) auth = { scheme: 'basic' };
    if (auth) this.#options.cache.setHostAuth(this.#origin, auth);
    return auth;
  }

  /**
   * After a 401 to a request that carried `sent` (or nothing): the Authorization to retry with, or
   * undefined when retrying cannot help (no usable challenge, credentials already rejected).
   */
  async onUnauthorized(
    response: RegistryResponse,
    scopes: readonly string[],
    sent: string | undefined,
  ): Promise<string | undefined> {
    const auth = this.learn(response);
    if (auth === undefined || auth.scheme === 'none') return undefined;
    if (auth.scheme === 'basic') {
      if (sent?.startsWith('Basic ')) return undefined; // the credentials were rejected
      return this.#basic(true);
    }
    const bearer = bearerChallenge(parseChallenges(response.headers.get('www-authenticate')));
    const needed = mergeScopes(scopes, bearer?.scopes ?? []);
    const rejected = sent?.startsWith('Bearer ') ? sent.slice('Bearer '.length) : undefined;
    const token = await this.#token(auth, needed, rejected);
    if (token.token === rejected) return undefined;
    return `Bearer ${token.token}`;
  }

  async #resolveCredentials(): Promise<Credentials | undefined> {
    const provider = this.#options.credentials;
    if (provider === undefined) return undefined;
    if (this.#credentials === undefined) {
      this.#credentials = provider(this.#options.registry);
      this.#credentials.catch(() => {
        this.#credentials = undefined; // do not remember a failure (e.g. a helper that timed out)
      });
    }
    return this.#credentials;
  }

  async #basic(afterChallenge: boolean): Promise<string | undefined> {
    const credentials = await this.#resolveCredentials();
    if (credentials === undefined || !isPasswordCredentials(credentials)) return undefined;
    if (!mayCarryCredentials(this.#options.origin)) {
      if (!afterChallenge) return undefined;
      throw new ManifestoError(
        'INSECURE_CREDENTIALS',
        `refusing to send credentials to ${this.#options.registry} over plain HTTP`,
        {
          category: 'auth',
          hint: 'Basic credentials are only sent over https or to loopback hosts; serve the registry over https.',
        },
      );
    }
    return basicAuthorization(credentials.username, credentials.password);
  }

  async #token(auth: BearerAuth, scopes: string[], rejected: string | undefined): Promise<Token> {
    const credentials = await this.#resolveCredentials();
    const { cache, now } = this.#options;
    const key = tokenCacheKey(auth, credentials);
    if (rejected !== undefined) cache.dropToken(key, rejected);
    const cached = cache.findToken(key, scopes, now());
    if (cached) return cached;
    return cache.dedupe(`${key}\n${scopes.join(' ')}`, async () => {
      const token = await fetchToken({
        realm: auth,
        scopes,
        credentials,
        registry: this.#options.registry,
        clientId: this.#options.clientId,
        offlineToken: this.#options.offlineToken,
        now,
        send: this.#options.send,
      });
      cache.storeToken(key, token);
      return token;
    });
  }
}

/** Tokens are cached per realm, service and identity (a hash: secrets never become map keys in clear). */
function tokenCacheKey(auth: BearerAuth, credentials: Credentials | undefined): string {
  let identity = 'anonymous';
  if (credentials !== undefined) {
    const secret = isPasswordCredentials(credentials)
      ? `password\0${credentials.username}\0${credentials.password}`
      : `identity\0${credentials.identityToken}`;
    identity = createHash('sha256').update(secret).digest('hex');
  }
  return `${auth.realm}\n${auth.service ?? ''}\n${identity}`;
}
