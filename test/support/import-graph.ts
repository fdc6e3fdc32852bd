/**
 * The import graph of a source tree, for the architecture test (test/unit/architecture.test.ts).
 *
 * Why a scanner of its own: TypeScript 7 ships no JavaScript parser API, and esbuild drops
 * `import type` before resolving, yet a type-only import is as much a dependency between folders
 * as a value import. The scanner tokenises just enough of TypeScript (comments, strings, template
 * literals with `${}`, regular expression literals) that an `import` in a comment, a string or a
 * fixture text is never taken for one, then reads the import forms the code base uses:
 * `import … from 'x'`, `import 'x'`, `export … from 'x'`, `import('x')` (and `typeof import('x')`).
 * Every relative specifier must resolve to a file; one that does not fails the test, so a scanner
 * bug shows up instead of hiding an edge. 193 files and 972 imports scanned in 75 ms on a quiet 2-CPU
 * machine (0.4-0.8 s under a load average of 60).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to the tree's root, with `/` separators. */
  from: string;
  /** Imported file, relative to the tree's root (relative specifiers only). */
  to: string;
  /** `import type …` / `export type … from` (erased at run time). */
  typeOnly: boolean;
  /** 1-based line of the import in `from`. */
  line: number;
}

interface Token {
  kind: 'word' | 'string' | 'punct';
  value: string;
  line: number;
}

const WORD = /[A-Za-z0-9_$]/;
/** After these words a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'await',
  'yield',
]);

/** The tokens that matter for finding imports: words, string literals, punctuation. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // Each open `${` of a template literal, so its closing `}` resumes the template.
  const braces: ('code' | 'template')[] = [];
  let line = 1;
  let i = 0;
  const n = source.length;
  const previousAllowsRegex = (): boolean => {
    const last = tokens.at(-1);
    if (last === undefined) return true;
    if (last.kind === 'string') return false;
    if (last.kind === 'word') return REGEX_AFTER_WORDS.has(last.value);
    return !(last.value === ')' || last.value === ']' || last.value === '}');
  };
  const readTemplate = (): void => {
    // At the character after a backtick or after the `}` closing a `${`.
    while (i < n) {
      const c = source[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n') line += 1;
      if (c === '`') {
        i += 1;
        tokens.push({ kind: 'string', value: '`template`', line });
        return;
      }
      if (c === '$' && source[i + 1] === '{') {
        i += 2;
        braces.push('template');
        return;
      }
      i += 1;
    }
  };
  while (i < n) {
    const c = source[i] as string;
    if (c === '\n') {
      line += 1;
      i += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i += 1;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (let j = i; j < stop; j += 1) if (source[j] === '\n') line += 1;
      i = stop;
    } else if (c === "'" || c === '"') {
      const start = line;
      let value = '';
      i += 1;
      while (i < n && source[i] !== c) {
        if (source[i] === '\\') {
          value += source[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (source[i] === '\n') line += 1;
        value += source[i];
        i += 1;
      }
      i += 1;
      tokens.push({ kind: 'string', value, line: start });
    } else if (c === '`') {
      i += 1;
      readTemplate();
    } else if (c === '/' && previousAllowsRegex()) {
      // A regular expression literal: up to the unescaped `/` outside a character class.
      i += 1;
      let inClass = false;
      while (i < n && source[i] !== '\n') {
        const r = source[i];
        if (r === '\\') {
          i += 2;
          continue;
        }
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i += 1;
      }
      i += 1;
      while (i < n && WORD.test(source[i] as string)) i += 1;
      tokens.push({ kind: 'string', value: '/regex/', line });
    } else if (WORD.test(c)) {
      let j = i;
      while (j < n && WORD.test(source[j] as string)) j += 1;
      tokens.push({ kind: 'word', value: source.slice(i, j), line });
      i = j;
    } else {
      if (c === '{') braces.push('code');
      if (c === '}') {
        const opened = braces.pop();
        if (opened === 'template') {
          i += 1;
          readTemplate();
          continue;
        }
      }
      tokens.push({ kind: 'punct', value: c, line });
      i += 1;
    }
  }
  return tokens;
}

export interface ImportSpecifier {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

/** Every module specifier a TypeScript source imports or re-exports. */
export function importSpecifiers(source: string): ImportSpecifier[] {
  const tokens = tokenize(source);
  const found: ImportSpecifier[] = [];
  const at = (k: number): Token | undefined => tokens[k];
  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k] as Token;
    if (token.kind !== 'word' || (token.value !== 'import' && token.value !== 'export')) continue;
    if (at(k - 1)?.value === '.') continue; // obj.import
    const next = at(k + 1);
    if (next === undefined || next.value === '.') continue; // import.meta
    if (token.value === 'import' && next.value === '(') {
      const spec = at(k + 2);
      if (spec?.kind === 'string')
        found.push({ specifier: spec.value, typeOnly: at(k - 1)?.value === 'typeof', line: token.line });
      continue;
    }
    if (token.value === 'import' && next.kind === 'string') {
      found.push({ specifier: next.value, typeOnly: false, line: token.line });
      continue;
    }
    if (
      token.value === 'export' &&
      next.value !== '{' &&
      next.value !== '*' &&
      !(next.value === 'type' && (at(k + 2)?.value === '{' || at(k + 2)?.value === '*'))
    ) {
      continue; // export const / function / class / interface / type X = …
    }
    const typeOnly =
      next.value === 'type' &&
      at(k + 2)?.value !== '=' &&
      at(k + 2)?.value !== ',' &&
      at(k + 2)?.value !== 'from';
    // Walk to `from 'x'`, skipping one `{ … }` group; a `;` or a statement start ends the search.
    let depth = 0;
    for (let j = k + 1; j < tokens.length; j += 1) {
      const t = tokens[j] as Token;
      if (t.value === '{') depth += 1;
      else if (t.value === '}') depth -= 1;
      else if (depth === 0 && t.value === ';') break;
      else if (depth === 0 && t.kind === 'word' && t.value === 'from' && at(j + 1)?.kind === 'string') {
        found.push({ specifier: (at(j + 1) as Token).value, typeOnly, line: token.line });
        break;
      }
      if (depth < 0) break;
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

export interface ImportGraph {
  /** Every source file, relative to the root, `/` separators. */
  files: string[];
  edges: ImportEdge[];
  /** Relative specifiers that name no file: `file:line specifier`. */
  unresolved: string[];
}

/** The relative imports between the `.ts` files under `root`. */
export function importGraph(root: string): ImportGraph {
  const absoluteRoot = resolve(root);
  const rel = (path: string) => relative(absoluteRoot, path).split(sep).join('/');
  const files = sourceFiles(absoluteRoot);
  const edges: ImportEdge[] = [];
  const unresolved: string[] = [];
  for (const file of files) {
    for (const found of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!found.specifier.startsWith('./') && !found.specifier.startsWith('../')) continue;
      const target = resolve(dirname(file), found.specifier);
      if (!existsSync(target) || statSync(target).isDirectory()) {
        unresolved.push(`${rel(file)}:${found.line} ${found.specifier}`);
        continue;
      }
      edges.push({ from: rel(file), to: rel(target), typeOnly: found.typeOnly, line: found.line });
    }
  }
  return { files: files.map(rel), edges, unresolved };
}

/** The import cycles: strongly connected components of more than one file (or a file importing itself). */
export function importCycles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>();
  for (const file of graph.files) next.set(file, []);
  for (const edge of graph.edges) next.get(edge.from)?.push(edge.to);
  // Tarjan's algorithm, iterative (the graph is small, but recursion depth should not depend on it).
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  for (const start of graph.files) {
    if (index.has(start)) continue;
    const work: { node: string; child: number }[] = [{ node: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter);
    counter += 1;
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work.at(-1) as { node: string; child: number };
      const children = next.get(frame.node) ?? [];
      if (frame.child < children.length) {
        const child = children[frame.child] as string;
        frame.child += 1;
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter);
          counter += 1;
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(child) as number));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop() as string;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = (next.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

/** One path around a cycle, for the failure message: a -> b -> … -> a. */
export function cyclePath(graph: ImportGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = component[0] as string;
  const previous = new Map<string, string>();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const edge of graph.edges) {
      if (edge.from !== node || !members.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at) as string) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        previous.set(edge.to, node);
        queue.push(edge.to);
      }
    }
  }
  return component;
}
