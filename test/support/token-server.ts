// A Docker-registry token server (https://distribution.github.io/distribution/spec/auth/token/) for
// tests: authenticates users with HTTP basic auth (GET) or the OAuth2 password / refresh_token grants
// (POST), grants each requested `scope` the actions its user is allowed, and signs ES256 JWTs whose
// `x5c` header carries the signing certificate, which distribution 2.8 verifies against the
// `auth.token.rootcertbundle` of its config. Anonymous requests get a token with no access, so the
// registry answers them 401 / insufficient_scope.
//
// distribution 2.8's token format, as checked against 2.8.3: `aud` must be a single string (an array
// is a "malformed token"), the ES256 signature the raw 64-byte r||s (a DER signature is rejected),
// `iss`/`aud` equal to the config's issuer/service, exp/nbf with 60 s leeway, and the x5c leaf must
// chain to a certificate in `rootcertbundle`. Why a token was refused is only logged at level info.
//
// Every token request is appended as one JSON line to `logFile`, so tests running in other processes
// than the server (node --test runs each file in its own process) can read what was asked and granted.

import { randomBytes, sign, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCertificate } from './certificates.ts';
import { readBody, sendJson } from './http.ts';

export interface TokenUser {
  username: string;
  password: string;
  /** Actions granted on every repository, e.g. ['pull', 'push', 'delete'] or ['pull']. */
  repositoryActions: readonly string[];
  /** Grants `registry:catalog:*` (listing repositories). */
  catalog?: boolean;
}

/** One granted resource, as in the JWT's `access` claim. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** One request to the token server, as recorded in its JSON-lines log. */
export interface TokenRequestRecord {
  /** ISO time the request arrived. */
  time: string;
  method: string;
  /** 'basic' (GET with basic auth), 'password' or 'refresh_token' (POST grants), or 'anonymous'. */
  grant: 'basic' | 'password' | 'refresh_token' | 'anonymous';
  /** The authenticated user; null when anonymous or when authentication failed. */
  account: string | null;
  /** The username that was presented, even when authentication failed. */
  presentedUsername: string | null;
  /** The `service` parameter as sent by the client. */
  service: string | null;
  /** The `scope` parameters as sent by the client (each `type:name:actions`), in order. */
  scopes: string[];
  /** What the token grants (empty for anonymous clients). */
  granted: TokenAccess[];
  /** HTTP status of the answer: 200, or 401 for bad credentials, 400 for a malformed request. */
  status: number;
}

export interface TokenServerOptions {
  /** `aud` of the tokens: the registry's `auth.token.service`. */
  service: string;
  /** `iss` of the tokens: the registry's `auth.token.issuer`. */
  issuer: string;
  users: readonly TokenUser[];
  /** Signs tokens; its certificate must chain to the registry's `rootcertbundle`. */
  signer: TestCertificate;
  /** Certificates after the signer in the `x5c` chain (intermediates), if any. */
  chain?: readonly TestCertificate[];
  /** JSON-lines request log. */
  logFile: string;
  /** Actions anonymous clients get on every repository (default none). */
  anonymousActions?: readonly string[];
  /** Token lifetime in seconds (default 300). */
  expiresIn?: number;
}

export interface TokenServer {
  /** Base URL, e.g. 'http://127.0.0.1:PORT'. */
  url: string;
  /** The realm to configure in the registry: `${url}/token`. */
  realm: string;
  logFile: string;
  requests(): TokenRequestRecord[];
  stop(): Promise<void>;
}

/** Reads a token server's JSON-lines log (an absent file means no requests yet). */
export function readTokenLog(logFile: string): TokenRequestRecord[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TokenRequestRecord);
}

/** Parses one scope `type[(class)]:name:actions`; the name may itself contain ':' (host:port/repo). */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '');
  if (name === '') return undefined;
  return { type, name, actions };
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const expiresIn = options.expiresIn ?? 300;
  const refreshTokens = new Map<string, string>(); // refresh token -> username
  const x5c = [options.signer, ...(options.chain ?? [])].map((c) => c.der.toString('base64'));

  const authenticate = (username: string, password: string): TokenUser | undefined =>
    options.users.find((u) => u.username === username && sameSecret(u.password, password));

  const grant = (user: TokenUser | undefined, scopes: string[]): TokenAccess[] => {
    const granted: TokenAccess[] = [];
    for (const raw of scopes) {
      const scope = parseScope(raw);
      if (!scope) continue;
      let allowed: readonly string[] = [];
      if (scope.type === 'repository')
        allowed = user ? user.repositoryActions : (options.anonymousActions ?? []);
      else if (scope.type === 'registry' && scope.name === 'catalog' && user?.catalog) allowed = ['*'];
      const actions = scope.actions.filter((a) => allowed.includes(a) || allowed.includes('*'));
      if (actions.length > 0) granted.push({ type: scope.type, name: scope.name, actions });
    }
    return granted;
  };

  const issue = (account: string | null, access: TokenAccess[]): { token: string; issuedAt: Date } => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c };
    const claims = {
      iss: options.issuer,
      sub: account ?? '',
      aud: options.service,
      exp: now + expiresIn,
      nbf: now - 5,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JWS ES256 signatures are the raw r||s pair (IEEE P1363), not DER.
    const signature = sign('sha256', Buffer.from(signingInput), {
      key: options.signer.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return { token: `${signingInput}.${base64url(signature)}`, issuedAt: new Date(now * 1000) };
  };

  const record = (entry: TokenRequestRecord): void => {
    appendFileSync(options.logFile, `${JSON.stringify(entry)}\n`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      sendJson(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'token endpoint is GET/POST /token' }] });
      return;
    }
    const base: Omit<TokenRequestRecord, 'grant' | 'account' | 'presentedUsername' | 'granted' | 'status'> = {
      time: new Date().toISOString(),
      method: req.method,
      service: null,
      scopes: [],
    };

    let grantType: TokenRequestRecord['grant'] = 'anonymous';
    let presented: string | null = null;
    let user: TokenUser | undefined;
    let credentialsValid = true;
    let offline = false;

    if (req.method === 'GET') {
      base.service = url.searchParams.get('service');
      base.scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x !== ''));
      offline = url.searchParams.get('offline_token') === 'true';
      const authorization = req.headers.authorization ?? '';
      const match = /^Basic\s+(.+)$/i.exec(authorization);
      if (match?.[1]) {
        grantType = 'basic';
        const decoded = Buffer.from(match[1], 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        presented = colon >= 0 ? decoded.slice(0, colon) : decoded;
        user = colon >= 0 ? authenticate(presented, decoded.slice(colon + 1)) : undefined;
        credentialsValid = user !== undefined;
      }
    } else {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      base.service = form.get('service');
      base.scopes = form.getAll('scope').flatMap((s) => s.split(' ').filter((x) => x !== ''));
      offline = form.get('access_type') === 'offline';
      const type = form.get('grant_type');
      if (type === 'password') {
        grantType = 'password';
        presented = form.get('username');
        user = authenticate(presented ?? '', form.get('password') ?? '');
        credentialsValid = user !== undefined;
      } else if (type === 'refresh_token') {
        grantType = 'refresh_token';
        const owner = refreshTokens.get(form.get('refresh_token') ?? '');
        presented = owner ?? null;
        user = options.users.find((u) => u.username === owner);
        credentialsValid = user !== undefined;
      } else {
        record({
          ...base,
          grant: 'anonymous',
          account: null,
          presentedUsername: null,
          granted: [],
          status: 400,
        });
        sendJson(res, 400, {
          errors: [{ code: 'UNSUPPORTED', message: `unsupported grant_type ${type ?? ''}` }],
        });
        return;
      }
    }

    if (!credentialsValid) {
      record({
        ...base,
        grant: grantType,
        account: null,
        presentedUsername: presented,
        granted: [],
        status: 401,
      });
      sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username, password or refresh token' }] },
        { 'www-authenticate': 'Basic realm="manifesto test token server"' },
      );
      return;
    }

    const account = user?.username ?? null;
    const granted = grant(user, base.scopes);
    const { token, issuedAt } = issue(account, granted);
    record({ ...base, grant: grantType, account, presentedUsername: presented, granted, status: 200 });
    const body: Record<string, string | number> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: issuedAt.toISOString(),
    };
    if (user && (req.method === 'POST' || offline)) {
      const refresh = randomBytes(24).toString('base64url');
      refreshTokens.set(refresh, user.username);
      body.refresh_token = refresh;
    }
    if (req.method === 'POST') body.scope = base.scopes.join(' ');
    sendJson(res, 200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ code: 'UNKNOWN', message: String(error) }] });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    logFile: options.logFile,
    requests: () => readTokenLog(options.logFile),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
