/**
 * The published schema of fleet queries: every field an expression may use, with its CEL type and
 * meaning (`manifesto index query --fields` prints this list). The CEL environment is built from it,
 * so an unknown field or a type error is refused by the type checker before anything runs: a filter
 * is never silently ignored.
 */
import type { FullImage } from './store.ts';

export interface FieldDescription {
  name: string;
  type: string;
  description: string;
}

export const FIELDS: readonly FieldDescription[] = [
  {
    name: 'repository',
    type: 'string',
    description: 'where the image is: host/name, or oci:PATH for a layout',
  },
  { name: 'registry', type: 'string', description: 'the registry host[:port], or oci:PATH' },
  { name: 'digest', type: 'string', description: 'the manifest digest (of the platform image)' },
  {
    name: 'platform',
    type: 'string',
    description: 'os/architecture[/variant] (index entry or image config); "" for artifacts',
  },
  {
    name: 'parent',
    type: 'string',
    description: 'the digest of the index the image is a platform of, or ""',
  },
  { name: 'tags', type: 'list<string>', description: "the image's tags (an index's tags for its platforms)" },
  {
    name: 'types',
    type: 'list<string>',
    description: 'metadata types stored (own, or inherited from the index)',
  },
  { name: 'signed', type: 'list<string>', description: 'types whose latest version has a stored signature' },
  {
    name: 'verified',
    type: 'list<string>',
    description: 'types whose latest version verifies under the trust policy of the last sync',
  },
  {
    name: 'verification',
    type: 'map<string, string>',
    description:
      'type -> status of its latest version under the trust policy: verified, unsigned, untrusted, not-allowed, insufficient, expired, invalid, not-checked',
  },
  {
    name: 'vuln.critical',
    type: 'int',
    description: 'findings of severity critical in the latest vuln report (VEX-suppressed ones not counted)',
  },
  { name: 'vuln.high', type: 'int', description: 'findings of severity high' },
  { name: 'vuln.medium', type: 'int', description: 'findings of severity medium' },
  { name: 'vuln.low', type: 'int', description: 'findings of severity low' },
  { name: 'vuln.fixable', type: 'int', description: 'findings with a fixed version' },
  {
    name: 'vuln.ids',
    type: 'list<string>',
    description: 'vulnerability ids found, not suppressed by VEX (CVE-..., GHSA-...)',
  },
  {
    name: 'vuln.findings',
    type: 'list<Finding>',
    description: 'findings: id, severity, package, installed, fixed ("" if none), purl, suppressed (by VEX)',
  },
  {
    name: 'vuln.age',
    type: 'int',
    description: 'days since the latest vuln report was made; -1 without one',
  },
  {
    name: 'sbom.packages',
    type: 'list<Package>',
    description: 'SBOM packages: name, version, purl, licenses (list<string>)',
  },
  { name: 'provenance.builder', type: 'string', description: 'the builder id of the provenance' },
  { name: 'provenance.source', type: 'string', description: 'the source repository of the provenance' },
  { name: 'provenance.commit', type: 'string', description: 'the source commit of the provenance' },
  { name: 'approvals', type: 'map<string, string>', description: 'gate -> status of its latest approval' },
  {
    name: 'deployment.environments',
    type: 'list<string>',
    description: 'environments the image is deployed in now (not undeployed)',
  },
  {
    name: 'deployment.age',
    type: 'int',
    description: 'days since the image was last deployed anywhere (0 while deployed); -1 if never',
  },
  {
    name: 'lifecycle.status',
    type: 'string',
    description: 'active, deprecated, end-of-life, prunable or ""',
  },
  { name: 'lifecycle.eol', type: 'string', description: 'the end-of-life date or timestamp, or ""' },
  { name: 'contact.team', type: 'string', description: 'the team of the contact metadata, or ""' },
];

const DAY = 86_400_000;

function daysSince(time: string, now: number): bigint {
  const t = Date.parse(time);
  return Number.isNaN(t) ? -1n : BigInt(Math.max(0, Math.floor((now - t) / DAY)));
}

function deploymentAge(image: FullImage, now: number): bigint {
  if (image.deployments.length === 0) return -1n;
  if (image.deployments.some((d) => d.active)) return 0n;
  const last =
    image.deployments
      .map((d) => d.undeployedAt)
      .sort()
      .at(-1) ?? '';
  return daysSince(last, now);
}

/** What names an image and what it holds: the fields a query and a result row share. */
export function imageIdentity(image: FullImage) {
  return {
    repository: image.location,
    registry: image.registry,
    digest: image.digest,
    platform: image.platform,
    parent: image.parentIndex,
    tags: image.tags,
    types: [...new Set(image.versions.map((v) => v.type))].sort(),
  };
}

/** The values of every field for one image, in CEL's representation (ints are bigints). */
export function celContext(image: FullImage, now: number): Record<string, unknown> {
  const latest = image.versions.filter((v) => v.latest);
  return {
    ...imageIdentity(image),
    signed: latest.filter((v) => v.signature === 'signed').map((v) => v.type),
    verified: latest.filter((v) => v.verification === 'verified').map((v) => v.type),
    verification: Object.fromEntries(latest.map((v) => [v.type, v.verification ?? 'not-checked'])),
    vuln: {
      critical: BigInt(image.vulnCritical),
      high: BigInt(image.vulnHigh),
      medium: BigInt(image.vulnMedium),
      low: BigInt(image.vulnLow),
      fixable: BigInt(image.vulnFixable),
      ids: [...new Set(image.findings.filter((f) => !f.suppressed).map((f) => f.id))],
      findings: image.findings.map((f) => ({ ...f })),
      age: image.vulnScannedAt === '' ? -1n : daysSince(image.vulnScannedAt, now),
    },
    sbom: { packages: image.packages.map((p) => ({ ...p })) },
    provenance: {
      builder: image.provenanceBuilder,
      source: image.provenanceSource,
      commit: image.provenanceCommit,
    },
    approvals: Object.fromEntries(image.approvals.map((a) => [a.gate, a.status])),
    deployment: {
      environments: [...new Set(image.deployments.filter((d) => d.active).map((d) => d.environment))],
      age: deploymentAge(image, now),
    },
    lifecycle: { status: image.lifecycleStatus, eol: image.lifecycleEol },
    contact: { team: image.contactTeam },
  };
}
