/** SPDX 2.2/2.3 JSON documents (`syft -o spdx-json`, `trivy --format spdx-json`, GitHub's export). */
import { type KindContext, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { splitLicenseExpression } from './license-expression.ts';
import { countLicenses, type Sbom, type SbomPackage } from './types.ts';

export function looksLikeSpdx(document: Record<string, unknown>): boolean {
  return typeof document.spdxVersion === 'string';
}

const spdxSchema = lazySchema((v) =>
  v.object({
    spdxVersion: v.picklist(['SPDX-2.2', 'SPDX-2.3']),
    dataLicense: v.optional(v.string()),
    SPDXID: v.literal('SPDXRef-DOCUMENT'),
    name: nonEmpty(v),
    documentNamespace: nonEmpty(v),
    creationInfo: v.object({
      created: timestamp(v),
      creators: v.pipe(v.array(nonEmpty(v)), v.minLength(1, 'must not be empty')),
    }),
    documentDescribes: v.optional(v.array(v.string())),
    packages: v.optional(
      v.array(
        v.object({
          name: nonEmpty(v),
          SPDXID: v.pipe(
            v.string(),
            v.check(
              (id) => /^SPDXRef-[A-Za-z0-9.-]+$/.test(id),
              'must be SPDXRef- followed by letters, digits, . or -',
            ),
          ),
          versionInfo: v.optional(v.string()),
          downloadLocation: nonEmpty(v),
          licenseConcluded: v.optional(v.string()),
          licenseDeclared: v.optional(v.string()),
          primaryPackagePurpose: v.optional(v.string()),
          externalRefs: v.optional(
            v.array(
              v.object({
                referenceCategory: nonEmpty(v),
                referenceType: nonEmpty(v),
                referenceLocator: nonEmpty(v),
              }),
            ),
          ),
        }),
      ),
    ),
    relationships: v.optional(
      v.array(
        v.object({
          spdxElementId: v.string(),
          relationshipType: v.string(),
          relatedSpdxElement: v.string(),
        }),
      ),
    ),
  }),
);

/** The licences of the concluded expression, else of the declared one (split into licences). */
function licenseOf(concluded: string | undefined, declared: string | undefined): string[] {
  for (const value of [concluded, declared]) {
    const licenses = value === undefined ? [] : splitLicenseExpression(value);
    if (licenses.length > 0) return licenses;
  }
  return [];
}

export function normaliseSpdx(document: unknown, context: KindContext): Sbom {
  const spdx = parseWith(spdxSchema(), document, withFormat(context, 'spdx'));
  const described = new Set(spdx.documentDescribes ?? []);
  for (const relationship of spdx.relationships ?? []) {
    if (relationship.relationshipType === 'DESCRIBES' && relationship.spdxElementId === 'SPDXRef-DOCUMENT') {
      described.add(relationship.relatedSpdxElement);
    }
  }
  const packages: SbomPackage[] = [];
  let name: string | null = null;
  for (const pkg of spdx.packages ?? []) {
    // The image itself is described by the document, not one of its packages.
    if (
      described.has(pkg.SPDXID) &&
      (pkg.primaryPackagePurpose === 'CONTAINER' || pkg.primaryPackagePurpose === undefined)
    ) {
      name ??= pkg.name;
      continue;
    }
    if (pkg.primaryPackagePurpose === 'FILE') continue;
    const purl = pkg.externalRefs?.find(
      (ref) => ref.referenceType === 'purl' && /^PACKAGE[-_]MANAGER$/.test(ref.referenceCategory),
    )?.referenceLocator;
    packages.push({
      name: pkg.name,
      version: pkg.versionInfo === undefined || pkg.versionInfo === '' ? null : pkg.versionInfo,
      ...(purl === undefined ? {} : { purl }),
      licenses: licenseOf(pkg.licenseConcluded, pkg.licenseDeclared),
    });
  }
  return {
    format: 'spdx',
    specVersion: spdx.spdxVersion.slice('SPDX-'.length),
    name: name ?? spdx.name,
    createdAt: toUtcTimestamp(spdx.creationInfo.created),
    tools: spdx.creationInfo.creators
      .filter((creator) => creator.startsWith('Tool:'))
      .map((creator) =>
        creator
          .slice('Tool:'.length)
          .trim()
          .replace(/-(\d[^-]*)$/, ' $1'),
      ),
    packages,
    packageCount: packages.length,
    licenses: countLicenses(packages),
  };
}
