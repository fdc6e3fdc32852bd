/** Trivy's JSON report (`trivy image --format json`, SchemaVersion 2). */
import { type KindContext, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, score, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { cleanAliases, fixedOrNull, severityFromWord } from './severity.ts';
import type { VulnFinding, VulnReport } from './types.ts';

export const TRIVY_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;

export function looksLikeTrivy(document: Record<string, unknown>): boolean {
  return 'SchemaVersion' in document && ('Results' in document || 'ArtifactName' in document);
}

const trivySchema = lazySchema((v) => {
  const cvss = v.object({
    V2Score: v.optional(score(v)),
    V3Score: v.optional(score(v)),
    V40Score: v.optional(score(v)),
  });
  const vulnerability = v.object({
    VulnerabilityID: nonEmpty(v),
    VendorIDs: v.optional(v.array(v.string())),
    PkgName: nonEmpty(v),
    PkgIdentifier: v.optional(v.object({ PURL: v.optional(v.string()) })),
    InstalledVersion: v.optional(v.string()),
    FixedVersion: v.optional(v.string()),
    Status: v.optional(v.string()),
    Severity: v.picklist(TRIVY_SEVERITIES),
    SeveritySource: v.optional(v.string()),
    CVSS: v.optional(v.record(v.string(), cvss)),
  });
  return v.object({
    SchemaVersion: v.literal(2),
    CreatedAt: v.optional(timestamp(v)),
    ArtifactName: v.optional(v.string()),
    Trivy: v.optional(v.object({ Version: v.optional(v.string()) })),
    Results: v.optional(
      v.array(
        v.object({
          Target: v.string(),
          Class: v.optional(v.string()),
          Type: v.optional(v.string()),
          Vulnerabilities: v.nullish(v.array(vulnerability)),
        }),
      ),
    ),
  });
});

interface TrivyCvss {
  V2Score?: number | undefined;
  V3Score?: number | undefined;
  V40Score?: number | undefined;
}

function cvssOf(entries: Record<string, TrivyCvss> | undefined, source: string | undefined): number | null {
  if (entries === undefined) return null;
  const preferred = [
    source === undefined ? undefined : entries[source],
    entries.nvd,
    ...Object.values(entries),
  ];
  for (const entry of preferred) {
    const value = entry?.V3Score ?? entry?.V40Score ?? entry?.V2Score;
    if (value !== undefined) return value;
  }
  return null;
}

export function normaliseTrivy(document: unknown, context: KindContext): VulnReport {
  const report = parseWith(trivySchema(), document, withFormat(context, 'trivy'));
  const findings: VulnFinding[] = [];
  for (const result of report.Results ?? []) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      const fixedVersion = fixedOrNull(vulnerability.FixedVersion);
      const purl = vulnerability.PkgIdentifier?.PURL;
      findings.push({
        id: vulnerability.VulnerabilityID,
        aliases: cleanAliases(vulnerability.VulnerabilityID, vulnerability.VendorIDs ?? []),
        severity: severityFromWord(vulnerability.Severity) ?? 'unknown',
        cvss: cvssOf(vulnerability.CVSS, vulnerability.SeveritySource),
        package: {
          name: vulnerability.PkgName,
          version: vulnerability.InstalledVersion ?? '',
          ...(purl === undefined || purl === '' ? {} : { purl }),
        },
        fixedVersion,
        fixAvailable: fixedVersion !== null,
      });
    }
  }
  return {
    format: 'trivy',
    scanner: { name: 'trivy', version: report.Trivy?.Version ?? null },
    scannedAt: report.CreatedAt === undefined ? null : toUtcTimestamp(report.CreatedAt),
    target: report.ArtifactName ?? null,
    findings,
  };
}
