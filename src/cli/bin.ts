#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `manifesto` executable. Node runs it with a 1 MiB young generation (the `#!` line): streamed
 * blobs are many short-lived buffers, and V8's default semi-space lets tens of MiB of them float
 * (500 MiB put/get peak at ~110/125 MB RSS instead of ~160). `--version` answers at once (nothing else
 * is loaded). Built (dist/manifesto.mjs), every other command runs the one-script bundle of the CLI
 * with a V8 code cache of that command (src/cli/code-cache.ts); from the sources, src/cli/main.ts.
 */
// A namespace import: it links on every Node (a named import of an export an older Node lacks is a
// SyntaxError before any line runs), and nothing else is loaded before the Node version is checked.
import * as nodeModule from 'node:module';

/** `engines.node` of package.json: older Nodes get one line saying so, not a parser error. */
const MINIMUM_NODE = [22, 12] as const;

/** Set by scripts/build.ts in dist/manifesto.mjs: the CLI bundle's path relative to this file. */
declare const MANIFESTO_CLI_BUNDLE: string | undefined;

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < MINIMUM_NODE[0] || (major === MINIMUM_NODE[0] && minor < MINIMUM_NODE[1])) {
  process.stderr.write(
    `manifesto: error: manifesto needs Node ${MINIMUM_NODE.join('.')} or newer (this is Node ${process.versions.node}); ` +
      'install Node 24 LTS (https://nodejs.org), or in a source checkout: export PATH="$(scripts/node24.sh):$PATH"\n',
  );
  process.exit(12);
}

const { VERSION } = await import('../version.ts');
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`manifesto ${VERSION}\n`);
} else if (typeof MANIFESTO_CLI_BUNDLE === 'string') {
  const { runCachedBundle } = await import('./code-cache.ts');
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  process.exitCode = await runCachedBundle(
    fileURLToPath(new URL(MANIFESTO_CLI_BUNDLE, import.meta.url)),
    argv,
  );
} else {
  // From the sources: Node's compile cache covers the modules' top level.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
