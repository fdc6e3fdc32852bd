/**
 * Builds the package: the library (dist/lib, with type declarations in dist/types) with tsc, and the
 * CLI with esbuild in two files:
 * - dist/cli/manifesto-<hash>.cjs, the whole CLI (src/cli/main.ts and everything it imports) as one
 *   script, which src/cli/code-cache.ts runs with a V8 code cache of the command. Commands' modules
 *   stay lazy (esbuild turns each `await import()` into a module initialised on first use), so `get`
 *   evaluates no signing, policy or YAML code; whitespace is minified (the script is read and kept in
 *   memory whole: 1.1 MB -> 0.8 MB) but names are kept, for stack traces.
 * - dist/manifesto.mjs, the launcher (src/cli/bin.ts, ~4 KB): checks the Node version, answers
 *   `--version`, and runs the script. Its name carries the script's hash, which names the cache.
 * Measured before on the same commands (code-split ES chunks, ~30 loaded by `put`, under Node's
 * compile cache): see src/cli/code-cache.ts.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });

execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);

/**
 * Node's built-in modules, taken with process.getBuiltinModule() instead of an ES import. An ES
 * import of a built-in builds a module namespace of all its exports, which reads every lazy getter:
 * `import { parseArgs } from 'node:util'` loads util's diff, colors and worker_threads (~5 M
 * instructions), an import of node:http compiles Node's bundled undici for its WebSocket export
 * (~200 M). So each `import { a, b } from 'node:x'` of the sources becomes a small module that reads
 * exactly `a` and `b` off Node's own exports object (esbuild's CommonJS interop would also read
 * every getter), and a CommonJS `require('x')` of a dependency gets that object itself.
 * The launcher (src/cli/bin.ts) keeps its ES import of node:module: it must link on Nodes that lack
 * process.getBuiltinModule (before 20.16), to tell their users which Node to install.
 */
const NAMED_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g;

/** The names `source` imports from `specifier` with `import { ... }`, or undefined if any other form. */
function namedImports(source: string, specifier: string): string[] | undefined {
  const names = new Set<string>();
  for (const [, typeOnly, list, from] of source.matchAll(NAMED_IMPORT)) {
    if (from !== specifier || typeOnly !== undefined) continue;
    for (const item of list!.split(',')) {
      const name = item
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name !== '' && !name.startsWith('type ')) names.add(name);
    }
  }
  const statements = source.split(`'${specifier}'`).length - 1 + source.split(`"${specifier}"`).length - 1;
  const named = [...source.matchAll(NAMED_IMPORT)].filter((m) => m[3] === specifier).length;
  return statements === named ? [...names].sort() : undefined;
}

const builtinsByGetter: Plugin = {
  name: 'builtins-by-getter',
  setup(build) {
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const sources = new Map<string, string>();
    build.onResolve({ filter: /^[a-z_/:]+$/ }, (args) => {
      if (!builtins.has(args.path) || args.importer.endsWith(join('src', 'cli', 'bin.ts'))) return undefined;
      const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
      if (args.kind === 'import-statement') {
        const source = sources.get(args.importer) ?? readFileSync(args.importer, 'utf8');
        sources.set(args.importer, source);
        const names = namedImports(source, args.path);
        if (names !== undefined) return { path: `${name}#${names.join(',')}`, namespace: 'builtin-names' };
      }
      return { path: name, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin-names' }, (args) => {
      const [name, list] = args.path.split('#') as [string, string];
      const names = list === '' ? [] : list.split(',');
      return {
        contents: [
          `const m = process.getBuiltinModule(${JSON.stringify(name)});`,
          ...names.map((n) => `export const ${n} = m.${n};`),
        ].join('\n'),
        loader: 'js',
      };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

// The CLI as one script (see the header).
const cli = await build({
  entryPoints: { manifesto: join(root, 'src/cli/main.ts') },
  outdir: join(root, 'dist'),
  entryNames: 'cli/[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  splitting: false,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  // Non-ASCII characters escaped: the launcher reads the script as latin1 (no UTF-8 decoding).
  charset: 'ascii',
  legalComments: 'linked',
  // Loaded with require() only when content is validated or YAML parsed (src/kinds/lazy.ts): left to
  // Node at run time instead of bundled, so commands that never validate (get, list) do not parse them.
  // `require` is the one code-cache.ts passes to the script (createRequire of its path).
  external: ['valibot', 'yaml'],
  define: { 'import.meta.url': '__manifestoUrl' },
  plugins: [builtinsByGetter],
  metafile: true,
  logLevel: 'warning',
});
const script = Object.entries(cli.metafile.outputs).find(
  ([, output]) => output.entryPoint !== undefined,
)?.[0];
if (script === undefined) throw new Error('esbuild wrote no CLI script');
// esbuild leaves non-ASCII characters of regular expression literals as they are (`/µs/`); as \u
// escapes they mean the same in a literal, a string or a comment, and the script stays ASCII.
const scriptPath = join(root, script);
const escaped = readFileSync(scriptPath, 'utf8').replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
);
writeFileSync(scriptPath, escaped);

/** The launcher's `import('./main.ts')` is for the sources only: never bundled. */
const sourcesOnly: Plugin = {
  name: 'sources-only',
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.ts$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const outfile = join(root, 'dist/manifesto.mjs');
await build({
  entryPoints: [join(root, 'src/cli/bin.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  legalComments: 'linked',
  define: { MANIFESTO_CLI_BUNDLE: JSON.stringify(`./${relative(join(root, 'dist'), join(root, script))}`) },
  plugins: [sourcesOnly],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile} and ${script}`);
