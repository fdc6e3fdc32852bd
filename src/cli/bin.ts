#!/usr/bin/env node
/** The `manifesto` executable: caches compiled code between runs, then runs the CLI. */
import { enableCompileCache } from 'node:module';

enableCompileCache?.();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
