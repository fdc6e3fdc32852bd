/** The `vuln` kind: vulnerability reports from Trivy, Grype, SARIF, CycloneDX and cosign. */
import { isRecord } from '../../util/json-record.ts';
import { looksLikeCycloneDx } from '../cyclonedx.ts';
import { isStatement, readStatement, samePredicateType } from '../in-toto.ts';
import { parseJson, unwrapEnvelope } from '../input.ts';
import { type KindContext, type KindDefinition, KindInvalidError, kindInvalid } from '../kind.ts';
import { COSIGN_VULN_PREDICATE_TYPE, looksLikeCosignVuln, normaliseCosignVuln } from './cosign.ts';
import { normaliseCycloneDxVulns } from './cyclonedx.ts';
import { looksLikeGrype, normaliseGrype } from './grype.ts';
import { looksLikeSarif, normaliseSarif } from './sarif.ts';
import { countBySeverity, severityRank } from './severity.ts';
import { looksLikeTrivy, normaliseTrivy } from './trivy.ts';
import type { VulnReport } from './types.ts';

const EXPECTED =
  'must be a Trivy JSON report, a Grype JSON report, SARIF 2.1.0, a CycloneDX BOM with vulnerabilities ' +
  'or a cosign vuln predicate (bare or in an in-toto statement)';

/** A scanner report (not an attestation): Trivy, Grype, SARIF or CycloneDX. */
function readReport(document: unknown, context: KindContext): VulnReport {
  if (!isRecord(document)) throw new KindInvalidError(context, context.pointer ?? '', `${EXPECTED}`);
  if (looksLikeTrivy(document)) return normaliseTrivy(document, context);
  if (looksLikeGrype(document)) return normaliseGrype(document, context);
  if (looksLikeSarif(document)) return normaliseSarif(document, context);
  if (looksLikeCycloneDx(document)) return normaliseCycloneDxVulns(document, context);
  throw new KindInvalidError(context, context.pointer ?? '', EXPECTED);
}

export function readVulnDocument(document: unknown, context: KindContext): VulnReport {
  const unwrapped = unwrapEnvelope(document, context);
  const inner: KindContext = { ...context, note: unwrapped.note };
  const value = unwrapped.document;
  if (isStatement(value)) {
    const statement = readStatement(value, inner, 'cosign-vuln');
    if (!samePredicateType(statement.predicateType, COSIGN_VULN_PREDICATE_TYPE)) {
      throw kindInvalid(
        { ...inner, format: 'in-toto' },
        ['predicateType'],
        `must be ${COSIGN_VULN_PREDICATE_TYPE} (got ${JSON.stringify(statement.predicateType)})`,
      );
    }
    return normaliseCosignVuln(statement.predicate, { ...inner, pointer: '/predicate' }, readReport);
  }
  if (isRecord(value) && looksLikeCosignVuln(value)) return normaliseCosignVuln(value, inner, readReport);
  return readReport(value, inner);
}

function summarise(report: VulnReport): string[] {
  const counts = countBySeverity(report.findings);
  const parts = Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  const fixable = report.findings.filter((finding) => finding.fixAvailable).length;
  const scanner = [report.scanner.name, report.scanner.version].filter((part) => part !== null).join(' ');
  const lines = [
    `${scanner} scan (${report.format})${report.target === null ? '' : ` of ${report.target}`}` +
      `${report.scannedAt === null ? '' : ` at ${report.scannedAt}`}`,
    report.findings.length === 0
      ? 'no findings'
      : `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (${parts.join(', ')}), ${fixable} fixable`,
  ];
  const worst = report.findings
    .filter((finding) => finding.severity === 'critical' || finding.severity === 'high')
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (b.cvss ?? 0) - (a.cvss ?? 0))
    .slice(0, 5);
  for (const finding of worst) {
    const fix = finding.fixedVersion === null ? 'no fix' : `fixed in ${finding.fixedVersion}`;
    const version = finding.package.version === '' ? '' : ` ${finding.package.version}`;
    lines.push(`  ${finding.severity} ${finding.id} in ${finding.package.name}${version} (${fix})`);
  }
  return lines;
}

export const vulnKind: KindDefinition<VulnReport> = {
  name: 'vuln',
  aliases: [],
  description: 'vulnerability scan report (Trivy, Grype, SARIF, CycloneDX, cosign vuln predicate)',
  formats: ['trivy', 'grype', 'sarif', 'cyclonedx', 'cosign-vuln'],
  validate(content) {
    return { format: vulnKind.normalise(content, '').format };
  },
  normalise(content) {
    const context: KindContext = { kind: 'vuln' };
    return readVulnDocument(parseJson(content, context), context);
  },
  summarise,
};
