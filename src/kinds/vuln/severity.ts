/** Mapping scanners' severity words and scores to manifesto's severities. */
import type { Severity, VulnFinding } from './types.ts';
import { SEVERITIES } from './types.ts';

const WORDS: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  important: 'high',
  medium: 'medium',
  moderate: 'medium',
  low: 'low',
  negligible: 'negligible',
  info: 'negligible',
  informational: 'negligible',
  none: 'negligible',
  unknown: 'unknown',
};

export function severityFromWord(word: string | undefined): Severity | undefined {
  return word === undefined ? undefined : WORDS[word.toLowerCase()];
}

/** CVSS v3 qualitative rating scale. */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score >= 0.1) return 'low';
  return 'negligible';
}

/** Higher first: critical is 0. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function countBySeverity(findings: readonly VulnFinding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    negligible: 0,
    unknown: 0,
  };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** The aliases of a finding without its id and without duplicates, in the order given. */
export function cleanAliases(id: string, aliases: Iterable<string>): string[] {
  const seen = new Set([id]);
  const result: string[] = [];
  for (const alias of aliases) {
    if (alias === '' || seen.has(alias)) continue;
    seen.add(alias);
    result.push(alias);
  }
  return result;
}

/** An empty or missing fixed version is null. */
export function fixedOrNull(value: string | undefined | null): string | null {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
}
