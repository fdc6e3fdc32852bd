/** The one normalised shape of vulnerability reports, whatever scanner or format produced them. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface VulnPackage {
  name: string;
  /** The installed version ('' when the report does not say). */
  version: string;
  purl?: string;
}

export interface VulnFinding {
  /** The scanner's identifier: CVE-..., GHSA-..., DSA-..., ... */
  id: string;
  /** Other identifiers of the same vulnerability (never including `id`). */
  aliases: string[];
  severity: Severity;
  /** The CVSS base score the report gives (v3 preferred), or null. */
  cvss: number | null;
  package: VulnPackage;
  /** The version(s) that fix it, as the report writes them, or null. */
  fixedVersion: string | null;
  fixAvailable: boolean;
}

export interface VulnReport {
  /** The input format: 'trivy', 'grype', 'sarif', 'cyclonedx' or 'cosign-vuln'. */
  format: string;
  scanner: { name: string; version: string | null };
  /** When the scan ran, RFC 3339 UTC with milliseconds, or null. */
  scannedAt: string | null;
  /** What was scanned (image name), or null. */
  target: string | null;
  findings: VulnFinding[];
}
