/**
 * Runs the bundled CLI (one script, dist/cli/manifesto-<hash>.cjs, built by scripts/build.ts) with a
 * V8 code cache made after a run of the same command, so that a command starts with the bytecode of
 * every function it ran last time instead of parsing and compiling them again.
 *
 * Why not Node's compile cache (`module.enableCompileCache()`, which the CLI used before): Node makes
 * that cache when a module is compiled, before it runs, so it holds only each module's top level;
 * every function a command calls is still parsed and compiled on every run, and each of the ~30
 * code-split chunks a command loaded cost a resolution, a file read and a cache lookup. Measured with
 * callgrind (instructions of the whole process, V8's random hash-seed search left out, loopback
 * registry with the referrers API), `manifesto put` of a small file: 345 M without any cache, 283 M
 * with Node's compile cache over the chunks, 230 M with this cache over one script; a bare node:http
 * script making the same 6 requests: 136 M.
 *
 * The cache is one file per command (`put`, `get`, ...: each runs other functions), in
 * $XDG_CACHE_HOME/manifesto/v8-code (else ~/.cache/...), named after the bundle (whose name carries a
 * hash of its content: V8 itself only checks the source's length), Node's version and architecture.
 * It is written once, after a run without a usable cache (none yet, or V8 rejected it: other flags),
 * through a temporary file and a rename, 0600 in a 0700 folder (bytecode runs as this user's code).
 * Older bundles' files are removed then. Every failure to read or write it only costs the speed-up.
 */
import type { Buffer } from 'node:buffer';

type Main = (argv: string[]) => Promise<number>;

/** The folder of the code cache, or undefined when there is no home to put it in. */
function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  const { join } = process.getBuiltinModule('node:path');
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base === undefined ? undefined : join(base, 'manifesto', 'v8-code');
}

/** A file-name-safe key for the command: commands run different functions, so each has its file. */
function commandKey(argv: readonly string[]): string {
  const command = argv.find((arg) => !arg.startsWith('-'));
  return command !== undefined && /^[a-z][a-z-]{0,30}$/.test(command) ? command : 'default';
}

/**
 * Loads the bundle at `bundlePath` (a CommonJS-style script whose `module.exports.main` is the CLI's
 * main), runs `main(argv)` and returns its exit code; writes the code cache when there was none.
 */
export async function runCachedBundle(bundlePath: string, argv: string[]): Promise<number> {
  const fs = process.getBuiltinModule('node:fs');
  const { basename, dirname, join } = process.getBuiltinModule('node:path');
  const { createRequire } = process.getBuiltinModule('node:module');
  const { pathToFileURL } = process.getBuiltinModule('node:url');
  const vm = process.getBuiltinModule('node:vm');

  const dir = cacheDir(process.env);
  const bundleName = basename(bundlePath).replace(/\.[^.]+$/, '');
  const cacheFile =
    dir === undefined
      ? undefined
      : join(dir, `${bundleName}-${process.version}-${process.arch}-${commandKey(argv)}.bin`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== undefined) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  // The build writes ASCII only (esbuild's default charset), so latin1 reads it as a one-byte string
  // without UTF-8 decoding (7 M instructions for the UTF-8 read of an 800 KB script).
  const source = fs.readFileSync(bundlePath, 'latin1');
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __manifestoUrl) {${source}\n})`,
    { filename: bundlePath, ...(cachedData === undefined ? {} : { cachedData }) },
  );
  const module = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(bundlePath),
    module,
    bundlePath,
    dirname(bundlePath),
    pathToFileURL(bundlePath).href,
  );
  const code = await module.exports.main!(argv);
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    writeCache(cacheFile, bundleName, () => script.createCachedData());
  }
  return code;
}

/** Writes the cache through a temporary file; removes the files of other bundles (`manifesto-<hash>`). */
function writeCache(file: string, bundleName: string, create: () => Buffer): void {
  const fs = process.getBuiltinModule('node:fs');
  const { dirname, join } = process.getBuiltinModule('node:path');
  const dir = dirname(file);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Files of older bundles (another build or version of manifesto) are of no use any more.
    const family = bundleName.replace(/-[^-]*$/, '-');
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(family) && !name.startsWith(`${bundleName}-`)) {
        fs.rmSync(join(dir, name), { force: true });
      }
    }
    fs.writeFileSync(temp, create(), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // nothing to clean up
    }
  }
}
