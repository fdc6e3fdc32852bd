/**
 * Compiles what it can of a checked query to SQL over the index tables (schema.ts). The rule that
 * keeps answers right: the SQL is a *necessary* condition of the expression (a conjunct that does
 * not compile is left out of an AND, never out of an OR or a NOT). When every part compiled, the SQL
 * is the exact answer; otherwise the whole expression also runs in process over the SQL-narrowed
 * candidates (query.ts). `--explain` prints which parts went where.
 *
 * Compiled (each uses an index): equality and prefix tests of string fields; comparisons of the
 * vulnerability counts; `"x" in tags|types|signed|verified|vuln.ids|deployment.environments|approvals`;
 * `approvals["gate"] == "status"`; `vuln.findings.exists(f, ...)` and `sbom.packages.exists(p, ...)`
 * over their string fields. Everything else (ages, sizes, regular expressions, arithmetic) runs in
 * process.
 */
import type { CelNode } from './cel-environment.ts';
import type { FactTable, SqlFilter } from './store.ts';

export interface CompiledPart {
  /** The CEL source of the part. */
  source: string;
  sql: string;
}

export interface CompiledQuery {
  filter: SqlFilter;
  /** The SQL alone answers the query (nothing runs in process). */
  exact: boolean;
  compiled: CompiledPart[];
  /** Parts that run in process. */
  inProcess: string[];
  /** The fact tables the in-process evaluation reads (none when the SQL is exact). */
  facts: FactTable[];
}

interface Sql {
  sql: string;
  params: Array<string | number>;
  exact: boolean;
}

const STRING_COLUMNS: Readonly<Record<string, string>> = {
  repository: 'r.location',
  registry: 'g.name',
  digest: 'i.digest',
  platform: 'i.platform',
  parent: 'i.parent_index',
  'lifecycle.status': 'i.lifecycle_status',
  'lifecycle.eol': 'i.lifecycle_eol',
  'contact.team': 'i.contact_team',
  'provenance.builder': 'i.provenance_builder',
  'provenance.source': 'i.provenance_source',
  'provenance.commit': 'i.provenance_commit',
};

const INT_COLUMNS: Readonly<Record<string, string>> = {
  'vuln.critical': 'i.vuln_critical',
  'vuln.high': 'i.vuln_high',
  'vuln.medium': 'i.vuln_medium',
  'vuln.low': 'i.vuln_low',
  'vuln.fixable': 'i.vuln_fixable',
};

/**
 * `"x" in FIELD`: the images a fact table's value index finds. `i.id IN (SELECT ...)` rather than a
 * correlated EXISTS: the subquery runs once through the value index (vuln_id, purl, ...), not once
 * per image through image_id.
 */
const MEMBERSHIP: Readonly<Record<string, string>> = {
  tags: 'i.id IN (SELECT t.image_id FROM image_tags t WHERE t.tag = ?)',
  types: 'i.id IN (SELECT v.image_id FROM versions v WHERE v.type = ?)',
  signed:
    "i.id IN (SELECT v.image_id FROM versions v WHERE v.type = ? AND v.latest = 1 AND v.signature = 'signed')",
  verified:
    "i.id IN (SELECT v.image_id FROM versions v WHERE v.type = ? AND v.latest = 1 AND v.verification = 'verified')",
  'vuln.ids': 'i.id IN (SELECT f.image_id FROM vuln_findings f WHERE f.vuln_id = ? AND f.suppressed = 0)',
  'deployment.environments':
    'i.id IN (SELECT d.image_id FROM deployments d WHERE d.environment = ? AND d.active = 1)',
  approvals: 'i.id IN (SELECT a.image_id FROM approvals a WHERE a.gate = ?)',
};

/** `LIST.exists(x, BODY)`: the fact table and the columns of x's fields. */
const EXISTS_TABLES: Readonly<Record<string, { table: string; columns: Record<string, string> }>> = {
  'vuln.findings': {
    table: 'vuln_findings',
    columns: {
      id: 'vuln_id',
      severity: 'severity',
      package: 'package',
      installed: 'installed',
      fixed: 'fixed',
      purl: 'purl',
    },
  },
  'sbom.packages': { table: 'sbom_packages', columns: { name: 'name', version: 'version', purl: 'purl' } },
};

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const MIRRORED: Readonly<Record<string, string>> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The dotted name of a field access (`vuln.critical`), or undefined. */
function fieldPath(node: CelNode): string | undefined {
  if (node.op === 'id') return String(node.args);
  if (node.op === '.') {
    const [target, name] = node.args as [CelNode, string];
    const base = fieldPath(target);
    return base === undefined ? undefined : `${base}.${name}`;
  }
  return undefined;
}

type Literal = string | bigint | number | boolean | null;

function literal(node: CelNode): { value: Literal } | undefined {
  if (node.op === 'value') return { value: node.args as Literal };
  if (node.op === '-_') {
    const inner = literal(node.args as CelNode);
    if (typeof inner?.value === 'bigint' || typeof inner?.value === 'number') return { value: -inner.value };
  }
  return undefined;
}

function sqlValue(value: Literal): string | number | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  return undefined;
}

/** A scope maps field paths to columns: the image's, or an exists() variable's fact columns. */
interface Scope {
  strings: Readonly<Record<string, string>>;
  ints: Readonly<Record<string, string>>;
  variable?: string;
}

const IMAGE_SCOPE: Scope = { strings: STRING_COLUMNS, ints: INT_COLUMNS };

function comparison(node: CelNode, scope: Scope): Sql | undefined {
  let [left, right] = node.args as [CelNode, CelNode];
  let op = node.op;
  if (literal(left) !== undefined && literal(right) === undefined) {
    [left, right] = [right, left];
    op = MIRRORED[op] ?? op;
  }
  const value = literal(right);
  if (value === undefined) return undefined;
  if (left.op === '[]') return approvalTest(left, op, value.value, scope);
  const path = fieldPath(left);
  if (path === undefined) return undefined;
  const column = scope.strings[path] ?? scope.ints[path];
  const param = sqlValue(value.value);
  if (column === undefined || param === undefined) return undefined;
  const sqlOp = op === '==' ? '=' : op === '!=' ? '<>' : op;
  return { sql: `${column} ${sqlOp} ?`, params: [param], exact: true };
}

function approvalTest(index: CelNode, op: string, value: Literal, scope: Scope): Sql | undefined {
  const [target, key] = index.args as [CelNode, CelNode];
  const gate = literal(key);
  if (scope !== IMAGE_SCOPE || fieldPath(target) !== 'approvals' || typeof gate?.value !== 'string')
    return undefined;
  if (typeof value !== 'string' || (op !== '==' && op !== '!=')) return undefined;
  // A missing gate is an evaluation error in CEL (the image does not match), so != also needs the gate.
  return {
    sql: `i.id IN (SELECT a.image_id FROM approvals a WHERE a.gate = ? AND a.status ${op === '==' ? '=' : '<>'} ?)`,
    params: [gate.value, value],
    exact: true,
  };
}

function membership(node: CelNode, scope: Scope): Sql | undefined {
  const [item, list] = node.args as [CelNode, CelNode];
  const value = literal(item);
  const path = fieldPath(list);
  if (scope !== IMAGE_SCOPE || typeof value?.value !== 'string' || path === undefined) return undefined;
  const sql = MEMBERSHIP[path];
  return sql === undefined ? undefined : { sql, params: [value.value], exact: true };
}

/** `FIELD in ["a", "b"]` for a string field: SQL IN. */
function inList(node: CelNode, scope: Scope): Sql | undefined {
  const [item, list] = node.args as [CelNode, CelNode];
  const path = fieldPath(item);
  const column = path === undefined ? undefined : scope.strings[path];
  if (column === undefined || list.op !== 'list') return undefined;
  const values = (list.args as CelNode[]).map((element) => literal(element)?.value);
  if (values.length === 0 || !values.every((v): v is string => typeof v === 'string')) return undefined;
  return { sql: `${column} IN (${values.map(() => '?').join(', ')})`, params: values, exact: true };
}

function startsWith(node: CelNode, scope: Scope): Sql | undefined {
  const [name, target, callArgs] = node.args as [string, CelNode, CelNode[]];
  if (name !== 'startsWith' || callArgs.length !== 1) return undefined;
  const path = fieldPath(target);
  const prefix = literal(callArgs[0]!);
  const column = path === undefined ? undefined : scope.strings[path];
  if (column === undefined || typeof prefix?.value !== 'string') return undefined;
  // A range, so that the column's index serves it (LIKE would need an escape and a collation).
  return {
    sql: `(${column} >= ? AND ${column} < ?)`,
    params: [prefix.value, `${prefix.value}\u{10FFFF}`],
    exact: true,
  };
}

function exists(node: CelNode, scope: Scope): Sql | undefined {
  const [name, target, callArgs] = node.args as [string, CelNode, CelNode[]];
  if (name !== 'exists' || callArgs.length !== 2 || scope !== IMAGE_SCOPE) return undefined;
  const path = fieldPath(target);
  const table = path === undefined ? undefined : EXISTS_TABLES[path];
  const variable = callArgs[0]!;
  if (table === undefined || variable.op !== 'id') return undefined;
  const prefix = String(variable.args);
  const strings = Object.fromEntries(
    Object.entries(table.columns).map(([field, column]) => [`${prefix}.${field}`, `x.${column}`]),
  );
  const body = compileNode(callArgs[1]!, { strings, ints: {}, variable: prefix });
  if (body === undefined) return undefined;
  return {
    sql: `i.id IN (SELECT x.image_id FROM ${table.table} x WHERE ${body.sql})`,
    params: body.params,
    exact: body.exact,
  };
}

function compileNode(node: CelNode, scope: Scope): Sql | undefined {
  if (node.op === '&&') {
    const parts = (node.args as CelNode[]).map((arg) => compileNode(arg, scope));
    const compiled = parts.filter((p): p is Sql => p !== undefined);
    if (compiled.length === 0) return undefined;
    return {
      sql: compiled.map((p) => `(${p.sql})`).join(' AND '),
      params: compiled.flatMap((p) => p.params),
      exact: compiled.length === parts.length && compiled.every((p) => p.exact),
    };
  }
  if (node.op === '||') {
    const parts = (node.args as CelNode[]).map((arg) => compileNode(arg, scope));
    if (parts.some((p) => p === undefined)) return undefined;
    const compiled = parts as Sql[];
    return {
      sql: compiled.map((p) => `(${p.sql})`).join(' OR '),
      params: compiled.flatMap((p) => p.params),
      exact: compiled.every((p) => p.exact),
    };
  }
  if (node.op === '!_') {
    const inner = compileNode(node.args as CelNode, scope);
    if (inner === undefined || !inner.exact) return undefined;
    return { sql: `NOT (${inner.sql})`, params: inner.params, exact: true };
  }
  if (COMPARISONS.has(node.op)) return comparison(node, scope);
  if (node.op === 'in') return membership(node, scope) ?? inList(node, scope);
  if (node.op === 'rcall') return startsWith(node, scope) ?? exists(node, scope);
  if (node.op === 'value' && node.args === true) return { sql: '1 = 1', params: [], exact: true };
  return undefined;
}

/** Which fact table a field path is read from (fields of the images row need none). */
function factOf(path: string): FactTable | undefined {
  const root = path.split('.')[0];
  if (root === 'tags') return 'tags';
  if (root === 'types' || root === 'signed' || root === 'verified' || root === 'verification')
    return 'versions';
  if (root === 'sbom') return 'packages';
  if (root === 'approvals') return 'approvals';
  if (root === 'deployment') return 'deployments';
  if (path === 'vuln' || path.startsWith('vuln.ids') || path.startsWith('vuln.findings')) return 'findings';
  return undefined;
}

/** The fact tables an expression reads: only those are loaded for in-process evaluation. */
export function factsUsed(ast: CelNode): FactTable[] {
  const facts = new Set<FactTable>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null || !('op' in value)) return;
    const node = value as CelNode;
    const path = node.op === 'id' || node.op === '.' ? fieldPath(node) : undefined;
    if (path !== undefined) {
      const fact = factOf(path);
      if (fact !== undefined) facts.add(fact);
      return;
    }
    visit(node.args);
  };
  visit(ast);
  return [...facts].sort();
}

/** The top-level conjuncts, for --explain. */
function conjuncts(node: CelNode): CelNode[] {
  return node.op === '&&' ? (node.args as CelNode[]).flatMap(conjuncts) : [node];
}

function sourceOf(expression: string, node: CelNode): string {
  const { start, end } = node as CelNode & { start?: number; end?: number };
  return start === undefined || end === undefined ? expression : expression.slice(start, end);
}

export function compileQuery(expression: string, ast: CelNode): CompiledQuery {
  const compiled: CompiledPart[] = [];
  const inProcess: string[] = [];
  const sqlParts: Sql[] = [];
  for (const part of conjuncts(ast)) {
    const sql = compileNode(part, IMAGE_SCOPE);
    if (sql === undefined) inProcess.push(sourceOf(expression, part));
    else {
      sqlParts.push(sql);
      compiled.push({ source: sourceOf(expression, part), sql: sql.sql });
      if (!sql.exact) inProcess.push(sourceOf(expression, part));
    }
  }
  const filter: SqlFilter =
    sqlParts.length === 0
      ? { where: '1 = 1', params: [] }
      : { where: sqlParts.map((p) => `(${p.sql})`).join(' AND '), params: sqlParts.flatMap((p) => p.params) };
  const exact = inProcess.length === 0;
  return { filter, exact, compiled, inProcess, facts: exact ? [] : factsUsed(ast) };
}
