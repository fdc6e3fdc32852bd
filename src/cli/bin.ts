#!/usr/bin/env node
/**
 * The `manifesto` executable. `--version` answers at once (nothing else is loaded); every other
 * command enables Node's compile cache (in os.tmpdir()/node-compile-cache unless NODE_COMPILE_CACHE
 * names a directory) and then loads the CLI, which loads only the code of the command it runs.
 */
import { enableCompileCache } from 'node:module';
import { VERSION } from '../version.ts';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  process.stdout.write(`manifesto ${VERSION}\n`);
} else {
  enableCompileCache?.();
  const { main } = await import('./main.ts');
  process.exitCode = await main(argv);
}
