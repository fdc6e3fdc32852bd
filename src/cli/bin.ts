#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * The `manifesto` executable. Node runs it with a 1 MiB young generation (the `#!` line): streamed
 * blobs are many short-lived buffers, and V8's default semi-space lets tens of MiB of them float
 * (500 MiB put/get peak at ~110/125 MB RSS instead of ~160). `--version` answers at once (nothing else is loaded); every other
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
