// New, empty repositories for the CLI integration tests: OCI image layouts in a scratch folder, or
// uniquely named repositories of a running test registry (registries.ts).
import { join } from 'node:path';
import { openLayout } from '../../src/content/layout/oci-layout-repository.ts';
import type { Repository } from '../../src/content/repository.ts';
import { createImageOpener } from '../../src/open/open-image.ts';
import { requireRegistry, type TestRegistry, uniqueRepository } from './registries.ts';

export interface NewRepository {
  repository: Repository;
  /** The CLI reference of a tag or digest in the repository. */
  ref: (tagOrDigest: string) => string;
}

/** Where new repositories are made, and what the CLI needs to reach them. */
export interface RepositorySource {
  /** Shown in test names. */
  label: string;
  /** The registry the repositories are in; undefined for layouts. */
  registry: TestRegistry | undefined;
  /** Flags every CLI command gets (--plain-http for a plain-HTTP registry). */
  flags: readonly string[];
  newRepository(prefix: string): Promise<NewRepository>;
}

/** `base:tag`, or `base@digest`. */
const refIn =
  (base: string) =>
  (tagOrDigest: string): string =>
    `${base}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;

/** A new OCI image layout per repository, in `scratch/<prefix>-<n>`. */
export function layoutRepositories(scratch: string): RepositorySource {
  let count = 0;
  return {
    label: 'OCI image layout',
    registry: undefined,
    flags: [],
    async newRepository(prefix) {
      const dir = join(scratch, `${prefix}-${++count}`);
      const repository = await openLayout(dir, { create: true });
      return { repository, ref: refIn(`oci:${dir}`) };
    },
  };
}

/**
 * A new repository of the running test registry of that kind per call (throws when it does not
 * run), opened with the credentials of the Docker config folder `dockerConfig`.
 */
export function registryRepositories(
  kind: 'distribution' | 'refreg',
  dockerConfig: string,
): RepositorySource {
  const registry = requireRegistry(kind);
  const opener = createImageOpener({ plainHttp: registry.plainHttp, env: { DOCKER_CONFIG: dockerConfig } });
  return {
    label: kind === 'distribution' ? 'distribution 2.8 (referrers tag schema)' : 'refreg (OCI referrers API)',
    registry,
    flags: registry.plainHttp ? ['--plain-http'] : [],
    async newRepository(prefix) {
      const base = `${registry.host}/${uniqueRepository(prefix)}`;
      const { repository } = await opener(`${base}:v1`);
      return { repository, ref: refIn(base) };
    },
  };
}
