/**
 * Kinds whose versions are records from many writers: `approval` (QA signs off one gate, security
 * another) and `deployment` (the staging pipeline and the production one each record their own
 * environment). Each version holds what one writer had to say; none replaces the others. So the
 * content of such a type is the merge of all its versions: the latest approval per gate and the
 * latest deployment per environment and cluster, each with the version it came from.
 *
 * "Latest" is by the entry's own time (an approval's `time`; a deployment's `undeployedAt`, else its
 * `deployedAt`, so recording an undeployment replaces the deployment). Equal times: the entry of the
 * newer version wins (versions are given newest first), and within one version the later entry.
 * A pure function of the versions' normalised contents: `show`, `check` and any index call it with
 * the versions they trust (under a signedBy rule or `--verify`, only verified versions).
 *
 * Cost: one pass over the entries (a year of daily approvals, 365 versions of 3 gates: ~1 100
 * entries, well under a millisecond).
 */
import type { Approval, Approvals } from './approval.ts';
import type { Deployment, Deployments } from './deployment.ts';

/** One version's normalised content; lists of these are newest first. */
export interface VersionContent<N> {
  /** The version's manifest digest. */
  version: string;
  normalised: N;
}

/** An entry with the version it was read from. */
export type FromVersion<T> = T & { version: string };

export interface MergedApprovals extends Approvals {
  /** The latest approval of each gate, sorted by gate. */
  approvals: FromVersion<Approval>[];
}

export interface MergedDeployments extends Deployments {
  /** The latest deployment of each environment and cluster, sorted by environment, then cluster. */
  deployments: FromVersion<Deployment>[];
}

/** Kind names (not aliases) whose versions are merged. */
export const RECORD_KINDS = ['approval', 'deployment'] as const;

export function isRecordKind(kindName: string): boolean {
  return (RECORD_KINDS as readonly string[]).includes(kindName);
}

/**
 * Keeps, per key, the entry with the greatest time. Sources are newest first: an older version's
 * entry replaces only a strictly later one; within a version a later entry wins ties.
 */
function latestPerKey<T>(
  sources: readonly VersionContent<readonly T[]>[],
  key: (entry: T) => string,
  time: (entry: T) => string,
): Map<string, FromVersion<T>> {
  const latest = new Map<string, FromVersion<T>>();
  for (const source of sources) {
    const seenHere = new Set<string>();
    for (const entry of source.normalised) {
      const k = key(entry);
      const current = latest.get(k);
      const wins =
        current === undefined ||
        time(entry) > time(current) ||
        (time(entry) === time(current) && seenHere.has(k));
      if (wins) {
        latest.set(k, { ...entry, version: source.version });
        seenHere.add(k);
      }
    }
  }
  return latest;
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

/** The latest approval per gate across versions (newest first). */
export function mergeApprovals(versions: readonly VersionContent<Approvals>[]): MergedApprovals {
  const latest = latestPerKey(
    versions.map((v) => ({ version: v.version, normalised: v.normalised.approvals })),
    (a) => a.gate,
    (a) => a.time,
  );
  return { approvals: sortedValues(latest) };
}

/** The latest deployment per environment and cluster across versions (newest first). */
export function mergeDeployments(versions: readonly VersionContent<Deployments>[]): MergedDeployments {
  const latest = latestPerKey(
    versions.map((v) => ({ version: v.version, normalised: v.normalised.deployments })),
    (d) => JSON.stringify([d.environment, d.cluster ?? '']),
    (d) => d.undeployedAt ?? d.deployedAt,
  );
  return { deployments: sortedValues(latest) };
}

/**
 * The merged content of a record kind's versions (newest first), or undefined for kinds whose
 * latest version alone is the content.
 */
export function mergeRecords(
  kindName: string,
  versions: readonly VersionContent<unknown>[],
): MergedApprovals | MergedDeployments | undefined {
  if (kindName === 'approval') return mergeApprovals(versions as readonly VersionContent<Approvals>[]);
  if (kindName === 'deployment') return mergeDeployments(versions as readonly VersionContent<Deployments>[]);
  return undefined;
}
