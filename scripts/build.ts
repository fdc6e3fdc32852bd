/**
 * Builds the package: the library (dist/lib, with type declarations in dist/types) with tsc, and the
 * CLI bundled with esbuild: the entry dist/manifesto.mjs (a few hundred bytes) and code-split chunks in
 * dist/cli/, so that each command loads only the code it uses (`--version` loads nothing else; `get`
 * no signing, policy or YAML code) and Node's compile cache (enabled by the entry) covers the chunks.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });

execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);

const outfile = join(root, 'dist/manifesto.mjs');
await build({
  entryPoints: { manifesto: join(root, 'src/cli/bin.ts') },
  outdir: join(root, 'dist'),
  outExtension: { '.js': '.mjs' },
  chunkNames: 'cli/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: false,
  legalComments: 'linked',
  // Loaded with require() only when content is validated or YAML parsed (src/kinds/lazy.ts): left to
  // Node at run time instead of bundled, so commands that never validate (get, list) do not parse them.
  external: ['valibot', 'yaml'],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __manifestoCreateRequire } from 'node:module'; const require = __manifestoCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile}`);
