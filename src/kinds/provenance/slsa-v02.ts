/** SLSA provenance v0.2 predicates (slsa-github-generator's container and generic workflows, Tekton). */
import { type KindContext, withFormat } from '../kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from '../schema.ts';
import { toUtcTimestamp } from '../time.ts';
import { commitOf, type Provenance, type ProvenanceSubject, splitGitUri } from './types.ts';

export const SLSA_V02_PREDICATE_TYPE = 'https://slsa.dev/provenance/v0.2';

export function looksLikeSlsaV02(predicate: Record<string, unknown>): boolean {
  return 'builder' in predicate && ('buildType' in predicate || 'invocation' in predicate);
}

const slsaV02Schema = lazySchema((v) => {
  const material = v.object({
    uri: v.optional(v.string()),
    digest: v.optional(v.record(v.string(), v.string())),
  });
  return v.object({
    builder: v.object({ id: nonEmpty(v) }),
    buildType: nonEmpty(v),
    invocation: v.optional(
      v.object({
        configSource: v.optional(
          v.object({
            uri: v.optional(v.string()),
            digest: v.optional(v.record(v.string(), v.string())),
            entryPoint: v.optional(v.string()),
          }),
        ),
      }),
    ),
    metadata: v.optional(
      v.object({
        buildInvocationId: v.optional(v.string()),
        // in-toto-golang and slsa-github-generator spell it this way.
        buildInvocationID: v.optional(v.string()),
        buildStartedOn: v.optional(timestamp(v)),
        buildFinishedOn: v.optional(timestamp(v)),
      }),
    ),
    materials: v.optional(v.array(material)),
  });
});

export function normaliseSlsaV02(
  predicate: unknown,
  context: KindContext,
  subjects: ProvenanceSubject[],
): Provenance {
  const provenance = parseWith(slsaV02Schema(), predicate, withFormat(context, 'slsa-v0.2'));
  const config = provenance.invocation?.configSource;
  const source = config?.uri !== undefined && config.uri !== '' ? config : provenance.materials?.[0];
  const split = source?.uri === undefined ? undefined : splitGitUri(source.uri);
  const metadata = provenance.metadata;
  const started = metadata?.buildStartedOn;
  const finished = metadata?.buildFinishedOn;
  return {
    format: 'slsa-v0.2',
    builderId: provenance.builder.id,
    buildType: provenance.buildType,
    sourceRepo: split?.repo ?? null,
    sourceRef: split?.ref ?? null,
    commit: commitOf(source?.digest),
    invocationId: metadata?.buildInvocationId || metadata?.buildInvocationID || null,
    startedOn: started === undefined ? null : toUtcTimestamp(started),
    finishedOn: finished === undefined ? null : toUtcTimestamp(finished),
    subjects,
  };
}
