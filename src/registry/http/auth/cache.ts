/**
 * What a process has learnt about registry authentication, shared by transports: which scheme each
 * registry origin challenges with, and bearer tokens per (realm, service, identity) with their scopes
 * and expiry. Knowing the challenge lets later requests authorise up front (no 401 round-trip); a
 * cached token that covers the needed scopes costs no token request.
 */
import { scopesCover } from './scope.ts';
import type { Token } from './token.ts';

export type HostAuth =
  | { scheme: 'none' }
  | { scheme: 'basic' }
  | { scheme: 'bearer'; realm: string; service?: string | undefined };

/** At most this many live tokens are kept per (realm, service, identity). */
const MAX_TOKENS_PER_KEY = 32;

export class AuthCache {
  readonly #hosts = new Map<string, HostAuth>();
  readonly #tokens = new Map<string, Token[]>();
  readonly #pending = new Map<string, Promise<Token>>();

  /** The auth scheme a registry origin (`https://host:port`) is known to use. */
  hostAuth(origin: string): HostAuth | undefined {
    return this.#hosts.get(origin);
  }

  setHostAuth(origin: string, auth: HostAuth): void {
    this.#hosts.set(origin, auth);
  }

  /** A live token under `key` whose scopes cover `scopes`. */
  findToken(key: string, scopes: readonly string[], now: number): Token | undefined {
    const tokens = this.#tokens.get(key);
    if (!tokens) return undefined;
    const live = tokens.filter((t) => t.expiresAt > now);
    if (live.length !== tokens.length) this.#tokens.set(key, live);
    // newest first: the most recently granted token is the most likely to be valid
    for (let i = live.length - 1; i >= 0; i--) {
      const token = live[i]!;
      if (scopesCover(token.scopes, scopes)) return token;
    }
    return undefined;
  }

  storeToken(key: string, token: Token): void {
    const tokens = this.#tokens.get(key) ?? [];
    tokens.push(token);
    if (tokens.length > MAX_TOKENS_PER_KEY) tokens.splice(0, tokens.length - MAX_TOKENS_PER_KEY);
    this.#tokens.set(key, tokens);
  }

  /** Forgets a token the registry rejected. */
  dropToken(key: string, token: string): void {
    const tokens = this.#tokens.get(key);
    if (tokens)
      this.#tokens.set(
        key,
        tokens.filter((t) => t.token !== token),
      );
  }

  /** Runs `fetch` once for concurrent callers asking for the same key and scopes. */
  async dedupe(key: string, fetch: () => Promise<Token>): Promise<Token> {
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const promise = fetch().finally(() => this.#pending.delete(key));
    this.#pending.set(key, promise);
    return promise;
  }

  clear(): void {
    this.#hosts.clear();
    this.#tokens.clear();
    this.#pending.clear();
  }
}

/** The process-wide cache transports use unless given their own. */
export const sharedAuthCache: AuthCache = new AuthCache();
