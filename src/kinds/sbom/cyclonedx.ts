/** CycloneDX BOMs as SBOMs: every component (nested ones too) except files and the BOM's subject. */
import { type CycloneDxComponent, type CycloneDxLicenseChoice, cycloneDxSchema } from '../cyclonedx.ts';
import { type KindContext, withFormat } from '../kind.ts';
import { parseWith } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { splitLicenses } from './license-expression.ts';
import { countLicenses, type Sbom, type SbomPackage } from './types.ts';

/** Every licence of the choices: ids, names, and the licences of expressions (split). */
function licensesOf(choices: readonly CycloneDxLicenseChoice[] | undefined): string[] {
  const values: string[] = [];
  for (const choice of choices ?? []) {
    const value = choice.expression ?? choice.license?.id ?? choice.license?.name;
    if (value !== undefined && value !== '') values.push(value);
  }
  return splitLicenses(values);
}

export function normaliseCycloneDxSbom(document: unknown, context: KindContext): Sbom {
  const bom = parseWith(cycloneDxSchema(), document, withFormat(context, 'cyclonedx'));
  const packages: SbomPackage[] = [];
  const walk = (components: readonly CycloneDxComponent[] | undefined) => {
    for (const component of components ?? []) {
      if (component.type !== 'file') {
        packages.push({
          name: component.name,
          version: component.version === undefined || component.version === '' ? null : component.version,
          ...(component.purl === undefined || component.purl === '' ? {} : { purl: component.purl }),
          licenses: licensesOf(component.licenses),
        });
      }
      walk(component.components);
    }
  };
  walk(bom.components);
  const tools = bom.metadata?.tools;
  const toolList = Array.isArray(tools) ? tools : (tools?.components ?? []);
  return {
    format: 'cyclonedx',
    specVersion: bom.specVersion,
    name: bom.metadata?.component?.name ?? null,
    createdAt: bom.metadata?.timestamp === undefined ? null : toUtcTimestamp(bom.metadata.timestamp),
    tools: toolList
      .map((tool) => [tool.name, tool.version].filter((part) => part !== undefined && part !== '').join(' '))
      .filter((tool) => tool !== ''),
    packages,
    packageCount: packages.length,
    licenses: countLicenses(packages),
  };
}
