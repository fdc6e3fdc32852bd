/** The `vulnerabilities` of a CycloneDX BOM (as Trivy, Grype and Syft+Grype write them). */
import { type CycloneDxComponent, cycloneDxSchema } from '../cyclonedx.ts';
import { type KindContext, kindInvalid, withFormat } from '../kind.ts';
import { parseWith } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { cleanAliases, fixedOrNull, severityFromScore, severityFromWord } from './severity.ts';
import type { VulnFinding, VulnReport } from './types.ts';

const CVSS_METHODS = ['CVSSv31', 'CVSSv3', 'CVSSv4', 'CVSSv40', 'CVSSv2'];

export function componentsByRef(components: readonly CycloneDxComponent[] | undefined) {
  const byRef = new Map<string, CycloneDxComponent>();
  const walk = (list: readonly CycloneDxComponent[] | undefined) => {
    for (const component of list ?? []) {
      const ref = component['bom-ref'];
      if (ref !== undefined) byRef.set(ref, component);
      walk(component.components);
    }
  };
  walk(components);
  return byRef;
}

export function normaliseCycloneDxVulns(document: unknown, context: KindContext): VulnReport {
  const cdxContext = withFormat(context, 'cyclonedx');
  const bom = parseWith(cycloneDxSchema(), document, cdxContext);
  if (bom.vulnerabilities === undefined) {
    throw kindInvalid(
      cdxContext,
      ['vulnerabilities'],
      'is required: a CycloneDX BOM without vulnerabilities is an SBOM (store it as sbom)',
    );
  }
  const byRef = componentsByRef(bom.components);
  const findings: VulnFinding[] = [];
  for (const vulnerability of bom.vulnerabilities) {
    const ratings = vulnerability.ratings ?? [];
    const source = vulnerability.source?.name;
    const rated =
      ratings.find((rating) => rating.severity !== undefined && rating.source?.name === source) ??
      ratings.find((rating) => rating.severity !== undefined && rating.source?.name === 'nvd') ??
      ratings.find((rating) => rating.severity !== undefined);
    let cvss: number | null = null;
    for (const method of CVSS_METHODS) {
      const rating = ratings.find(
        (candidate) => candidate.method === method && candidate.score !== undefined,
      );
      if (rating?.score !== undefined) {
        cvss = rating.score;
        break;
      }
    }
    const severity =
      severityFromWord(rated?.severity) ?? (cvss === null ? undefined : severityFromScore(cvss)) ?? 'unknown';
    const aliases = cleanAliases(
      vulnerability.id,
      (vulnerability.references ?? []).map((reference) => reference.id),
    );
    const recommended = /\bto version (\S+?)\.?\s*$/i.exec(vulnerability.recommendation ?? '')?.[1];
    const affects = vulnerability.affects ?? [];
    const targets = affects.length === 0 ? [undefined] : affects;
    for (const affected of targets) {
      const component = affected === undefined ? undefined : byRef.get(affected.ref);
      const versions = affected?.versions ?? [];
      const unaffected = versions.filter(
        (entry) => entry.status === 'unaffected' && entry.version !== undefined,
      );
      const fixedVersion = fixedOrNull(recommended ?? unaffected.map((entry) => entry.version).join(', '));
      const installed =
        component?.version ?? versions.find((entry) => entry.status === 'affected')?.version ?? '';
      const purl = component?.purl ?? (affected?.ref.startsWith('pkg:') ? affected.ref : undefined);
      findings.push({
        id: vulnerability.id,
        aliases,
        severity,
        cvss,
        package: {
          name: component?.name ?? affected?.ref ?? '',
          version: installed,
          ...(purl === undefined ? {} : { purl }),
        },
        fixedVersion,
        fixAvailable: fixedVersion !== null,
      });
    }
  }
  const tools = bom.metadata?.tools;
  const tool = Array.isArray(tools) ? tools[0] : tools?.components?.[0];
  return {
    format: 'cyclonedx',
    scanner: { name: (tool?.name ?? 'unknown').toLowerCase(), version: tool?.version ?? null },
    scannedAt: bom.metadata?.timestamp === undefined ? null : toUtcTimestamp(bom.metadata.timestamp),
    target: bom.metadata?.component?.name ?? null,
    findings,
  };
}
