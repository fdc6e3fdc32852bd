/**
 * Saved questions: the fleet's everyday questions as flags of `index query`, each one a CEL
 * expression over the published fields (so `--explain` shows it and a user can adapt it). Several
 * flags, and an expression, all apply (AND). User input becomes a CEL string literal (JSON escaping
 * is valid CEL), never expression text.
 */
export interface SavedQuestions {
  /** Images with this vulnerability id (not suppressed by VEX). */
  vulnerability?: string | undefined;
  /** Images with this package: a name, or a purl (`pkg:...`; a purl without version matches any). */
  package?: string | undefined;
  /** Images with no metadata of this type. */
  missing?: string | undefined;
  /** Images whose latest version of this type has no stored signature (or that have none). */
  unsigned?: string | undefined;
  /** Images whose latest version of this type does not verify under the trust policy of the last sync. */
  unverified?: string | undefined;
  /** Images deployed now whose latest vuln report is older than this many days. */
  staleDays?: number | undefined;
  /** Images whose approval for this gate is pending. */
  pending?: string | undefined;
  /** Images deployed in this environment now. */
  deployed?: string | undefined;
  /**
   * Images not deployed now and either marked deprecated/end-of-life/prunable or undeployed for more
   * than this many days.
   */
  prunableDays?: number | undefined;
}

const literal = (text: string): string => JSON.stringify(text);

function packageQuestion(pkg: string): string {
  if (!pkg.startsWith('pkg:')) {
    const name = literal(pkg);
    return `(sbom.packages.exists(p, p.name == ${name}) || vuln.findings.exists(f, f.package == ${name}))`;
  }
  // A purl with a version names that version; without, every version (pkg:deb/debian/openssl@...).
  const exact = pkg.includes('@');
  const test = (v: string) =>
    exact ? `${v}.purl == ${literal(pkg)}` : `${v}.purl.startsWith(${literal(`${pkg}@`)})`;
  return `(sbom.packages.exists(p, ${test('p')}) || vuln.findings.exists(f, ${test('f')}))`;
}

/** The CEL expression of the questions asked (with `expression`, if given), or undefined for none. */
export function savedQuery(questions: SavedQuestions, expression?: string): string | undefined {
  const parts: string[] = [];
  if (expression !== undefined) parts.push(`(${expression})`);
  const q = questions;
  if (q.vulnerability !== undefined) parts.push(`${literal(q.vulnerability)} in vuln.ids`);
  if (q.package !== undefined) parts.push(packageQuestion(q.package));
  if (q.missing !== undefined) parts.push(`!(${literal(q.missing)} in types)`);
  if (q.unsigned !== undefined) parts.push(`!(${literal(q.unsigned)} in signed)`);
  if (q.unverified !== undefined) parts.push(`!(${literal(q.unverified)} in verified)`);
  if (q.staleDays !== undefined)
    parts.push(`size(deployment.environments) > 0 && (vuln.age > ${q.staleDays} || vuln.age == -1)`);
  if (q.pending !== undefined) parts.push(`approvals[${literal(q.pending)}] == "pending"`);
  if (q.deployed !== undefined) parts.push(`${literal(q.deployed)} in deployment.environments`);
  if (q.prunableDays !== undefined) {
    parts.push(
      `size(deployment.environments) == 0 && (lifecycle.status in ["deprecated", "end-of-life", "prunable"] || deployment.age > ${q.prunableDays})`,
    );
  }
  if (parts.length === 0) return undefined;
  // An expression alone stays as written, so the columns of its errors are the user's.
  if (parts.length === 1 && expression !== undefined) return expression;
  return parts.join(' && ');
}
