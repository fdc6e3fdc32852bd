/**
 * `cel` rules: Common Expression Language conditions over the normalised metadata, with
 * @marcbachmann/cel-js (zero dependencies, ~240 KB, loaded only when a policy has a cel rule).
 * Variables: one per well-known kind name and alias (`vuln`, `sbom`, `provenance`, `approval`,
 * ...; null when the image has none), and `image` (`digest`, `platform`, `reference`).
 */
import { ManifestoError } from '../../errors/errors.ts';
import { wellKnownTypeNames } from '../../kinds/well-known.ts';

type CelLibrary = typeof import('@marcbachmann/cel-js');
export type CompiledCel = (context: Record<string, unknown>) => unknown;

let library: Promise<CelLibrary> | undefined;

function celLibrary(): Promise<CelLibrary> {
  library ??= import('@marcbachmann/cel-js');
  return library;
}

/** Parses every expression once (syntax errors name the rule). */
export async function compileCel(expression: string, where: string): Promise<CompiledCel> {
  const { parse } = await celLibrary();
  try {
    return parse(expression) as CompiledCel;
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new ManifestoError('POLICY_INVALID', `${where}: the CEL expression does not parse: ${reason}`, {
      category: 'usage',
      hint: 'See https://cel.dev for the CEL syntax and docs/policy.md for the variables.',
    });
  }
}

/** The well-known type names an expression mentions as variables (their metadata must be fetched). */
export function celTypeNames(expression: string): string[] {
  return wellKnownTypeNames().filter((name) => new RegExp(`(^|[^\\w.])${name}\\b`).test(expression));
}

/** Evaluates; the outcome is `true`, `false`, or an error message (a non-boolean result is one). */
export function runCel(compiled: CompiledCel, context: Record<string, unknown>): boolean | string {
  try {
    const result = compiled(context);
    if (typeof result === 'boolean') return result;
    return `the expression gave ${typeof result === 'bigint' ? 'an int' : typeof result}, not a bool`;
  } catch (error) {
    return error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : String(error);
  }
}
