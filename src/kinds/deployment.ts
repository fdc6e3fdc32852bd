/**
 * The `deployment` kind: where the image runs (or ran). JSON or YAML, one deployment or
 * `{deployments: [...]}`:
 *
 *   environment: production
 *   cluster: eu-west-1-prod        # optional
 *   address: https://app.example.com  # optional
 *   deployedAt: 2026-11-23T08:00:00Z
 *   undeployedAt: 2026-12-01T08:00:00Z  # optional: no longer deployed
 *   by: argocd@prod
 */
import { isRecord } from '../util/json-record.ts';
import { fromVersion } from './entry-version.ts';
import { parseJsonOrYaml } from './input.ts';
import { type KindContext, type KindDefinition, kindInvalid } from './kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from './schema.ts';
import { toUtcTimestamp } from './time.ts';

export interface Deployment {
  environment: string;
  cluster: string | null;
  address: string | null;
  deployedAt: string;
  undeployedAt: string | null;
  by: string;
  /** Not undeployed. */
  active: boolean;
}

export interface Deployments {
  deployments: Deployment[];
}

const deploymentSchema = lazySchema((v) =>
  v.strictObject({
    environment: nonEmpty(v),
    cluster: v.optional(nonEmpty(v)),
    address: v.optional(nonEmpty(v)),
    deployedAt: timestamp(v),
    undeployedAt: v.optional(timestamp(v)),
    by: nonEmpty(v),
  }),
);

const deploymentListSchema = lazySchema((v) =>
  v.strictObject({ deployments: v.pipe(v.array(deploymentSchema()), v.minLength(1, 'must not be empty')) }),
);

export const deploymentKind: KindDefinition<Deployments> = {
  name: 'deployment',
  aliases: ['deployments'],
  description:
    'where the image is deployed: { environment, cluster?, address?, deployedAt, undeployedAt?, by }',
  formats: ['deployment'],
  validate(content, mediaType) {
    deploymentKind.normalise(content, mediaType);
    return { format: 'deployment' };
  },
  normalise(content, mediaType) {
    const context: KindContext = { kind: 'deployment', format: 'deployment' };
    const document = parseJsonOrYaml(content, mediaType, context);
    const listed = isRecord(document) && 'deployments' in document;
    const list = listed
      ? parseWith(deploymentListSchema(), document, context).deployments
      : [parseWith(deploymentSchema(), document, context)];
    return {
      deployments: list.map((deployment, index) => {
        const deployedAt = toUtcTimestamp(deployment.deployedAt) ?? deployment.deployedAt;
        const undeployedAt =
          deployment.undeployedAt === undefined ? null : (toUtcTimestamp(deployment.undeployedAt) ?? null);
        if (undeployedAt !== null && undeployedAt < deployedAt) {
          const keys = listed ? ['deployments', index, 'undeployedAt'] : ['undeployedAt'];
          throw kindInvalid(context, keys, 'must not be before deployedAt');
        }
        return {
          environment: deployment.environment,
          cluster: deployment.cluster ?? null,
          address: deployment.address ?? null,
          deployedAt,
          undeployedAt,
          by: deployment.by,
          active: undeployedAt === null,
        };
      }),
    };
  },
  summarise(normalised) {
    return normalised.deployments.map((deployment) => {
      const where = [deployment.cluster, deployment.address].filter((part) => part !== null).join(', ');
      const state =
        deployment.undeployedAt === null
          ? `deployed since ${deployment.deployedAt}`
          : `deployed ${deployment.deployedAt} to ${deployment.undeployedAt}`;
      return `${deployment.environment}${where === '' ? '' : ` (${where})`}: ${state} by ${deployment.by}${fromVersion(deployment)}`;
    });
  },
};
