/** CycloneDX JSON (1.4 to 1.7): the parts both the sbom and the vuln kinds read. */
import type { GenericSchema } from 'valibot';
import { lazySchema, nonEmpty, score, timestamp } from './schema.ts';

export const CYCLONEDX_SPEC_VERSIONS = ['1.4', '1.5', '1.6', '1.7'] as const;

export function looksLikeCycloneDx(document: Record<string, unknown>): boolean {
  return document.bomFormat === 'CycloneDX';
}

export interface CycloneDxLicenseChoice {
  license?: { id?: string | undefined; name?: string | undefined } | undefined;
  expression?: string | undefined;
}

export interface CycloneDxComponent {
  type: string;
  'bom-ref'?: string | undefined;
  name: string;
  version?: string | undefined;
  purl?: string | undefined;
  licenses?: CycloneDxLicenseChoice[] | undefined;
  components?: CycloneDxComponent[] | undefined;
}

export const cycloneDxSchema = lazySchema((v) => {
  const license = v.pipe(
    v.object({
      license: v.optional(v.object({ id: v.optional(v.string()), name: v.optional(v.string()) })),
      expression: v.optional(v.string()),
    }),
    v.check(
      (choice) =>
        choice.expression !== undefined ||
        choice.license?.id !== undefined ||
        choice.license?.name !== undefined,
      'must have license.id, license.name or expression',
    ),
  );
  const component: GenericSchema<CycloneDxComponent> = v.object({
    type: nonEmpty(v),
    'bom-ref': v.optional(v.string()),
    name: nonEmpty(v),
    version: v.optional(v.string()),
    purl: v.optional(v.string()),
    licenses: v.optional(v.array(license)),
    components: v.optional(v.array(v.lazy(() => component))),
  });
  const tool = v.object({
    vendor: v.optional(v.string()),
    name: v.optional(v.string()),
    version: v.optional(v.string()),
  });
  const rating = v.object({
    source: v.optional(v.object({ name: v.optional(v.string()) })),
    score: v.optional(score(v)),
    severity: v.optional(v.picklist(['critical', 'high', 'medium', 'low', 'info', 'none', 'unknown'])),
    method: v.optional(v.string()),
  });
  const vulnerability = v.object({
    'bom-ref': v.optional(v.string()),
    id: nonEmpty(v),
    source: v.optional(v.object({ name: v.optional(v.string()), url: v.optional(v.string()) })),
    references: v.optional(v.array(v.object({ id: nonEmpty(v) }))),
    ratings: v.optional(v.array(rating)),
    recommendation: v.optional(v.string()),
    affects: v.optional(
      v.array(
        v.object({
          ref: nonEmpty(v),
          versions: v.optional(
            v.array(
              v.object({
                version: v.optional(v.string()),
                range: v.optional(v.string()),
                status: v.optional(v.picklist(['affected', 'unaffected', 'unknown'])),
              }),
            ),
          ),
        }),
      ),
    ),
    analysis: v.optional(v.object({ state: v.optional(v.string()) })),
  });
  return v.object({
    bomFormat: v.literal('CycloneDX'),
    specVersion: v.picklist(CYCLONEDX_SPEC_VERSIONS),
    serialNumber: v.optional(v.string()),
    metadata: v.optional(
      v.object({
        timestamp: v.optional(timestamp(v)),
        tools: v.optional(v.union([v.array(tool), v.object({ components: v.optional(v.array(tool)) })])),
        component: v.optional(v.object({ name: v.optional(v.string()), version: v.optional(v.string()) })),
      }),
    ),
    components: v.optional(v.array(component)),
    vulnerabilities: v.optional(v.array(vulnerability)),
  });
});
