/**
 * The import rule of docs/development.md ("Architecture"), executable: every relative import in src/
 * is read (test/support/import-graph.ts) and checked against the layers below. A forbidden edge, a
 * backend constructed outside the composition root, a file in no layer, or an import cycle fails
 * with the file, the line and the edge, e.g.
 *
 *   src/metadata/get.ts:12 imports src/registry/tags.ts: metadata may not import registry
 *
 * Why a test and not prose: the prose was stale within months (it drew the registry as a layer the
 * domain may import; the domain never did). Why not Biome's noRestrictedImports: it matches import
 * strings per file glob, so `../registry/x.ts` and `../../registry/x.ts` need one pattern per depth,
 * and it cannot see cycles.
 *
 * Changing the rule is allowed, deliberately: edit LAYERS (and docs/development.md) in the same commit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  cyclePath,
  type ImportEdge,
  importCycles,
  importGraph,
  importSpecifiers,
} from '../support/import-graph.ts';

interface Layer {
  /** Paths under src/ (a folder ends with `/`); a file belongs to the layer with the longest match. */
  paths: string[];
  /** Layers it may import (its own is always allowed). */
  may: string[];
  why: string;
}

const LOW = ['errors', 'oci', 'util', 'version'];
const DOMAIN = ['kinds', 'metadata', 'signing', 'policy/trust', 'policy/gate', 'policy', 'fleet'];
const BACKENDS = ['registry', 'registry/transport', 'content/layout'];

const LAYERS: Record<string, Layer> = {
  errors: { paths: ['errors/'], may: [], why: 'ManifestoError and its codes, below everything' },
  version: { paths: ['version.ts'], may: [], why: 'the version string' },
  oci: { paths: ['oci/'], may: ['errors'], why: 'references, digests, descriptors, platforms: pure' },
  util: { paths: ['util/'], may: ['errors', 'oci'], why: 'small node-only helpers below every layer' },
  content: {
    paths: ['content/'],
    may: LOW,
    why: 'the Repository interface: the only way the domain sees storage',
  },
  'registry/transport': {
    paths: ['registry/http/', 'registry/credentials/'],
    may: [...LOW, 'content'],
    why: 'HTTP transport and credentials: below the registry Repository, unaware of it',
  },
  registry: {
    paths: ['registry/'],
    may: [...LOW, 'content', 'registry/transport'],
    why: 'backend: the registry Repository',
  },
  'content/layout': {
    paths: ['content/layout/'],
    may: [...LOW, 'content'],
    why: 'backend: the OCI image layout Repository',
  },
  kinds: { paths: ['kinds/'], may: LOW, why: 'domain: well-known kinds, pure parsing of content' },
  metadata: {
    paths: ['metadata/'],
    may: [...LOW, 'content', 'kinds'],
    why: 'domain: put, get, list, history, delete, prune over a Repository',
  },
  signing: {
    paths: ['signing/'],
    may: [...LOW, 'content'],
    why: 'domain: signature formats (Notary, Sigstore), keys, certificates',
  },
  'policy/trust': {
    paths: ['policy/trust/'],
    may: [...LOW, 'content', 'kinds', 'metadata', 'signing'],
    why: 'domain: trust policy, verification, trusted state, freshness, rollback',
  },
  'policy/gate': {
    paths: ['policy/gate/'],
    may: [...LOW, 'content', 'kinds', 'metadata', 'signing', 'policy/trust'],
    why: 'domain: gate policy, evaluation, CEL',
  },
  policy: {
    paths: ['policy/'],
    may: [...LOW, 'content', 'kinds', 'metadata', 'signing', 'policy/trust', 'policy/gate'],
    why: 'domain: the policy entry point',
  },
  fleet: {
    paths: ['fleet/'],
    may: [...LOW, 'content', 'kinds', 'metadata', 'signing', 'policy/trust', 'policy/gate', 'policy'],
    why: 'domain: the fleet index; it is handed opened repositories, it does not open them',
  },
  open: {
    paths: ['open/'],
    may: [...LOW, 'content', ...BACKENDS],
    why: 'the composition root: the one place that wires the concrete backends',
  },
  cli: {
    paths: ['cli/'],
    may: [...LOW, 'content', ...BACKENDS, ...DOMAIN, 'open'],
    why: 'front end: flags, rendering, exit codes',
  },
  api: {
    paths: ['api/', 'index.ts'],
    may: [...LOW, 'content', ...BACKENDS, ...DOMAIN, 'open'],
    why: 'front end: the library (createClient and the package entry)',
  },
  server: {
    paths: ['server/'],
    may: [...LOW, 'content', ...BACKENDS, ...DOMAIN, 'open'],
    why: 'front end: the coming HTTP API, admission webhook and web UI',
  },
};

/**
 * The modules that construct a backend. Only their own backend, the composition root and the
 * package entry (which re-exports them for library users who wire by hand) may import their values;
 * a type-only import is fine anywhere the layers allow.
 */
const WIRING: Record<string, string[]> = {
  'registry/registry-repository.ts': ['registry/', 'open/', 'index.ts'],
  'registry/http/transport.ts': ['registry/', 'open/', 'index.ts'],
  'content/layout/oci-layout-repository.ts': ['content/layout/', 'open/', 'index.ts'],
};

function layerOf(file: string): string | undefined {
  let best: { name: string; length: number } | undefined;
  for (const [name, layer] of Object.entries(LAYERS)) {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && (best === undefined || path.length > best.length)) best = { name, length: path.length };
    }
  }
  return best?.name;
}

/** Every forbidden edge of a graph, as one line each. */
function violations(edges: readonly ImportEdge[], files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (layerOf(file) === undefined) {
      problems.push(`src/${file} is in no layer: add its folder to LAYERS in test/unit/architecture.test.ts`);
    }
  }
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const to = layerOf(edge.to);
    if (from === undefined || to === undefined) continue;
    const where = `src/${edge.from}:${edge.line} imports src/${edge.to}`;
    if (from !== to && !(LAYERS[from] as Layer).may.includes(to)) {
      const may = (LAYERS[from] as Layer).may;
      problems.push(
        `${where}: ${from} may not import ${to} (${from} may import: ${may.length === 0 ? 'nothing' : may.join(', ')})`,
      );
    }
    const wiredBy = WIRING[edge.to];
    if (
      wiredBy !== undefined &&
      !edge.typeOnly &&
      !wiredBy.some((p) => (p.endsWith('/') ? edge.from.startsWith(p) : edge.from === p))
    ) {
      problems.push(
        `${where}: only the composition root (src/open/) constructs backends; take an opener or a Repository instead`,
      );
    }
  }
  return problems;
}

const graph = importGraph(resolve(import.meta.dirname, '../../src'));

describe('architecture: the import rule of docs/development.md', () => {
  it('reads every relative import of src/ (each names a file)', () => {
    assert.ok(graph.files.length > 100, `only ${graph.files.length} files found under src/`);
    assert.ok(graph.edges.length > graph.files.length, `only ${graph.edges.length} imports found`);
    assert.deepEqual(graph.unresolved, [], 'imports that name no file (or a scanner bug)');
  });

  it('has no forbidden folder edge, and only the composition root wires the backends', () => {
    const problems = violations(graph.edges, graph.files);
    assert.equal(problems.length, 0, `\n${problems.join('\n')}\n`);
  });

  it('has no import cycle between files (type-only imports included)', () => {
    const cycles = importCycles(graph).map((component) => cyclePath(graph, component).map((f) => `src/${f}`));
    assert.equal(cycles.length, 0, `\n${cycles.map((c) => `cycle: ${c.join(' -> ')}`).join('\n')}\n`);
  });

  it('the rule itself is one direction: no two layers may import each other, even through others', () => {
    const seen = new Set<string>();
    const visiting: string[] = [];
    const visit = (name: string): void => {
      if (visiting.includes(name)) {
        assert.fail(
          `the layers allow a cycle: ${[...visiting.slice(visiting.indexOf(name)), name].join(' -> ')}`,
        );
      }
      if (seen.has(name)) return;
      visiting.push(name);
      for (const next of (LAYERS[name] as Layer).may) {
        assert.ok(LAYERS[next] !== undefined, `layer ${name} names an unknown layer ${next}`);
        visit(next);
      }
      visiting.pop();
      seen.add(name);
    };
    for (const name of Object.keys(LAYERS)) visit(name);
  });

  it('front ends never import each other; the domain never imports a backend, the root or a front end', () => {
    const frontEnds = ['cli', 'api', 'server'];
    for (const front of frontEnds) {
      for (const other of frontEnds)
        assert.ok(!(LAYERS[front] as Layer).may.includes(other), `${front} -> ${other}`);
    }
    for (const domain of DOMAIN) {
      for (const banned of [...BACKENDS, 'open', ...frontEnds]) {
        assert.ok(!(LAYERS[domain] as Layer).may.includes(banned), `${domain} -> ${banned}`);
      }
    }
    for (const backend of BACKENDS) {
      for (const banned of [
        ...BACKENDS.filter((b) => b !== backend && !b.startsWith(`${backend}/`)),
        ...DOMAIN,
        'open',
        ...frontEnds,
      ]) {
        assert.ok(!(LAYERS[backend] as Layer).may.includes(banned), `${backend} -> ${banned}`);
      }
    }
    assert.deepEqual((LAYERS.kinds as Layer).may, LOW, 'kinds imports no other domain folder');
  });

  it('docs/development.md names every layer (so the prose cannot drift from the rule)', () => {
    const docs = readFileSync(resolve(import.meta.dirname, '../../docs/development.md'), 'utf8');
    const missing = Object.values(LAYERS)
      .flatMap((layer) => layer.paths)
      .map((path) => `src/${path.replace(/\/$/, '')}`)
      .filter((path) => !docs.includes(path));
    assert.deepEqual(missing, [], 'folders of LAYERS that docs/development.md does not mention');
  });

  it('fails, naming the file and the edge, when a forbidden import is added', () => {
    const edges: ImportEdge[] = [
      { from: 'metadata/get.ts', to: 'registry/tags.ts', typeOnly: false, line: 3 },
      { from: 'cli/main.ts', to: 'api/client.ts', typeOnly: true, line: 7 },
      { from: 'registry/tags.ts', to: 'content/layout/oci-layout.ts', typeOnly: false, line: 9 },
      {
        from: 'cli/commands/images.ts',
        to: 'content/layout/oci-layout-repository.ts',
        typeOnly: false,
        line: 5,
      },
      {
        from: 'cli/commands/images.ts',
        to: 'content/layout/oci-layout-repository.ts',
        typeOnly: true,
        line: 6,
      },
    ];
    assert.deepEqual(
      violations(edges, ['metadata/get.ts', 'cli/main.ts', 'registry/tags.ts', 'spare/x.ts']),
      [
        'src/spare/x.ts is in no layer: add its folder to LAYERS in test/unit/architecture.test.ts',
        'src/metadata/get.ts:3 imports src/registry/tags.ts: metadata may not import registry (metadata may import: errors, oci, util, version, content, kinds)',
        'src/cli/main.ts:7 imports src/api/client.ts: cli may not import api (cli may import: errors, oci, util, version, content, registry, registry/transport, content/layout, kinds, metadata, signing, policy/trust, policy/gate, policy, fleet, open)',
        'src/registry/tags.ts:9 imports src/content/layout/oci-layout.ts: registry may not import content/layout (registry may import: errors, oci, util, version, content, registry/transport)',
        'src/cli/commands/images.ts:5 imports src/content/layout/oci-layout-repository.ts: only the composition root (src/open/) constructs backends; take an opener or a Repository instead',
      ],
    );
  });

  it('finds a cycle and prints its path', () => {
    const small = {
      files: ['a.ts', 'b.ts', 'c.ts', 'd.ts'],
      edges: [
        { from: 'a.ts', to: 'b.ts', typeOnly: false, line: 1 },
        { from: 'b.ts', to: 'c.ts', typeOnly: true, line: 1 },
        { from: 'c.ts', to: 'a.ts', typeOnly: false, line: 1 },
        { from: 'c.ts', to: 'd.ts', typeOnly: false, line: 2 },
      ],
      unresolved: [],
    };
    const cycles = importCycles(small);
    assert.deepEqual(cycles, [['a.ts', 'b.ts', 'c.ts']]);
    assert.deepEqual(cyclePath(small, cycles[0] as string[]), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  });

  it('reads imports, never text that looks like one (comments, strings, templates, regular expressions)', () => {
    const source = [
      "/** Example: import { x } from './in-a-comment.ts'; */",
      "// import './line-comment.ts';",
      "import { a, type B } from './a.ts';",
      'import type {',
      '  C,',
      "} from './c.ts';",
      "import './side-effect.ts';",
      "export { d } from './d.ts';",
      "export type * from './e.ts';",
      "export * as f from './f.ts';",
      'export const g = 1;',
      'const text = "import { h } from \'./in-a-string.ts\'";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, on purpose
      "const template = `import ${'x'} from './in-a-template.ts' ${`nested ${1}`}`;",
      "const pattern = /import\\('\\.\\/in-a-regex.ts'\\)/;",
      'const ratio = 4 / 2; const other = 1 / 2;',
      "const lazy = () => import('./lazy.ts');",
      "type T = typeof import('./typed.ts');",
      'const meta = import.meta.dirname;',
    ].join('\n');
    assert.deepEqual(importSpecifiers(source), [
      { specifier: './a.ts', typeOnly: false, line: 3 },
      { specifier: './c.ts', typeOnly: true, line: 4 },
      { specifier: './side-effect.ts', typeOnly: false, line: 7 },
      { specifier: './d.ts', typeOnly: false, line: 8 },
      { specifier: './e.ts', typeOnly: true, line: 9 },
      { specifier: './f.ts', typeOnly: false, line: 10 },
      { specifier: './lazy.ts', typeOnly: false, line: 16 },
      { specifier: './typed.ts', typeOnly: true, line: 17 },
    ]);
  });
});
