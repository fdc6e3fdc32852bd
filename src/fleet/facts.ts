/**
 * The normalised content of each well-known kind (src/kinds) as index facts: the same normalise the
 * CLI's `show` and `check` use, flattened into rows. Pure: sync.ts fetches and normalises, this only
 * maps shapes.
 */
import type { Contact } from '../kinds/contact.ts';
import type { Lifecycle } from '../kinds/lifecycle.ts';
import type { Provenance } from '../kinds/provenance/types.ts';
import type { MergedApprovals, MergedDeployments } from '../kinds/records.ts';
import type { Sbom } from '../kinds/sbom/types.ts';
import type { SuppressedFinding } from '../kinds/vex/apply.ts';
import type { VulnReport } from '../kinds/vuln/types.ts';
import type { ImageFacts } from './store.ts';

/** The kinds whose latest version's facts are indexed, and the record kinds merged over versions. */
export const LATEST_KINDS = ['vuln', 'sbom', 'provenance', 'lifecycle', 'contact'] as const;
export const MERGED_KINDS = ['approval', 'deployment'] as const;

export type LatestKind = (typeof LATEST_KINDS)[number];

export interface KindContents {
  /** The latest report, with the findings the latest VEX document suppresses. */
  vuln?: { report: VulnReport; created: string; suppressed: readonly SuppressedFinding[] } | undefined;
  sbom?: Sbom | undefined;
  provenance?: Provenance | undefined;
  lifecycle?: Lifecycle | undefined;
  contact?: Contact | undefined;
  approval?: MergedApprovals | undefined;
  deployment?: MergedDeployments | undefined;
}

export function factsOf(contents: KindContents): ImageFacts {
  const { vuln, sbom, provenance, lifecycle, contact, approval, deployment } = contents;
  const suppressed = new Set(vuln?.suppressed.map((s) => s.finding));
  return {
    vulnScannedAt: vuln === undefined ? '' : (vuln.report.scannedAt ?? vuln.created),
    findings: (vuln?.report.findings ?? []).map((f) => ({
      id: f.id,
      severity: f.severity,
      package: f.package.name,
      installed: f.package.version,
      fixed: f.fixedVersion ?? '',
      purl: f.package.purl ?? '',
      suppressed: suppressed.has(f),
    })),
    packages: (sbom?.packages ?? []).map((p) => ({
      name: p.name,
      version: p.version ?? '',
      purl: p.purl ?? '',
      licenses: p.licenses,
    })),
    provenance: {
      builder: provenance?.builderId ?? '',
      source: provenance?.sourceRepo ?? '',
      commit: provenance?.commit ?? '',
    },
    approvals: (approval?.approvals ?? []).map((a) => ({
      gate: a.gate,
      status: a.status,
      approver: a.approver,
      time: a.time,
    })),
    deployments: (deployment?.deployments ?? []).map((d) => ({
      environment: d.environment,
      cluster: d.cluster ?? '',
      deployedAt: d.deployedAt,
      undeployedAt: d.undeployedAt ?? '',
      active: d.active,
    })),
    lifecycle: { status: lifecycle?.status ?? '', endOfLife: lifecycle?.endOfLife ?? '' },
    contactTeam: contact?.team ?? '',
  };
}
