#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `manifesto` executable. Node runs it with a 1 MiB young generation (the `#!` line): streamed
 * blobs are many short-lived buffers, and V8's default semi-space lets tens of MiB of them float
 * (500 MiB put/get peak at ~110/125 MB RSS instead of ~160). `--version` answers at once (nothing else is loaded); every other
 * command enables Node's compile cache (in os.tmpdir()/node-compile-cache unless NODE_COMPILE_CACHE
 * names a directory) and then loads the CLI, which loads only the code of the command it runs.
 */
// A namespace import: it links on every Node (a named import of an export an older Node lacks is a
// SyntaxError before any line runs), and nothing else is loaded before the Node version is checked.
import * as nodeModule from 'node:module';

/** `engines.node` of package.json: older Nodes get one line saying so, not a parser error. */
const MINIMUM_NODE = [22, 12] as const;

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
} else {
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
