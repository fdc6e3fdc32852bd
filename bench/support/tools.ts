/**
 * The two clients the benchmark compares: manifesto (the bundled CLI built into dist/, run from a
 * private copy, or the sources run by Node when the build is unavailable) and oras (the provisioned peer). Both run with an
 * isolated HOME, so neither reads the developer's credentials or configuration.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerBin } from '../../test/support/peers.ts';

export interface ManifestoCli {
  /** The executable (this Node) and the arguments that precede the command's own. */
  command: string;
  prefix: string[];
  /** 'dist/manifesto.mjs' or 'src/cli/bin.ts', for the report. */
  entry: string;
  /** Why the sources are used, when they are. */
  note?: string | undefined;
  /** Removes the private copy of the bundle. */
  remove(): void;
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Builds the CLI (`npm run build`, i.e. node scripts/build.ts) unless `build` is false, and returns
 * how to run it: a private copy of dist/manifesto.mjs and its chunks (dist/cli/), so that a build
 * by someone else in the same checkout (which deletes dist/ first) neither breaks nor changes the
 * CLI under measurement. Falls back to the sources when the build fails or the bundle is missing.
 */
export function prepareManifesto(
  root: string,
  build: boolean,
  log: (line: string) => void,
  sources = false,
): ManifestoCli {
  const bundled = join(root, 'dist', 'manifesto.mjs');
  let note: string | undefined = sources ? '--sources: the sources run by Node, not the bundle' : undefined;
  if (build && !sources) {
    log('bench: building the CLI (npm run build)');
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'build.ts')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.status !== 0) {
      note = `npm run build failed (exit ${result.status}); using the sources`;
      log(`bench: ${note}\n${(result.stdout + result.stderr).trim().split('\n').slice(-15).join('\n')}`);
    }
  }
  if (note === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-bench-cli-'));
    const copy = join(dir, 'manifesto.mjs');
    // Another build may be between deleting dist/ and writing it again: wait for it a little.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        copyFileSync(bundled, copy);
        cpSync(join(root, 'dist', 'cli'), join(dir, 'cli'), { recursive: true });
        // valibot and yaml are not bundled (scripts/build.ts): the copy finds them in node_modules
        // next to it, as an installed package does (without it, put --from and --sign failed here).
        symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
        return {
          // Run as an executable, as users do: its #! line carries the Node flags manifesto wants.
          command: copy,
          prefix: [],
          entry: 'dist/manifesto.mjs',
          remove: () => rmSync(dir, { recursive: true, force: true }),
        };
      } catch {
        sleepSync(200);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    note = 'dist/manifesto.mjs missing; using the sources';
  }
  return {
    command: process.execPath,
    prefix: [join(root, 'src', 'cli', 'bin.ts')],
    entry: 'src/cli/bin.ts',
    note,
    remove: () => {},
  };
}

export function orasBin(): string {
  return peerBin('oras');
}

/** `oras version`'s first line, e.g. "Version:    1.3.3". */
export function orasVersion(): string {
  const result = spawnSync(orasBin(), ['version'], { encoding: 'utf8' });
  return /Version:\s*(\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

export interface ClientHome {
  dir: string;
  env: Record<string, string>;
  remove(): void;
}

/** An empty HOME (and Docker config) for the clients, and their environment. */
export function createClientHome(): ClientHome {
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-bench-home-'));
  mkdirSync(join(dir, '.docker'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    DOCKER_CONFIG: join(dir, '.docker'),
    NO_COLOR: '1',
    MANIFESTO_AUTHOR: 'bench@manifesto',
  });
  for (const name of Object.keys(env)) {
    // Nothing that changes what manifesto or oras do: no other registry, credentials or debug output.
    if (/^MANIFESTO_(PLAIN_HTTP|INSECURE|CA_FILE|MAX_SIZE|DEBUG|CACHE)/.test(name)) delete env[name];
    if (/^(HTTPS?_PROXY|ALL_PROXY)$/i.test(name)) delete env[name];
  }
  env.NO_PROXY = '127.0.0.1,localhost';
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
