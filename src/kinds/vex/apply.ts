/**
 * Applying VEX statements to vulnerability findings: a finding is suppressed when the latest
 * statement about its vulnerability and its package (or the image containing it) says
 * `not_affected` or `fixed`. Later statements override earlier ones, as OpenVEX specifies.
 *
 * A product matches a finding when:
 * - it is a package purl (any type but `oci`) matching the finding's package, or
 * - it identifies the image (an OCI purl, a digest, or any other identifier: the VEX is stored with
 *   the image) and, when `imageDigest` is given and the product names a digest, the digests are
 *   equal; a product with subcomponents then matches only the packages among them.
 */
import type { VulnFinding, VulnPackage } from '../vuln/types.ts';
import { ociDigest, parsePurl, purlsMatch } from './purl.ts';
import type { VexDocument, VexProduct, VexStatement, VexStatus } from './types.ts';

export interface ApplyVexOptions {
  /** The digest of the image the findings are about (sha256:...). */
  imageDigest?: string | undefined;
}

export interface SuppressedFinding {
  finding: VulnFinding;
  status: Extract<VexStatus, 'not_affected' | 'fixed'>;
  justification: string | null;
  impactStatement: string | null;
  /** The `@id` of the VEX document and the index of the statement that decided. */
  document: string;
  statement: number;
  timestamp: string;
  /** One line for people: "not_affected (vulnerable_code_not_in_execute_path) per https://... statement 0 (2026-...)". */
  reason: string;
}

export interface ApplyVexResult {
  /** The findings no statement suppresses, in their original order. */
  findings: VulnFinding[];
  suppressed: SuppressedFinding[];
}

function componentMatches(ids: readonly string[], pkg: VulnPackage): boolean {
  return ids.some((id) => {
    if (pkg.purl !== undefined) return purlsMatch(id, pkg.purl);
    const parts = parsePurl(id);
    return (
      parts !== null && parts.name === pkg.name && (parts.version === null || parts.version === pkg.version)
    );
  });
}

function isPackagePurl(id: string): boolean {
  const parts = parsePurl(id);
  return parts !== null && parts.type !== 'oci';
}

function productMatches(product: VexProduct, pkg: VulnPackage, imageDigest: string | undefined): boolean {
  const packageIds = product.ids.filter(isPackagePurl);
  if (packageIds.length > 0 && packageIds.length === product.ids.length) {
    return componentMatches(packageIds, pkg);
  }
  if (imageDigest !== undefined) {
    const digests = product.ids.map(ociDigest).filter((digest) => digest !== null);
    if (digests.length > 0 && !digests.includes(imageDigest)) return false;
  }
  if (product.subcomponents.length === 0) return true;
  return product.subcomponents.some((component) => componentMatches(component.ids, pkg));
}

interface Candidate {
  document: VexDocument;
  statement: VexStatement;
  index: number;
  order: number;
}

export function applyVex(
  findings: readonly VulnFinding[],
  documents: readonly VexDocument[],
  options: ApplyVexOptions = {},
): ApplyVexResult {
  // Index statements by every vulnerability name they mention.
  const byName = new Map<string, Candidate[]>();
  let order = 0;
  for (const document of documents) {
    for (const [index, statement] of document.statements.entries()) {
      const candidate = { document, statement, index, order: order++ };
      for (const name of new Set([statement.vulnerability.name, ...statement.vulnerability.aliases])) {
        const key = name.toUpperCase();
        byName.set(key, [...(byName.get(key) ?? []), candidate]);
      }
    }
  }
  const kept: VulnFinding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const finding of findings) {
    let latest: Candidate | undefined;
    const seen = new Set<Candidate>();
    for (const name of [finding.id, ...finding.aliases]) {
      for (const candidate of byName.get(name.toUpperCase()) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        if (
          !candidate.statement.products.some((product) =>
            productMatches(product, finding.package, options.imageDigest),
          )
        ) {
          continue;
        }
        if (
          latest === undefined ||
          candidate.statement.timestamp > latest.statement.timestamp ||
          (candidate.statement.timestamp === latest.statement.timestamp && candidate.order > latest.order)
        ) {
          latest = candidate;
        }
      }
    }
    const status = latest?.statement.status;
    if (latest === undefined || (status !== 'not_affected' && status !== 'fixed')) {
      kept.push(finding);
      continue;
    }
    const { statement } = latest;
    const why = statement.justification ?? statement.impactStatement;
    suppressed.push({
      finding,
      status,
      justification: statement.justification,
      impactStatement: statement.impactStatement,
      document: latest.document.id,
      statement: latest.index,
      timestamp: statement.timestamp,
      reason: `${status}${why === null ? '' : ` (${why})`} per ${latest.document.id} statement ${latest.index} (${statement.timestamp})`,
    });
  }
  return { findings: kept, suppressed };
}
