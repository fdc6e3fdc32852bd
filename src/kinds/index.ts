/**
 * Well-known kinds of metadata: validation on put, normalisation on read, summaries for people.
 * A pure domain module (no registry code). Importing it loads neither valibot nor yaml: they are
 * loaded on the first validate/normalise call.
 */
export { type AppArmorProfile, type AppArmorProfileHeader, apparmorKind } from './apparmor.ts';
export { APPROVAL_STATUSES, type Approval, type Approvals, approvalKind, latestPerGate } from './approval.ts';
export { type Contact, contactKind } from './contact.ts';
export { type Deployment, type Deployments, deploymentKind } from './deployment.ts';
export { KIND_INVALID, type KindDefinition, KindInvalidError } from './kind.ts';
export { LIFECYCLE_STATUSES, type Lifecycle, lifecycleKind } from './lifecycle.ts';
export { provenanceKind } from './provenance/kind.ts';
export type { Provenance, ProvenanceSubject } from './provenance/types.ts';
export { sbomKind } from './sbom/kind.ts';
export type { Sbom, SbomPackage } from './sbom/types.ts';
export { SECCOMP_ACTIONS, type SeccompProfile, seccompKind } from './seccomp.ts';
export { type ApplyVexOptions, type ApplyVexResult, applyVex, type SuppressedFinding } from './vex/apply.ts';
export { vexKind } from './vex/kind.ts';
export type { VexComponent, VexDocument, VexProduct, VexStatement, VexStatus } from './vex/types.ts';
export { vulnKind } from './vuln/kind.ts';
export { countBySeverity, severityRank } from './vuln/severity.ts';
export {
  SEVERITIES,
  type Severity,
  type VulnFinding,
  type VulnPackage,
  type VulnReport,
} from './vuln/types.ts';
export { KINDS, kindFor, wellKnownTypeNames } from './well-known.ts';
