// The real registries and peer CLIs provisioned by scripts/provision-peers.sh, for integration tests.
//
// Flags for offline / plain-HTTP use are the caller's business, e.g.
//   oras: --plain-http (or --ca-file CA for TLS registries); crane: --insecure;
//   cosign: --allow-http-registry --allow-insecure-registry, sign with --key k.key
//           --tlog-upload=false --use-signing-config=false, verify with --insecure-ignore-tlog=true;
//   notation: --insecure-registry;
//   skopeo: --insecure-policy (no /etc/containers/policy.json is provisioned), --dest-tls-verify=false
//           / --src-tls-verify=false for plain-HTTP registries;
//   umoci: --rootless for unpack as a non-root user.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type PeerName =
  | 'oras'
  | 'crane'
  | 'cosign'
  | 'notation'
  | 'skopeo'
  | 'umoci'
  | 'kubectl'
  | 'docker-registry'
  | 'refreg';

export interface RunPeerOptions {
  /** Extra environment, merged over the process environment and the isolated HOME below. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to the peer's standard input (which is otherwise closed). */
  input?: string | Buffer;
  /**
   * HOME for the peer (docker config / credentials, notation and cosign state live there).
   * Default: one fresh temporary folder per test process, so peers never read or write the
   * developer's own ~/.docker, ~/.config/notation or ~/.sigstore.
   */
  home?: string;
  /** Killed (and the promise rejected) after this long; default 120 s. */
  timeoutMs?: number;
}

export interface PeerResult {
  code: number;
  stdout: string;
  stderr: string;
}

const repoRoot = resolve(import.meta.dirname, '..', '..');

/** The folder holding the provisioned binaries: $MANIFESTO_PEERS_DIR/bin or <repo>/.cache/peers/bin. */
export function peersBinDir(): string {
  const dir = process.env.MANIFESTO_PEERS_DIR || join(repoRoot, '.cache', 'peers');
  return join(dir, 'bin');
}

/** Absolute path of a provisioned peer binary; throws when it is not provisioned. */
export function peerBin(name: PeerName): string {
  const bin = join(peersBinDir(), name);
  if (!existsSync(bin)) {
    throw new Error(`peer '${name}' not found at ${bin}: run scripts/provision-peers.sh (npm test does it)`);
  }
  return bin;
}

let sharedHome: string | undefined;

/** The per-process HOME that runPeer uses by default (created on first use, removed at exit). */
export function peerHome(): string {
  if (!sharedHome) {
    const home = mkdtempSync(join(tmpdir(), 'manifesto-peer-home-'));
    sharedHome = home;
    process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  }
  return sharedHome;
}

/** Runs a peer CLI to completion. A non-zero exit resolves (check `code`); a timeout rejects. */
export function runPeer(
  name: PeerName,
  args: readonly string[],
  opts: RunPeerOptions = {},
): Promise<PeerResult> {
  const bin = peerBin(name);
  const home = opts.home ?? peerHome();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    DOCKER_CONFIG: join(home, '.docker'),
    NO_COLOR: '1',
    ...opts.env,
  })) {
    if (v !== undefined) env[k] = v;
  }
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise<PeerResult>((resolvePromise, reject) => {
    const child = spawn(bin, [...args], {
      cwd: opts.cwd,
      env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => stdout.push(c));
    child.stderr?.on('data', (c: Buffer) => stderr.push(c));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${name} ${args.join(' ')} timed out after ${timeoutMs} ms; stderr: ${Buffer.concat(stderr).toString()}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
