// Real OCI registries for integration tests, over loopback.
//
// scripts/test.ts (`npm test`) starts one registry of each local kind before the tests and passes them
// to the test processes as JSON in MANIFESTO_TEST_REGISTRIES; tests read them with testRegistries() /
// testRegistry(kind). A test that needs a registry of its own (to break it, fill it, or watch its
// token requests alone) calls startRegistry(kind) and stop()s it after.
//
//   distribution            CNCF distribution 2.8, plain HTTP, anonymous, no referrers API
//   refreg                  go-containerregistry's registry, plain HTTP, anonymous, OCI referrers API,
//                           in memory
//   distribution-basic-tls  distribution 2.8 over HTTPS (self-signed test CA in `caFile`), htpasswd
//                           basic auth: `username`/`password`; anonymous requests get 401
//   distribution-token      distribution 2.8, plain HTTP, token auth (Bearer challenge) against the
//                           Node token server of token-server.ts: `username`/`password` may pull, push
//                           and delete; `readOnlyUser` may only pull; anonymous gets no access
//   external                MANIFESTO_TEST_REGISTRY=host[:port] (with MANIFESTO_TEST_REGISTRY_USERNAME,
//                           _PASSWORD, _PLAIN_HTTP=1, _CA=file); MANIFESTO_TEST_REGISTRY_ONLY=1 starts
//                           no local registry
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSync } from 'bcryptjs';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { createCertificateAuthority } from './certificates.ts';
import { peerBin } from './peers.ts';
import { readTokenLog, startTokenServer, type TokenRequestRecord, type TokenServer } from './token-server.ts';

export type { TokenAccess, TokenRequestRecord } from './token-server.ts';

export type RegistryKind =
  | 'distribution'
  | 'refreg'
  | 'distribution-basic-tls'
  | 'distribution-token'
  | 'external';
export type LocalRegistryKind = Exclude<RegistryKind, 'external'>;

/** The local kinds, in the order scripts/test.ts starts and lists them. */
export const LOCAL_REGISTRY_KINDS: readonly LocalRegistryKind[] = [
  'distribution',
  'refreg',
  'distribution-basic-tls',
  'distribution-token',
];

/**
 * The token server of a 'distribution-token' registry. It runs in the process that started the
 * registry (for the shared registries: the scripts/test.ts process, not the test's), so its requests
 * are read from its JSON-lines log file, which works from any process. The log is shared by every
 * test using that registry: filter records by your own (uniqueRepository) names in `scopes`.
 */
export interface TestTokenServer {
  /** Base URL, 'http://127.0.0.1:PORT'. */
  url: string;
  /** The realm the registry's Bearer challenge names: `${url}/token`. */
  realm: string;
  /** JSON-lines file, one TokenRequestRecord per token request. */
  logFile: string;
  /** Every token request so far (reads logFile). */
  requests(): TokenRequestRecord[];
}

export interface TestRegistry {
  kind: RegistryKind;
  /** '127.0.0.1:PORT' as used in image references. */
  host: string;
  /** 'http://127.0.0.1:PORT' or 'https://127.0.0.1:PORT'. */
  baseUrl: string;
  plainHttp: boolean;
  /** Whether GET /v2/<name>/referrers/<digest> is served: known for local kinds, undefined for external. */
  referrersApi: boolean | undefined;
  /** PEM file of the CA that issued a TLS registry's certificate. */
  caFile?: string;
  /** A user with full access (basic-auth and token registries; external when configured). */
  username?: string;
  password?: string;
  /** Token registry: a user granted pull only. */
  readOnlyUser?: { username: string; password: string };
  /** Token registry: its token server. */
  tokenServer?: TestTokenServer;
}

export interface RunningRegistry extends TestRegistry {
  kind: LocalRegistryKind;
  /** Folder with the registry's config, storage, certificates and logs. */
  workDir: string;
  /** The registry process's id (the spawned child), e.g. to read its CPU time in /proc/<pid>/stat. */
  pid: number | undefined;
  /** The registry process's own stdout and stderr. */
  logFile: string;
  /** Stops the registry (and its token server); removes workDir when startRegistry created it. */
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Folder for config, storage, certificates and logs. Default: a new temporary folder, removed by stop(). */
  workDir?: string;
  /**
   * Where the default workDir (the new temporary folder) is made, e.g. '/dev/shm' to keep distribution's
   * storage on tmpfs. Default: os.tmpdir(). Ignored when workDir is given.
   */
  parentDir?: string;
  /** Token registry: actions anonymous clients get on every repository (default none). */
  anonymousActions?: readonly string[];
  /** Token registry: lifetime of issued tokens in seconds (default 300). */
  tokenExpiresIn?: number;
  /** distribution's log level (default 'warn'). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** How long to wait for GET /v2/ to answer (default 30 s). */
  startTimeoutMs?: number;
}

/** Environment variable through which scripts/test.ts passes the running registries to tests. */
export const TEST_REGISTRIES_ENV = 'MANIFESTO_TEST_REGISTRIES';

type SerializedRegistry = Omit<TestRegistry, 'tokenServer'> & {
  tokenServer?: Omit<TestTokenServer, 'requests'>;
};

/** JSON for MANIFESTO_TEST_REGISTRIES (functions and process handles are dropped). */
export function serializeRegistries(registries: readonly TestRegistry[]): string {
  const plain: SerializedRegistry[] = registries.map((r) => {
    const out: SerializedRegistry = {
      kind: r.kind,
      host: r.host,
      baseUrl: r.baseUrl,
      plainHttp: r.plainHttp,
      referrersApi: r.referrersApi,
    };
    if (r.caFile !== undefined) out.caFile = r.caFile;
    if (r.username !== undefined) out.username = r.username;
    if (r.password !== undefined) out.password = r.password;
    if (r.readOnlyUser !== undefined) out.readOnlyUser = r.readOnlyUser;
    if (r.tokenServer !== undefined) {
      out.tokenServer = {
        url: r.tokenServer.url,
        realm: r.tokenServer.realm,
        logFile: r.tokenServer.logFile,
      };
    }
    return out;
  });
  return JSON.stringify(plain);
}

function hydrate(r: SerializedRegistry): TestRegistry {
  const { tokenServer, ...rest } = r;
  const registry: TestRegistry = { ...rest, referrersApi: r.referrersApi ?? undefined };
  if (tokenServer) {
    registry.tokenServer = { ...tokenServer, requests: () => readTokenLog(tokenServer.logFile) };
  }
  return registry;
}

const truthy = (value: string | undefined): boolean => value === '1' || value === 'true';

/** The external registry described by MANIFESTO_TEST_REGISTRY* variables, if any. */
export function externalRegistryFromEnv(env: NodeJS.ProcessEnv = process.env): TestRegistry | undefined {
  const host = env.MANIFESTO_TEST_REGISTRY?.trim();
  if (!host) return undefined;
  const plainHttp = truthy(env.MANIFESTO_TEST_REGISTRY_PLAIN_HTTP);
  const registry: TestRegistry = {
    kind: 'external',
    host,
    baseUrl: `${plainHttp ? 'http' : 'https'}://${host}`,
    plainHttp,
    referrersApi: undefined,
  };
  if (env.MANIFESTO_TEST_REGISTRY_CA) registry.caFile = env.MANIFESTO_TEST_REGISTRY_CA;
  if (env.MANIFESTO_TEST_REGISTRY_USERNAME) registry.username = env.MANIFESTO_TEST_REGISTRY_USERNAME;
  if (env.MANIFESTO_TEST_REGISTRY_PASSWORD) registry.password = env.MANIFESTO_TEST_REGISTRY_PASSWORD;
  return registry;
}

/**
 * The registries the integration tests run against: those scripts/test.ts started (from
 * MANIFESTO_TEST_REGISTRIES) plus the external one from MANIFESTO_TEST_REGISTRY, if set.
 * Throws when neither is there: run integration tests through `npm test` (`npm test -- FILE`).
 */
export function testRegistries(): TestRegistry[] {
  const json = process.env[TEST_REGISTRIES_ENV];
  const external = externalRegistryFromEnv();
  if (json === undefined && !external) {
    throw new Error(
      `${TEST_REGISTRIES_ENV} is not set: run integration tests with \`npm test -- <file>\` ` +
        '(scripts/test.ts starts the registries), or set MANIFESTO_TEST_REGISTRY',
    );
  }
  const registries = json ? (JSON.parse(json) as SerializedRegistry[]).map(hydrate) : [];
  if (external && !registries.some((r) => r.kind === 'external')) registries.push(external);
  return registries;
}

/** The running registry of that kind, or undefined when it does not run (e.g. MANIFESTO_TEST_REGISTRY_ONLY=1). */
export function testRegistry(kind: RegistryKind): TestRegistry | undefined {
  return testRegistries().find((r) => r.kind === kind);
}

/** The running registry of that kind; throws (failing the test) when it does not run. */
export function requireRegistry(kind: RegistryKind): TestRegistry {
  const registry = testRegistry(kind);
  if (registry === undefined) throw new Error(`test registry '${kind}' is not running`);
  return registry;
}

/** requireRegistry for a registry with a user (basic-auth, token, a configured external one). */
export function requireRegistryWithUser(
  kind: RegistryKind,
): TestRegistry & { username: string; password: string } {
  const registry = requireRegistry(kind);
  const { username, password } = registry;
  if (username === undefined || password === undefined)
    throw new Error(`test registry '${kind}' has no username and password`);
  return { ...registry, username, password };
}

/**
 * A repository name no other test uses: `${prefix}-<10 random [a-z0-9]>`, after
 * MANIFESTO_TEST_REPOSITORY_PREFIX when set (e.g. 'myorg/' for an external registry with namespaces).
 */
export function uniqueRepository(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
  return `${process.env.MANIFESTO_TEST_REPOSITORY_PREFIX ?? ''}${prefix.toLowerCase()}-${suffix}`;
}

/** An undici dispatcher that trusts the registry's CA (for TLS registries); undefined otherwise. */
export function registryAgent(registry: Pick<TestRegistry, 'caFile'>): Agent | undefined {
  return registry.caFile ? new Agent({ connect: { ca: readFileSync(registry.caFile, 'utf8') } }) : undefined;
}

/** A free loopback port: bind port 0, read it, close. The caller retries if someone else takes it. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** Waits until GET /v2/ answers 200 or 401 (auth required) or the process exits. */
async function waitReady(
  baseUrl: string,
  child: ChildProcess,
  agent: Agent,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(child)) return false;
    try {
      const res = await request(`${baseUrl}/v2/`, {
        dispatcher: agent,
        headersTimeout: 2000,
        bodyTimeout: 2000,
      });
      await res.body.dump();
      // A foreign server may have taken the port between our probe and the registry's bind: the
      // registry then exits at once, so make sure ours is still alive after it answered.
      if (res.statusCode === 200 || res.statusCode === 401) {
        await sleep(50);
        return !exited(child);
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`registry at ${baseUrl} did not answer GET /v2/ within ${timeoutMs} ms`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

interface Launch {
  command: string;
  args: string[];
  /** Writes the config for this port (called again on a port collision). */
  prepare(port: number): void;
  scheme: 'http' | 'https';
  caPem?: string;
}

async function launch(
  launchSpec: Launch,
  logFile: string,
  timeoutMs: number,
): Promise<{ child: ChildProcess; port: number; killAtExit: () => void }> {
  const agent = new Agent({
    connect: launchSpec.caPem ? { ca: launchSpec.caPem } : {},
    keepAliveTimeout: 10,
  });
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      launchSpec.prepare(port);
      const fd = openSync(logFile, 'a');
      const child = spawn(
        launchSpec.command,
        launchSpec.args.map((a) => a.replace('{PORT}', String(port))),
        { stdio: ['ignore', fd, fd] },
      );
      closeSync(fd);
      const killAtExit = () => {
        if (!exited(child)) child.kill('SIGKILL');
      };
      process.once('exit', killAtExit);
      const baseUrl = `${launchSpec.scheme}://127.0.0.1:${port}`;
      let ready = false;
      try {
        ready = await waitReady(baseUrl, child, agent, timeoutMs);
      } catch (error) {
        await stopProcess(child);
        process.removeListener('exit', killAtExit);
        throw new Error(`${(error as Error).message}\n--- ${logFile} ---\n${tail(logFile)}`);
      }
      if (ready) return { child, port, killAtExit };
      process.removeListener('exit', killAtExit);
      await stopProcess(child);
      const log = tail(logFile);
      if (attempt < 5 && /address already in use/i.test(log)) continue;
      throw new Error(
        `${launchSpec.command} exited (code ${child.exitCode}) before serving ${baseUrl}\n--- ${logFile} ---\n${log}`,
      );
    }
  } finally {
    await agent.close();
  }
}

interface DistributionAuth {
  auth?: Record<string, unknown>;
  tls?: { certificate: string; key: string };
}

function distributionConfig(
  workDir: string,
  port: number,
  logLevel: string,
  extra: DistributionAuth,
): string {
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: logLevel, formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(workDir, 'data') },
      delete: { enabled: true },
      redirect: { disable: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: randomBytes(16).toString('hex'),
      headers: { 'X-Content-Type-Options': ['nosniff'] },
      ...(extra.tls ? { tls: extra.tls } : {}),
    },
    health: { storagedriver: { enabled: false } },
    ...(extra.auth ? { auth: extra.auth } : {}),
  };
  return stringify(config);
}

const secret = (): string => randomBytes(12).toString('hex');

/** Starts a private registry of that kind on a free loopback port; resolves once GET /v2/ answers. */
export async function startRegistry(
  kind: LocalRegistryKind,
  options: StartRegistryOptions = {},
): Promise<RunningRegistry> {
  const createdWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(options.parentDir ?? tmpdir(), `manifesto-${kind}-`));
  mkdirSync(workDir, { recursive: true });
  const logFile = join(workDir, `${kind}.log`);
  const logLevel = options.logLevel ?? 'warn';
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const configFile = join(workDir, 'config.yml');
  let tokenServer: TokenServer | undefined;
  const registry: Omit<TestRegistry, 'host' | 'baseUrl'> & { kind: LocalRegistryKind } = {
    kind,
    plainHttp: true,
    referrersApi: false,
  };
  let spec: Launch;

  const cleanup = async () => {
    await tokenServer?.stop();
    if (createdWorkDir) rmSync(workDir, { recursive: true, force: true });
  };

  try {
    switch (kind) {
      case 'refreg':
        registry.referrersApi = true;
        spec = {
          command: peerBin('refreg'),
          args: ['-addr', '127.0.0.1:{PORT}'],
          prepare: () => {},
          scheme: 'http',
        };
        break;
      case 'distribution':
        spec = {
          command: peerBin('docker-registry'),
          args: ['serve', configFile],
          prepare: (port) => writeFileSync(configFile, distributionConfig(workDir, port, logLevel, {})),
          scheme: 'http',
        };
        break;
      case 'distribution-basic-tls': {
        const ca = createCertificateAuthority('manifesto test registry CA');
        const server = ca.issueLeaf({
          commonName: '127.0.0.1',
          altNames: ['127.0.0.1', 'localhost', '::1'],
          server: true,
        });
        const caFile = join(workDir, 'ca.pem');
        const certFile = join(workDir, 'server.pem');
        const keyFile = join(workDir, 'server.key');
        const htpasswdFile = join(workDir, 'htpasswd');
        writeFileSync(caFile, ca.pem);
        writeFileSync(certFile, server.pem);
        writeFileSync(keyFile, server.keyPem, { mode: 0o600 });
        registry.username = 'manifesto';
        registry.password = secret();
        // bcrypt cost 4 (the minimum): distribution checks the password on every request.
        writeFileSync(htpasswdFile, `${registry.username}:${hashSync(registry.password, 4)}\n`);
        registry.caFile = caFile;
        registry.plainHttp = false;
        spec = {
          command: peerBin('docker-registry'),
          args: ['serve', configFile],
          prepare: (port) =>
            writeFileSync(
              configFile,
              distributionConfig(workDir, port, logLevel, {
                auth: { htpasswd: { realm: 'manifesto-test', path: htpasswdFile } },
                tls: { certificate: certFile, key: keyFile },
              }),
            ),
          scheme: 'https',
          caPem: ca.pem,
        };
        break;
      }
      case 'distribution-token': {
        const ca = createCertificateAuthority('manifesto test token CA');
        const signer = ca.issueLeaf({ commonName: 'manifesto test token signer' });
        const bundle = join(workDir, 'token-ca.pem');
        writeFileSync(bundle, ca.pem);
        const service = 'manifesto-test-registry';
        const issuer = 'manifesto-test-token-server';
        registry.username = 'manifesto';
        registry.password = secret();
        registry.readOnlyUser = { username: 'reader', password: secret() };
        const tokenOptions: Parameters<typeof startTokenServer>[0] = {
          service,
          issuer,
          signer,
          logFile: join(workDir, 'token-requests.jsonl'),
          users: [
            {
              username: registry.username,
              password: registry.password,
              repositoryActions: ['pull', 'push', 'delete'],
              catalog: true,
            },
            { ...registry.readOnlyUser, repositoryActions: ['pull'] },
          ],
        };
        if (options.anonymousActions) tokenOptions.anonymousActions = options.anonymousActions;
        if (options.tokenExpiresIn !== undefined) tokenOptions.expiresIn = options.tokenExpiresIn;
        const started = await startTokenServer(tokenOptions);
        tokenServer = started;
        registry.tokenServer = {
          url: started.url,
          realm: started.realm,
          logFile: started.logFile,
          requests: started.requests,
        };
        spec = {
          command: peerBin('docker-registry'),
          args: ['serve', configFile],
          prepare: (port) =>
            writeFileSync(
              configFile,
              distributionConfig(workDir, port, logLevel, {
                auth: { token: { realm: started.realm, service, issuer, rootcertbundle: bundle } },
              }),
            ),
          scheme: 'http',
        };
        break;
      }
      default: {
        const unknown: never = kind;
        throw new Error(`unknown registry kind ${String(unknown)}`);
      }
    }

    const { child, port, killAtExit } = await launch(spec, logFile, timeoutMs);
    let stopped = false;
    return {
      ...registry,
      host: `127.0.0.1:${port}`,
      baseUrl: `${spec.scheme}://127.0.0.1:${port}`,
      workDir,
      pid: child.pid,
      logFile,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopProcess(child);
        process.removeListener('exit', killAtExit);
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
