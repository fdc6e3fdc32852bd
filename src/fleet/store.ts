/**
 * What the fleet index stores and the interface of a store. The embedded default is SQLite
 * (sqlite-store.ts); a server-side PostgreSQL store implements the same interface over the same
 * tables (schema.ts). Every row is a cached copy of what a registry or layout holds: sync writes a
 * repository's images in one transaction (a crash or Ctrl-C leaves the previous state, never half
 * of a repository), and dropping the index loses nothing that a sync cannot bring back.
 */

export type SignatureStatus = 'signed' | 'unsigned' | 'unknown';

/**
 * A latest version's status under the trust policy of the sync (policy/trust's VersionStatus), or
 * `not-checked`: synced without a trust policy, no rule of the policy matches its type, or the rule
 * says `skip`. Versions that are not the latest are not verified (`not-checked`).
 */
export type VerificationStatus =
  | 'verified'
  | 'unsigned'
  | 'untrusted'
  | 'not-allowed'
  | 'insufficient'
  | 'expired'
  | 'invalid'
  | 'not-checked';

export interface IndexedVersion {
  type: string;
  /** The version manifest's digest. */
  digest: string;
  /** RFC 3339, '' when the version does not say. */
  created: string;
  author: string;
  /** Whether a signature (Notary Project or Sigstore bundle) is stored as a referrer of the version. */
  signature: SignatureStatus;
  /** The version `get` reads for its type (the newest, the image's own before the index's). */
  latest: boolean;
  /** Stored for the parent index and inherited by this platform image. */
  inherited: boolean;
  /** Its status under the trust policy of the sync (absent: `not-checked`). */
  verification?: VerificationStatus | undefined;
  /** The authorities of the policy's rule that signed it validly. */
  signedBy?: string[] | undefined;
  /** The identity (sha256) of the trust policy it was checked under, '' when not checked. */
  policy?: string | undefined;
}

export interface FindingFact {
  id: string;
  severity: string;
  package: string;
  installed: string;
  /** '' when no fix is known. */
  fixed: string;
  purl: string;
  /** A VEX statement of the image says not_affected or fixed: not counted, not in `vuln.ids`. */
  suppressed: boolean;
}

export interface PackageFact {
  name: string;
  version: string;
  purl: string;
  licenses: string[];
}

export interface ApprovalFact {
  gate: string;
  status: string;
  approver: string;
  time: string;
}

export interface DeploymentFact {
  environment: string;
  cluster: string;
  deployedAt: string;
  /** '' while deployed. */
  undeployedAt: string;
  active: boolean;
}

/** The normalised facts of the latest version of each well-known kind ('' / [] when absent). */
export interface ImageFacts {
  vulnScannedAt: string;
  findings: FindingFact[];
  packages: PackageFact[];
  provenance: { builder: string; source: string; commit: string };
  approvals: ApprovalFact[];
  deployments: DeploymentFact[];
  lifecycle: { status: string; endOfLife: string };
  contactTeam: string;
}

export interface IndexedImage {
  digest: string;
  mediaType: string;
  /** os/architecture[/variant], '' for a manifest that is not a platform child of an index. */
  platform: string;
  /** The digest of the index this image is a platform of, '' for none. */
  parentIndex: string;
  tags: string[];
  /** Identifies the listings read (own and inherited): equal keys mean unchanged metadata. */
  listingKey: string;
  versions: IndexedVersion[];
  facts: ImageFacts;
}

export interface RepositoryTarget {
  /** Registry host[:port], or `oci:PATH` for a layout. */
  registry: string;
  /** Repository name within the registry ('' for a layout). */
  name: string;
  /** What the user sees: `host/name` or `oci:PATH`. */
  location: string;
}

export interface RepositoryWrite extends RepositoryTarget {
  syncedAt: string;
  /** Images whose metadata was (re)read. */
  changed: IndexedImage[];
  /** Digests found unchanged (same listing key): only their freshness is updated. */
  unchanged: Array<{ digest: string; tags: string[] }>;
}

export interface RegistryStatus {
  name: string;
  syncedAt: string | null;
  error: string | null;
  requests: number | null;
  repositories: number;
  images: number;
}

export interface RepositoryStatus {
  location: string;
  syncedAt: string | null;
  error: string | null;
  images: number;
}

export interface IndexStatus {
  path: string;
  schemaVersion: number;
  registries: RegistryStatus[];
  repositories: RepositoryStatus[];
}

/** The columns every query result row has (see query.ts for the fields a query filters by). */
export interface ImageRow {
  id: number;
  sortKey: string;
  registry: string;
  repository: string;
  location: string;
  digest: string;
  mediaType: string;
  platform: string;
  parentIndex: string;
  indexedAt: string;
  syncedAt: string;
  registrySyncedAt: string | null;
  vulnCritical: number;
  vulnHigh: number;
  vulnMedium: number;
  vulnLow: number;
  vulnFixable: number;
  vulnScannedAt: string;
  lifecycleStatus: string;
  lifecycleEol: string;
  contactTeam: string;
  provenanceBuilder: string;
  provenanceSource: string;
  provenanceCommit: string;
}

/** An image row with every fact, for expressions that run in process. */
export interface FullImage extends ImageRow {
  tags: string[];
  versions: IndexedVersion[];
  findings: FindingFact[];
  packages: PackageFact[];
  approvals: ApprovalFact[];
  deployments: DeploymentFact[];
}

/** The fact tables `load` can read; a query reads only those its expression uses. */
export type FactTable = 'tags' | 'versions' | 'findings' | 'packages' | 'approvals' | 'deployments';

export const ALL_FACTS: ReadonlySet<FactTable> = new Set([
  'tags',
  'versions',
  'findings',
  'packages',
  'approvals',
  'deployments',
]);

export interface SqlFilter {
  /** A boolean SQL expression over `images` (aliased `i`), `?` parameters. */
  where: string;
  params: Array<string | number>;
}

export interface IndexStore {
  readonly path: string;
  /** Listing keys of the images stored for a repository location, by digest. */
  listingKeys(location: string): Map<string, string>;
  /** Replaces a repository's images in one transaction (images of the location not named are removed). */
  writeRepository(write: RepositoryWrite): void;
  /** Records a repository that could not be synced (its previous rows stay). */
  repositoryFailed(target: RepositoryTarget, error: string): void;
  /**
   * Removes the registry's repositories whose location starts with `prefix` and is not in `keep`
   * (gone from the catalog); returns the locations removed.
   */
  removeRepositories(registry: string, prefix: string, keep: ReadonlySet<string>): string[];
  /** Records the end of a registry's sync. */
  registrySynced(name: string, syncedAt: string, error: string | null, requests: number | null): void;
  status(): IndexStatus;
  /** Images matching the filter after `after` (sort key), in sort-key order, at most `limit`. */
  select(filter: SqlFilter, after: string | undefined, limit: number): ImageRow[];
  count(filter: SqlFilter): number;
  /** The facts of the given rows (those not asked for are left empty). */
  load(rows: readonly ImageRow[], facts?: ReadonlySet<FactTable>): FullImage[];
  /** Removes everything (the tables stay). */
  clear(): void;
  close(): void;
}
