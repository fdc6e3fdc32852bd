/**
 * Bearer tokens from a registry's token service (Docker token auth and its OAuth2 variant):
 * - GET `realm?service=..&scope=..` with Basic credentials (or none: an anonymous token),
 * - POST form `grant_type=password` when the service answers the GET with 404/405, and
 *   `grant_type=refresh_token` for identity tokens,
 * accepting `token` or `access_token`, with `expires_in` (60 s when absent).
 */
import { ManifestoError } from '../../../errors/errors.ts';
import { type Credentials, isPasswordCredentials } from '../../credentials/types.ts';
import { mayCarryCredentials } from '../endpoint.ts';
import type { RegistryResponse } from '../response.ts';
import { discardResponse, errorFromResponse, readCapped } from '../response-errors.ts';
import { basicAuthorization } from './basic.ts';

export interface TokenRealm {
  realm: string;
  service?: string | undefined;
}

export interface Token {
  token: string;
  /** Scopes it was requested for (merged, sorted). */
  scopes: string[];
  /** Epoch ms after which it is not used any more (already shortened by a safety margin). */
  expiresAt: number;
  /** A refresh token, when the service issued one (offline_token / access_type=offline). */
  refreshToken?: string | undefined;
}

export interface TokenSendInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array | undefined;
}

/** Sends one token request (through the transport: retries, request counting, TLS settings). */
export type TokenSend = (url: URL, init: TokenSendInit) => Promise<RegistryResponse>;

export interface FetchTokenOptions {
  realm: TokenRealm;
  scopes: readonly string[];
  credentials: Credentials | undefined;
  /** The registry the token is for (messages). */
  registry: string;
  clientId: string;
  /** Ask for a refresh token too (`offline_token=true`, `access_type=offline`). */
  offlineToken?: boolean | undefined;
  now: () => number;
  send: TokenSend;
}

export const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

function realmUrl(realm: string, registry: string): URL {
  let url: URL;
  try {
    url = new URL(realm);
  } catch (cause) {
    throw new ManifestoError(
      'AUTH_CHALLENGE_INVALID',
      `${registry} names an invalid token realm "${realm}"`,
      {
        category: 'integrity',
        cause,
        hint: 'The registry is misconfigured (WWW-Authenticate realm).',
      },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ManifestoError(
      'AUTH_CHALLENGE_INVALID',
      `${registry} names an unsupported token realm "${realm}"`,
      {
        category: 'integrity',
      },
    );
  }
  return url;
}

function insecureRealm(url: URL, registry: string): ManifestoError {
  return new ManifestoError(
    'INSECURE_CREDENTIALS',
    `refusing to send credentials for ${registry} over plain HTTP to ${url.host}`,
    {
      category: 'auth',
      hint: 'Credentials are only sent over https (or to loopback hosts); serve the token service over https.',
    },
  );
}

export async function fetchToken(options: FetchTokenOptions): Promise<Token> {
  const url = realmUrl(options.realm.realm, options.registry);
  const { credentials } = options;
  if (credentials !== undefined && !mayCarryCredentials(url)) throw insecureRealm(url, options.registry);

  let response: RegistryResponse;
  if (credentials !== undefined && !isPasswordCredentials(credentials)) {
    response = await postForm(options, url, {
      grant_type: 'refresh_token',
      refresh_token: credentials.identityToken,
    });
  } else {
    response = await getToken(options, url);
    if ((response.status === 404 || response.status === 405) && credentials !== undefined) {
      await discardResponse(response);
      response = await postForm(options, url, {
        grant_type: 'password',
        username: credentials.username,
        password: credentials.password,
      });
    }
  }
  return parseTokenResponse(response, options);
}

async function getToken(options: FetchTokenOptions, realm: URL): Promise<RegistryResponse> {
  const url = new URL(realm.href);
  if (options.realm.service !== undefined) url.searchParams.set('service', options.realm.service);
  for (const scope of options.scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  const { credentials } = options;
  if (credentials !== undefined && isPasswordCredentials(credentials)) {
    url.searchParams.set('account', credentials.username);
    headers.authorization = basicAuthorization(credentials.username, credentials.password);
  }
  if (options.offlineToken) url.searchParams.set('offline_token', 'true');
  url.searchParams.set('client_id', options.clientId);
  return options.send(url, { method: 'GET', headers });
}

async function postForm(
  options: FetchTokenOptions,
  realm: URL,
  grant: Record<string, string>,
): Promise<RegistryResponse> {
  const form = new URLSearchParams(grant);
  if (options.realm.service !== undefined) form.set('service', options.realm.service);
  form.set('client_id', options.clientId);
  if (options.scopes.length > 0) form.set('scope', options.scopes.join(' '));
  if (options.offlineToken) form.set('access_type', 'offline');
  return options.send(realm, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new TextEncoder().encode(form.toString()),
  });
}

async function parseTokenResponse(response: RegistryResponse, options: FetchTokenOptions): Promise<Token> {
  const realmHost = (() => {
    try {
      return new URL(options.realm.realm).host;
    } catch {
      return options.realm.realm;
    }
  })();
  if (response.status === 401 || response.status === 403) {
    const error = await errorFromResponse(response, { operation: 'get a token', registry: realmHost });
    const anonymous = options.credentials === undefined;
    throw new ManifestoError(
      response.status === 401 ? 'UNAUTHORIZED' : 'DENIED',
      anonymous
        ? `the token service of ${options.registry} (${realmHost}) refused anonymous access`
        : `the token service of ${options.registry} (${realmHost}) rejected the credentials`,
      {
        category: 'auth',
        status: response.status,
        registryErrors: error.registryErrors,
        hint: `run "manifesto login ${options.registry}" or pass --username/--password-stdin`,
      },
    );
  }
  if (response.status !== 200) {
    throw await errorFromResponse(response, { operation: 'get a token', registry: realmHost });
  }
  const text = new TextDecoder().decode(await readCapped(response, MAX_TOKEN_RESPONSE_BYTES));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw invalidTokenResponse(realmHost, cause);
  }
  if (typeof body !== 'object' || body === null) throw invalidTokenResponse(realmHost);
  const record = body as Record<string, unknown>;
  const token =
    typeof record.token === 'string' && record.token !== ''
      ? record.token
      : typeof record.access_token === 'string' && record.access_token !== ''
        ? record.access_token
        : undefined;
  if (token === undefined) throw invalidTokenResponse(realmHost);
  const expiresIn =
    typeof record.expires_in === 'number' && Number.isFinite(record.expires_in) && record.expires_in > 0
      ? record.expires_in
      : DEFAULT_TOKEN_LIFETIME_S;
  // Renew a little early: 10% of the lifetime, at most 30 s, so a token never expires in flight.
  const margin = Math.min(30, expiresIn * 0.1);
  return {
    token,
    scopes: [...options.scopes],
    expiresAt: options.now() + (expiresIn - margin) * 1000,
    refreshToken: typeof record.refresh_token === 'string' ? record.refresh_token : undefined,
  };
}

function invalidTokenResponse(realmHost: string, cause?: unknown): ManifestoError {
  return new ManifestoError('TOKEN_RESPONSE_INVALID', `the token service ${realmHost} sent no usable token`, {
    category: 'integrity',
    cause,
    hint: 'The registry token service is misbehaving; report it.',
  });
}
