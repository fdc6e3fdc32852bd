/** SLSA provenance v1 predicates (GitHub artifact attestations, slsa-github-generator, Tekton Chains). */
import { type KindContext, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { commitOf, type Provenance, type ProvenanceSubject, splitGitUri } from './types.ts';

export const SLSA_V1_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';

export function looksLikeSlsaV1(predicate: Record<string, unknown>): boolean {
  return 'buildDefinition' in predicate || 'runDetails' in predicate;
}

const slsaV1Schema = lazySchema((v) => {
  const resource = v.object({
    uri: v.optional(v.string()),
    name: v.optional(v.string()),
    digest: v.optional(v.record(v.string(), v.string())),
  });
  return v.object({
    buildDefinition: v.object({
      buildType: nonEmpty(v),
      externalParameters: v.record(v.string(), v.unknown()),
      internalParameters: v.optional(v.unknown()),
      resolvedDependencies: v.optional(v.array(resource)),
    }),
    runDetails: v.object({
      builder: v.object({ id: nonEmpty(v) }),
      metadata: v.optional(
        v.object({
          invocationId: v.optional(v.string()),
          startedOn: v.optional(timestamp(v)),
          finishedOn: v.optional(timestamp(v)),
        }),
      ),
    }),
  });
});

function stringAt(value: unknown, ...keys: string[]): string | undefined {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === 'string' && current !== '' ? current : undefined;
}

export function normaliseSlsaV1(
  predicate: unknown,
  context: KindContext,
  subjects: ProvenanceSubject[],
): Provenance {
  const provenance = parseWith(slsaV1Schema(), predicate, withFormat(context, 'slsa-v1'));
  const { buildDefinition, runDetails } = provenance;
  const dependencies = buildDefinition.resolvedDependencies ?? [];
  const source =
    dependencies.find((dependency) => dependency.uri?.startsWith('git+')) ??
    dependencies.find((dependency) => dependency.digest?.gitCommit !== undefined);
  const parameters = buildDefinition.externalParameters;
  const uri = source?.uri ?? stringAt(parameters, 'source', 'uri');
  const split = uri === undefined ? undefined : splitGitUri(uri);
  const workflowRepo = stringAt(parameters, 'workflow', 'repository');
  const metadata = runDetails.metadata;
  return {
    format: 'slsa-v1',
    builderId: runDetails.builder.id,
    buildType: buildDefinition.buildType,
    sourceRepo: split?.repo ?? workflowRepo ?? null,
    sourceRef: split?.ref ?? stringAt(parameters, 'workflow', 'ref') ?? null,
    commit: commitOf(source?.digest) ?? null,
    invocationId: metadata?.invocationId || null,
    startedOn: metadata?.startedOn === undefined ? null : toUtcTimestamp(metadata.startedOn),
    finishedOn: metadata?.finishedOn === undefined ? null : toUtcTimestamp(metadata.finishedOn),
    subjects,
  };
}
