/** The one normalised shape of SBOMs, SPDX or CycloneDX. */

export interface SbomPackage {
  name: string;
  version: string | null;
  purl?: string;
  /**
   * The licences (SPDX ids, `LicenseRef-`s, `ID WITH exception`, or names): expressions are split
   * (license-expression.ts); empty when the SBOM says nothing (or NOASSERTION).
   */
  licenses: string[];
}

export interface Sbom {
  format: 'spdx' | 'cyclonedx';
  /** '2.3' for SPDX-2.3, '1.6' for CycloneDX 1.6. */
  specVersion: string;
  /** The document's or the described component's name, or null. */
  name: string | null;
  /** When the SBOM was made, RFC 3339 UTC with milliseconds, or null. */
  createdAt: string | null;
  /** The tools that made it, e.g. 'syft 1.4.1'. */
  tools: string[];
  packages: SbomPackage[];
  packageCount: number;
  /** How many packages carry each license, most frequent first; 'unknown' for packages with none. */
  licenses: Record<string, number>;
}

export function countLicenses(packages: readonly SbomPackage[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const pkg of packages) {
    const licenses = pkg.licenses.length === 0 ? ['unknown'] : new Set(pkg.licenses);
    for (const license of licenses) counts.set(license, (counts.get(license) ?? 0) + 1);
  }
  return Object.fromEntries(
    [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  );
}
