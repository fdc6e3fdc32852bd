/**
 * The CEL environment of fleet queries (the dialect `check` uses, @marcbachmann/cel-js), declared
 * from the published fields (fields.ts): the type checker refuses unknown fields and type errors
 * with their position before anything runs.
 */
import { ManifestoError } from '../errors/errors.ts';

type CelLibrary = typeof import('@marcbachmann/cel-js');
type CelEnvironment = InstanceType<CelLibrary['Environment']>;

/** A node of the library's parsed expression. */
export interface CelNode {
  op: string;
  args: unknown;
  pos: number;
}

export interface CheckedQuery {
  expression: string;
  ast: CelNode;
  evaluate(context: Record<string, unknown>): unknown;
}

let environment: Promise<CelEnvironment> | undefined;

async function queryEnvironment(): Promise<CelEnvironment> {
  const { Environment } = await import('@marcbachmann/cel-js');
  return new Environment()
    .registerType('Finding', {
      fields: {
        id: 'string',
        severity: 'string',
        package: 'string',
        installed: 'string',
        fixed: 'string',
        purl: 'string',
        suppressed: 'bool',
      },
    })
    .registerType('Package', {
      fields: { name: 'string', version: 'string', purl: 'string', licenses: 'list<string>' },
    })
    .registerVariable('repository', 'string')
    .registerVariable('registry', 'string')
    .registerVariable('digest', 'string')
    .registerVariable('platform', 'string')
    .registerVariable('parent', 'string')
    .registerVariable('tags', 'list<string>')
    .registerVariable('types', 'list<string>')
    .registerVariable('signed', 'list<string>')
    .registerVariable('verified', 'list<string>')
    .registerVariable('verification', 'map<string, string>')
    .registerVariable({
      name: 'vuln',
      schema: {
        critical: 'int',
        high: 'int',
        medium: 'int',
        low: 'int',
        fixable: 'int',
        ids: 'list<string>',
        findings: 'list<Finding>',
        age: 'int',
      },
    })
    .registerVariable({ name: 'sbom', schema: { packages: 'list<Package>' } })
    .registerVariable({
      name: 'provenance',
      schema: { builder: 'string', source: 'string', commit: 'string' },
    })
    .registerVariable('approvals', 'map<string, string>')
    .registerVariable({ name: 'deployment', schema: { environments: 'list<string>', age: 'int' } })
    .registerVariable({ name: 'lifecycle', schema: { status: 'string', eol: 'string' } })
    .registerVariable({ name: 'contact', schema: { team: 'string' } });
}

/** The 0-based column the library's message points at with its caret line, if any. */
function caretColumn(message: string): number | undefined {
  const lines = message.split('\n');
  const source = lines.findIndex((line) => /^>\s*\d+ \| /.test(line));
  const caret = lines[source + 1];
  if (source < 0 || caret === undefined || !caret.includes('^')) return undefined;
  return caret.indexOf('^') - (lines[source]!.indexOf('| ') + 2);
}

export function queryInvalid(expression: string, reason: string, column: number | undefined): ManifestoError {
  const where = column === undefined ? '' : ` at column ${column + 1}`;
  return new ManifestoError('QUERY_INVALID', `query${where}: ${reason}`, {
    category: 'usage',
    hint: `Run "manifesto index query --fields" for the fields and their types (the query was: ${expression}).`,
  });
}

/** Parses and type-checks a query; a bool expression over the published fields, or QUERY_INVALID. */
export async function checkQuery(expression: string): Promise<CheckedQuery> {
  environment ??= queryEnvironment();
  const env = await environment;
  const checked = env.check(expression);
  if (!checked.valid) {
    const message = checked.error?.message ?? 'invalid expression';
    throw queryInvalid(expression, message.split('\n')[0] ?? message, caretColumn(message));
  }
  if (checked.type !== 'bool')
    throw queryInvalid(expression, `the query gives ${checked.type}, not a bool`, 0);
  const parsed = env.parse(expression) as unknown as { ast: CelNode } & ((
    c: Record<string, unknown>,
  ) => unknown);
  return { expression, ast: parsed.ast, evaluate: (context) => parsed(context) };
}
