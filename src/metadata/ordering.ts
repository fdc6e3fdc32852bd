/**
 * Which version is the latest, and the order of history (docs/format.md, "Latest").
 *
 * Every version written by manifesto names the version that was latest when it was written
 * (`dev.manifesto.supersedes`). A version that another present version supersedes is never the
 * latest, whatever the clocks say: a writer whose clock is behind still replaces what it saw.
 * Among the versions nobody supersedes (normally one; several after concurrent writes or when a
 * newer version was deleted), the latest is the one with the greatest creation time; equal times
 * (or unknown ones, which count as oldest) are broken by the greater manifest digest, compared as
 * a string. History lists newest first: a version always comes before the versions it supersedes;
 * otherwise by the same rule.
 */
import type { MetadataVersion } from './version.ts';

/** Newer-first comparison of two versions by creation time, then digest. */
export function compareNewestFirst(a: MetadataVersion, b: MetadataVersion): number {
  const ta = Number.isNaN(a.created) ? Number.NEGATIVE_INFINITY : a.created;
  const tb = Number.isNaN(b.created) ? Number.NEGATIVE_INFINITY : b.created;
  if (ta !== tb) return tb - ta;
  if (a.digest === b.digest) return 0;
  return a.digest < b.digest ? 1 : -1;
}

/**
 * Versions newest first. A topological order of the "supersedes" graph (each version before the
 * one it supersedes), choosing among the available versions by compareNewestFirst. Cycles (which
 * only a hand-crafted annotation can make) are broken by the same rule.
 */
export function orderNewestFirst(versions: readonly MetadataVersion[]): MetadataVersion[] {
  const byDigest = new Map(versions.map((v) => [v.digest, v]));
  /** How many present versions supersede each version (in-degree). */
  const supersededBy = new Map<string, number>();
  for (const v of byDigest.values()) supersededBy.set(v.digest, 0);
  for (const v of byDigest.values()) {
    if (v.supersedes !== undefined && v.supersedes !== v.digest && byDigest.has(v.supersedes)) {
      supersededBy.set(v.supersedes, (supersededBy.get(v.supersedes) ?? 0) + 1);
    }
  }
  const ready = [...byDigest.values()].filter((v) => supersededBy.get(v.digest) === 0);
  const done = new Set<string>();
  const out: MetadataVersion[] = [];
  while (out.length < byDigest.size) {
    if (ready.length === 0) {
      // A cycle: release the newest remaining version.
      const rest = [...byDigest.values()].filter((v) => !done.has(v.digest)).sort(compareNewestFirst);
      ready.push(rest[0]!);
    }
    ready.sort(compareNewestFirst);
    const next = ready.shift()!;
    if (done.has(next.digest)) continue;
    done.add(next.digest);
    out.push(next);
    const older = next.supersedes === undefined ? undefined : byDigest.get(next.supersedes);
    if (older !== undefined && !done.has(older.digest)) {
      const left = (supersededBy.get(older.digest) ?? 1) - 1;
      supersededBy.set(older.digest, left);
      if (left === 0) ready.push(older);
    }
  }
  return out;
}

/** The latest version, or undefined when there is none. */
export function latestVersion(versions: readonly MetadataVersion[]): MetadataVersion | undefined {
  return orderNewestFirst(versions)[0];
}
