/** The registry of well-known kinds, by type name (and alias). */
import { apparmorKind } from './apparmor.ts';
import { approvalKind } from './approval.ts';
import { contactKind } from './contact.ts';
import { deploymentKind } from './deployment.ts';
import type { KindDefinition } from './kind.ts';
import { lifecycleKind } from './lifecycle.ts';
import { provenanceKind } from './provenance/kind.ts';
import { sbomKind } from './sbom/kind.ts';
import { seccompKind } from './seccomp.ts';
import { vexKind } from './vex/kind.ts';
import { vulnKind } from './vuln/kind.ts';

/**
 * A kind whose normalised type is forgotten. Safe as long as `summarise` only receives what the
 * same kind's `normalise` returned, which is how callers use a kind found by name.
 */
function erase<N>(kind: KindDefinition<N>): KindDefinition<unknown> {
  return kind as unknown as KindDefinition<unknown>;
}

/** Every well-known kind, in the order docs and help list them. */
export const KINDS: readonly KindDefinition<unknown>[] = [
  erase(vulnKind),
  erase(vexKind),
  erase(sbomKind),
  erase(provenanceKind),
  erase(approvalKind),
  erase(seccompKind),
  erase(apparmorKind),
  erase(contactKind),
  erase(deploymentKind),
  erase(lifecycleKind),
];

const BY_NAME: ReadonlyMap<string, KindDefinition<unknown>> = new Map(
  KINDS.flatMap((kind) => [kind.name, ...kind.aliases].map((name) => [name, kind] as const)),
);

/** The kind of a type name, or undefined for free-form types. */
export function kindFor(typeName: string): KindDefinition<unknown> | undefined {
  return BY_NAME.get(typeName);
}

/** Every type name that has a kind (names and aliases). */
export function wellKnownTypeNames(): string[] {
  return [...BY_NAME.keys()];
}
