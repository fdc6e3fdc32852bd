/**
 * Local HTTP(S) servers used as fault injectors for the transport tests (resets, 429s, redirects to
 * another origin, challenges), and a small token-auth registry: enough protocol to exercise the
 * transport, nothing of manifesto's own code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { readBody, sendJson } from '../../../support/http.ts';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export type Handler = (req: IncomingMessage, res: ServerResponse, server: TestServer) => void | Promise<void>;

export interface TestServer {
  /** `127.0.0.1:PORT` (or `localhost:PORT`), as a registry host. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface ServerOptions {
  tls?: { key: string; cert: string } | undefined;
  hostname?: string | undefined;
}

export async function startServer(handler: Handler, options: ServerOptions = {}): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let self: TestServer | undefined;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    Promise.resolve(handler(req, res, self!)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const hostname = options.hostname ?? '127.0.0.1';
  self = {
    host: `${hostname}:${port}`,
    port,
    origin: `${options.tls ? 'https' : 'http'}://${hostname}:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

/**
 * A list of servers and transports to close after the file's tests: call it at the top level of the
 * test file, and push what you open.
 */
export function closedAfterTests(): { close(): Promise<void> }[] {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const item of open) await item.close();
  });
  return open;
}

/** A self-signed CA and a server certificate for localhost / 127.0.0.1 it signed (openssl CLI). */
export interface TestCertificates {
  dir: string;
  caFile: string;
  caPem: string;
  key: string;
  cert: string;
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-tls-'));
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=manifesto test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(
    join(dir, 'ext.cnf'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}

// ---------------------------------------------------------------------------------------------
// A token-auth registry: /token issues tokens naming their scopes; /v2/<name>/... checks them.

export interface TokenRegistryOptions {
  /** Accepted users (basic credentials at the token endpoint). Anonymous tokens grant only pull. */
  users?: Record<string, string> | undefined;
  /** Repositories anonymous users may pull. Default: all. */
  publicRepositories?: readonly string[] | undefined;
  /** Users that may only pull. */
  readOnlyUsers?: readonly string[] | undefined;
  /** How the token endpoint answers: docker GET, OAuth2 POST only (GET -> 405), or both. */
  tokenMethods?: 'get' | 'post' | 'both' | undefined;
  /** Property name of the token in the reply. */
  tokenField?: 'token' | 'access_token' | undefined;
  /** Refresh tokens accepted by POST grant_type=refresh_token, mapped to their user. */
  refreshTokens?: Record<string, string> | undefined;
  expiresIn?: number | undefined;
  service?: string | undefined;
}

export interface TokenRequestRecord {
  method: string;
  scopes: string[];
  user: string | undefined;
  grantType?: string | undefined;
  params: Record<string, string>;
}

export interface TokenRegistry {
  server: TestServer;
  tokenRequests: TokenRequestRecord[];
  /** Requests to /v2/ paths (not /token). */
  registryRequests(): RecordedRequest[];
  close(): Promise<void>;
}

interface TokenClaims {
  user: string | undefined;
  scopes: string[];
}

function grantedScopes(scopes: string[], user: string | undefined, options: TokenRegistryOptions): string[] {
  const granted: string[] = [];
  for (const scope of scopes) {
    const match = /^repository:(.+):([a-z,*]*)$/.exec(scope);
    if (!match) continue;
    const name = match[1]!;
    const requested = match[2]!.split(',').filter((a) => a !== '');
    let allowed: string[];
    if (user === undefined) {
      const isPublic = options.publicRepositories === undefined || options.publicRepositories.includes(name);
      allowed = isPublic ? requested.filter((a) => a === 'pull') : [];
    } else if (options.readOnlyUsers?.includes(user)) {
      allowed = requested.filter((a) => a === 'pull');
    } else {
      allowed = requested;
    }
    if (allowed.length > 0) granted.push(`repository:${name}:${allowed.join(',')}`);
  }
  return granted;
}

export async function startTokenRegistry(options: TokenRegistryOptions = {}): Promise<TokenRegistry> {
  const tokenRequests: TokenRequestRecord[] = [];
  const tokens = new Map<string, TokenClaims>();
  const service = options.service ?? 'test-registry';
  const methods = options.tokenMethods ?? 'get';
  let counter = 0;

  const issue = (res: ServerResponse, user: string | undefined, scopes: string[]): void => {
    const token = `tok-${++counter}`;
    tokens.set(token, { user, scopes: grantedScopes(scopes, user, options) });
    const field = options.tokenField ?? 'token';
    sendJson(res, 200, { [field]: token, expires_in: options.expiresIn ?? 300 });
  };

  const handler: Handler = async (req, res, server) => {
    const url = new URL(req.url ?? '/', server.origin);
    if (url.pathname === '/token') {
      if (req.method === 'GET') {
        const params = Object.fromEntries(url.searchParams.entries());
        const scopes = url.searchParams.getAll('scope');
        let user: string | undefined;
        const auth = req.headers.authorization;
        if (auth?.startsWith('Basic ')) {
          const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
          user = name;
          if (options.users?.[name!] !== rest.join(':')) {
            tokenRequests.push({ method: 'GET', scopes, user, params });
            sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] });
            return;
          }
        }
        tokenRequests.push({ method: 'GET', scopes, user, params });
        if (methods === 'post') {
          res.writeHead(405).end();
          return;
        }
        issue(res, user, scopes);
        return;
      }
      if (req.method === 'POST') {
        const form = new URLSearchParams((await readBody(req)).toString('utf8'));
        const params = Object.fromEntries(form.entries());
        const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
        const grantType = form.get('grant_type') ?? undefined;
        let user: string | undefined;
        if (grantType === 'password') {
          user = form.get('username') ?? undefined;
          if (user === undefined || options.users?.[user] !== form.get('password')) {
            tokenRequests.push({ method: 'POST', scopes, user, grantType, params });
            sendJson(res, 401, { error: 'invalid_grant' });
            return;
          }
        } else if (grantType === 'refresh_token') {
          user = options.refreshTokens?.[form.get('refresh_token') ?? ''];
          if (user === undefined) {
            tokenRequests.push({ method: 'POST', scopes, user, grantType, params });
            sendJson(res, 401, { error: 'invalid_grant' });
            return;
          }
        }
        tokenRequests.push({ method: 'POST', scopes, user, grantType, params });
        if (methods === 'get') {
          res.writeHead(404).end();
          return;
        }
        const field = options.tokenField ?? 'access_token';
        const token = `tok-${++counter}`;
        tokens.set(token, { user, scopes: grantedScopes(scopes, user, options) });
        sendJson(res, 200, { [field]: token, expires_in: options.expiresIn ?? 300 });
        return;
      }
    }
    // /v2/ API
    const challenge = (scope?: string, error?: string): string =>
      `Bearer realm="${server.origin}/token",service="${service}"${scope ? `,scope="${scope}"` : ''}${
        error ? `,error="${error}"` : ''
      }`;
    const auth = req.headers.authorization;
    const claims = auth?.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (!claims) {
        sendJson(
          res,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          {
            'www-authenticate': challenge(),
          },
        );
        return;
      }
      sendJson(res, 200, {});
      return;
    }
    const match = /^\/v2\/(.+?)\/(manifests|blobs|tags|referrers)\//.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN' }] });
      return;
    }
    const name = match[1]!;
    const needed =
      req.method === 'GET' || req.method === 'HEAD'
        ? ['pull']
        : req.method === 'DELETE'
          ? ['delete']
          : ['pull', 'push'];
    const scope = `repository:${name}:${needed.join(',')}`;
    if (!claims) {
      await readBody(req);
      sendJson(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        {
          'www-authenticate': challenge(scope),
        },
      );
      return;
    }
    const grant = claims.scopes.find((s) => s.startsWith(`repository:${name}:`));
    const have = grant ? grant.slice(grant.lastIndexOf(':') + 1).split(',') : [];
    if (!needed.every((a) => have.includes(a))) {
      await readBody(req);
      if (claims.user === undefined) {
        sendJson(
          res,
          401,
          { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
          {
            'www-authenticate': challenge(scope, 'insufficient_scope'),
          },
        );
      } else {
        sendJson(res, 403, {
          errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }],
        });
      }
      return;
    }
    const body = await readBody(req);
    sendJson(res, req.method === 'PUT' ? 201 : 200, {
      ok: true,
      user: claims.user ?? null,
      received: body.length,
    });
  };

  const server = await startServer(handler);
  return {
    server,
    tokenRequests,
    registryRequests: () => server.requests.filter((r) => r.url.startsWith('/v2')),
    close: () => server.close(),
  };
}
