/**
 * The `sbom` kind: SPDX 2.2/2.3 JSON, SPDX 3.0 JSON-LD and CycloneDX 1.4-1.7 JSON, bare or in an
 * in-toto statement.
 */
import { isRecord } from '../../util/json-record.ts';
import { looksLikeCycloneDx } from '../cyclonedx.ts';
import { isStatement, readStatement } from '../in-toto.ts';
import { parseJson, unwrapEnvelope } from '../input.ts';
import { type KindContext, type KindDefinition, KindInvalidError } from '../kind.ts';
import { normaliseCycloneDxSbom } from './cyclonedx.ts';
import { looksLikeSpdx, normaliseSpdx } from './spdx.ts';
import { looksLikeSpdx3, normaliseSpdx3 } from './spdx3.ts';
import type { Sbom } from './types.ts';

const EXPECTED = 'must be an SPDX 2.2/2.3 JSON or SPDX 3.0 JSON-LD document, or a CycloneDX JSON BOM';

function readBom(document: unknown, context: KindContext): Sbom {
  if (isRecord(document) && looksLikeSpdx(document)) return normaliseSpdx(document, context);
  if (isRecord(document) && looksLikeSpdx3(document)) return normaliseSpdx3(document, context);
  if (isRecord(document) && looksLikeCycloneDx(document)) return normaliseCycloneDxSbom(document, context);
  throw new KindInvalidError(context, context.pointer ?? '', EXPECTED);
}

export function readSbomDocument(document: unknown, context: KindContext): Sbom {
  const unwrapped = unwrapEnvelope(document, context);
  const inner: KindContext = { ...context, note: unwrapped.note };
  if (isStatement(unwrapped.document)) {
    // cosign attest --type spdxjson / cyclonedx: the SBOM is the predicate.
    const statement = readStatement(unwrapped.document, inner, 'in-toto');
    return readBom(statement.predicate, { ...inner, pointer: '/predicate' });
  }
  return readBom(unwrapped.document, inner);
}

function summarise(sbom: Sbom): string[] {
  const label = sbom.format === 'spdx' ? 'SPDX' : 'CycloneDX';
  const lines = [
    `${label} ${sbom.specVersion} SBOM${sbom.name === null ? '' : ` of ${sbom.name}`}: ` +
      `${sbom.packageCount} package${sbom.packageCount === 1 ? '' : 's'}` +
      `${sbom.tools.length === 0 ? '' : `, made by ${sbom.tools.join(', ')}`}` +
      `${sbom.createdAt === null ? '' : ` at ${sbom.createdAt}`}`,
  ];
  const licenses = Object.entries(sbom.licenses);
  if (licenses.length > 0) {
    const top = licenses.slice(0, 5).map(([license, count]) => `${license} (${count})`);
    const more = licenses.length > 5 ? `, +${licenses.length - 5} more` : '';
    lines.push(`licenses: ${top.join(', ')}${more}`);
  }
  const purls = sbom.packages.flatMap((pkg) => (pkg.purl === undefined ? [] : [pkg.purl])).slice(0, 3);
  if (purls.length > 0) lines.push(`e.g. ${purls.join(', ')}`);
  return lines;
}

export const sbomKind: KindDefinition<Sbom> = {
  name: 'sbom',
  aliases: [],
  description: 'software bill of materials (SPDX 2.3 JSON, SPDX 3.0 JSON-LD, CycloneDX JSON)',
  formats: ['spdx', 'cyclonedx'],
  validate(content) {
    return { format: sbomKind.normalise(content, '').format };
  },
  normalise(content) {
    const context: KindContext = { kind: 'sbom' };
    return readSbomDocument(parseJson(content, context), context);
  },
  summarise,
};
