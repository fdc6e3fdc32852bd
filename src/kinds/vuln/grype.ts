/** Grype's JSON report (`grype IMAGE -o json`). */
import { type KindContext, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, score, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { cleanAliases, fixedOrNull, severityFromWord } from './severity.ts';
import type { VulnReport } from './types.ts';

export const GRYPE_SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'] as const;

export function looksLikeGrype(document: Record<string, unknown>): boolean {
  return Array.isArray(document.matches);
}

const grypeSchema = lazySchema((v) => {
  const cvss = v.object({
    version: v.optional(v.string()),
    source: v.optional(v.string()),
    type: v.optional(v.string()),
    metrics: v.object({ baseScore: score(v) }),
  });
  const match = v.object({
    vulnerability: v.object({
      id: nonEmpty(v),
      namespace: v.optional(v.string()),
      severity: v.picklist(GRYPE_SEVERITIES),
      cvss: v.nullish(v.array(cvss)),
      fix: v.optional(
        v.object({
          versions: v.nullish(v.array(v.string())),
          state: v.optional(v.picklist(['fixed', 'not-fixed', 'wont-fix', 'unknown', ''])),
        }),
      ),
    }),
    relatedVulnerabilities: v.nullish(v.array(v.object({ id: nonEmpty(v), cvss: v.nullish(v.array(cvss)) }))),
    artifact: v.object({
      name: nonEmpty(v),
      version: v.string(),
      type: v.optional(v.string()),
      purl: v.optional(v.string()),
    }),
  });
  return v.object({
    matches: v.array(match),
    source: v.optional(v.object({ type: v.optional(v.string()), target: v.optional(v.unknown()) })),
    descriptor: v.optional(
      v.object({
        name: v.optional(v.string()),
        version: v.optional(v.string()),
        timestamp: v.optional(timestamp(v)),
      }),
    ),
  });
});

interface GrypeCvss {
  version?: string | undefined;
  type?: string | undefined;
  metrics: { baseScore: number };
}

/** The primary CVSS v3 score (else v4, else v2) of the match, falling back to related records. */
function cvssOf(lists: readonly (readonly GrypeCvss[] | null | undefined)[]): number | null {
  for (const prefix of ['3', '4', '2']) {
    for (const list of lists) {
      const entries = (list ?? []).filter((entry) => (entry.version ?? '').startsWith(prefix));
      const primary = entries.find((entry) => entry.type === 'Primary') ?? entries[0];
      if (primary !== undefined) return primary.metrics.baseScore;
    }
  }
  return null;
}

function targetName(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (typeof target === 'object' && target !== null && 'userInput' in target) {
    const input = (target as { userInput: unknown }).userInput;
    return typeof input === 'string' ? input : null;
  }
  return null;
}

export function normaliseGrype(document: unknown, context: KindContext): VulnReport {
  const report = parseWith(grypeSchema(), document, withFormat(context, 'grype'));
  return {
    format: 'grype',
    scanner: { name: report.descriptor?.name ?? 'grype', version: report.descriptor?.version ?? null },
    scannedAt:
      report.descriptor?.timestamp === undefined ? null : toUtcTimestamp(report.descriptor.timestamp),
    target: targetName(report.source?.target),
    findings: report.matches.map((match) => {
      const { vulnerability, artifact } = match;
      const related = match.relatedVulnerabilities ?? [];
      const fixed = vulnerability.fix?.state === 'fixed' || vulnerability.fix?.state === undefined;
      const fixedVersion = fixed ? fixedOrNull((vulnerability.fix?.versions ?? []).join(', ')) : null;
      return {
        id: vulnerability.id,
        aliases: cleanAliases(
          vulnerability.id,
          related.map((entry) => entry.id),
        ),
        severity: severityFromWord(vulnerability.severity) ?? 'unknown',
        cvss: cvssOf([vulnerability.cvss, ...related.map((entry) => entry.cvss)]),
        package: {
          name: artifact.name,
          version: artifact.version,
          ...(artifact.purl === undefined || artifact.purl === '' ? {} : { purl: artifact.purl }),
        },
        fixedVersion,
        fixAvailable: fixedVersion !== null,
      };
    }),
  };
}
