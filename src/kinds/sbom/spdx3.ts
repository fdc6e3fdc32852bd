/**
 * SPDX 3.0 JSON-LD documents (`@context` https://spdx.org/rdf/3.0.x/spdx-context.jsonld, elements in
 * `@graph`), as spdx-tools and syft write them. SPDX 3 is a graph, not a tree of fields:
 *
 * - the document is the `SpdxDocument` element; its `creationInfo` (usually the blank node
 *   `_:creationinfo`) gives `created`, `specVersion` and `createdUsing` (the `Tool` elements);
 * - the described image is a root element: a `software_Package` of the `rootElement` of the document
 *   or of its `software_Sbom`, with purpose `container` (or none), and is not counted, as in SPDX 2;
 * - every other `software_Package` is a package (`software_File`s and snippets are not): version
 *   `software_packageVersion`, purl `software_packageUrl` (else a `packageUrl` external identifier);
 * - licences are relationships: `hasConcludedLicense`, else `hasDeclaredLicense`, to a
 *   `simplelicensing_LicenseExpression` (split like SPDX 2 expressions), a listed or custom licence
 *   element, or a licence's URL (`https://spdx.org/licenses/MIT`); NoAssertion / None are none.
 * One pass over the graph to index it, one over the packages: a 5 000-element syft document
 * normalises in a few milliseconds.
 */
import { isRecord } from '../../util/json-record.ts';
import { type KindContext, kindInvalid, withFormat } from '../kind.ts';
import { toUtcTimestamp } from '../time.ts';
import { splitLicenseExpression } from './license-expression.ts';
import { countLicenses, type Sbom, type SbomPackage } from './types.ts';

export function looksLikeSpdx3(document: Record<string, unknown>): boolean {
  const context = document['@context'];
  const contexts = Array.isArray(context) ? context : [context];
  return contexts.some((c) => typeof c === 'string' && c.startsWith('https://spdx.org/rdf/3.'));
}

type Element = Record<string, unknown>;

const NO_LICENSE = /\/(NoAssertion|None)(License)?$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** A licence element or URL as the licences it names. */
function licensesOf(target: string, elements: ReadonlyMap<string, Element>): string[] {
  if (NO_LICENSE.test(target)) return [];
  const element = elements.get(target);
  if (element === undefined) {
    // A licence referred to by its URL: https://spdx.org/licenses/MIT.
    const listed = /^https?:\/\/spdx\.org\/licenses\/([^/]+?)(\.html)?$/.exec(target);
    return listed === null ? [] : [listed[1]!];
  }
  const expression = text(element.simplelicensing_licenseExpression);
  if (expression !== undefined) return splitLicenseExpression(expression);
  const id = text(element.expandedlicensing_licenseId) ?? text(element.name);
  if (id !== undefined) return [id];
  const fromUrl = /\/licenses\/([^/]+)$/.exec(target) ?? /(LicenseRef-[A-Za-z0-9.-]+)$/.exec(target);
  return fromUrl === null ? [] : [fromUrl[1]!];
}

export function normaliseSpdx3(document: Record<string, unknown>, outer: KindContext): Sbom {
  const context = withFormat(outer, 'spdx');
  const graph = document['@graph'];
  if (!Array.isArray(graph)) throw kindInvalid(context, ['@graph'], 'is required (an array of elements)');
  const elements = new Map<string, Element>();
  const byType = new Map<string, Element[]>();
  for (const [i, element] of graph.entries()) {
    if (!isRecord(element) || text(element.type) === undefined)
      throw kindInvalid(context, ['@graph', i], 'must be an object with a type');
    const id = text(element.spdxId) ?? text(element['@id']);
    if (id !== undefined) elements.set(id, element);
    const type = element.type as string;
    byType.set(type, [...(byType.get(type) ?? []), element]);
  }
  const documents = byType.get('SpdxDocument') ?? [];
  if (documents.length !== 1)
    throw kindInvalid(context, ['@graph'], `must hold one SpdxDocument element (found ${documents.length})`);
  const spdxDocument = documents[0]!;
  const docIndex = graph.indexOf(spdxDocument);
  const info = isRecord(spdxDocument.creationInfo)
    ? spdxDocument.creationInfo
    : elements.get(text(spdxDocument.creationInfo) ?? '');
  if (info === undefined)
    throw kindInvalid(context, ['@graph', docIndex, 'creationInfo'], 'must be a CreationInfo (or name one)');
  const specVersion = text(info.specVersion);
  if (specVersion === undefined || !/^3\.0(\.\d+)?$/.test(specVersion))
    throw kindInvalid(context, ['@graph', docIndex, 'creationInfo', 'specVersion'], 'must be 3.0.x');
  const created = text(info.created);
  if (created === undefined || toUtcTimestamp(created) === null)
    throw kindInvalid(
      context,
      ['@graph', docIndex, 'creationInfo', 'created'],
      'must be an RFC 3339 timestamp',
    );

  // Roots: the document's root elements, and those of the SBOMs among them.
  const roots = new Set<string>();
  for (const root of list(spdxDocument.rootElement)) {
    if (typeof root !== 'string') continue;
    roots.add(root);
    const element = elements.get(root);
    if (element?.type === 'software_Sbom')
      for (const inner of list(element.rootElement)) if (typeof inner === 'string') roots.add(inner);
  }
  // Licences: package -> concluded / declared targets.
  const concluded = new Map<string, string[]>();
  const declared = new Map<string, string[]>();
  for (const relationship of byType.get('Relationship') ?? []) {
    const kind = relationship.relationshipType;
    const from = text(relationship.from);
    if (from === undefined || (kind !== 'hasConcludedLicense' && kind !== 'hasDeclaredLicense')) continue;
    const map = kind === 'hasConcludedLicense' ? concluded : declared;
    const targets = list(relationship.to).filter((t): t is string => typeof t === 'string');
    map.set(from, [...(map.get(from) ?? []), ...targets]);
  }
  const licensesFor = (id: string): string[] => {
    for (const map of [concluded, declared]) {
      const licenses = [...new Set((map.get(id) ?? []).flatMap((t) => licensesOf(t, elements)))];
      if (licenses.length > 0) return licenses;
    }
    return [];
  };

  const packages: SbomPackage[] = [];
  let name: string | null = null;
  for (const pkg of byType.get('software_Package') ?? []) {
    const id = text(pkg.spdxId) ?? '';
    const pkgName = text(pkg.name);
    if (pkgName === undefined)
      throw kindInvalid(
        context,
        ['@graph', graph.indexOf(pkg), 'name'],
        'is required for a software_Package',
      );
    const purpose = text(pkg.software_primaryPurpose);
    if (roots.has(id) && (purpose === undefined || purpose === 'container')) {
      name ??= pkgName;
      continue;
    }
    const purl =
      text(pkg.software_packageUrl) ??
      list(pkg.externalIdentifier)
        .filter(isRecord)
        .find((e) => e.externalIdentifierType === 'packageUrl' && text(e.identifier) !== undefined)
        ?.identifier;
    const version = text(pkg.software_packageVersion) ?? null;
    packages.push({
      name: pkgName,
      version,
      ...(typeof purl === 'string' ? { purl } : {}),
      licenses: licensesFor(id),
    });
  }
  const tools = list(info.createdUsing)
    .map((ref) => (isRecord(ref) ? ref : elements.get(typeof ref === 'string' ? ref : '')))
    .map((tool) => text(tool?.name))
    .filter((tool) => tool !== undefined)
    .map((tool) => tool.replace(/-(\d[^-]*)$/, ' $1'));
  return {
    format: 'spdx',
    specVersion,
    name: name ?? text(spdxDocument.name) ?? null,
    createdAt: toUtcTimestamp(created),
    tools,
    packages,
    packageCount: packages.length,
    licenses: countLicenses(packages),
  };
}
