/**
 * What the benchmark runs against: one registry of each kind with a counting proxy in front, and the
 * images and metadata it prepares. Preparation talks to the registry directly (never through the proxy),
 * with the project's own client, so only the measured commands are counted.
 *
 * The registries keep their storage on tmpfs (/dev/shm) when it is there: distribution's filesystem
 * driver syncs its writes, and on a slow disk an index PUT then takes 50-500 ms under load, which
 * measures the disk, not the clients. go-containerregistry's registry keeps everything in memory, so
 * both registries compare alike. (The test suite keeps the default, os.tmpdir().)
 */
import { accessSync, constants, statSync } from 'node:fs';

import type { Repository } from '../../src/content/repository.ts';
import { prepareStream } from '../../src/metadata/content-source.ts';
import { putMetadata } from '../../src/metadata/put.ts';
import { createTransportPool } from '../../src/open/open-image.ts';
import type { TagSchemaClock } from '../../src/registry/referrers-tag-schema.ts';
import { RegistryRepository } from '../../src/registry/registry-repository.ts';
import { pushTestImage } from '../../test/support/images.ts';
import { type RunningRegistry, startRegistry, uniqueRepository } from '../../test/support/registries.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';

export type BenchRegistryKind = 'distribution' | 'refreg';
export const BENCH_REGISTRY_KINDS: readonly BenchRegistryKind[] = ['distribution', 'refreg'];

export interface BenchRegistry {
  kind: BenchRegistryKind;
  /** Whether the registry serves the OCI referrers API (otherwise clients use the tag schema). */
  referrersApi: boolean;
  registry: RunningRegistry;
  /** The counting proxy in front of it: the host every measured command uses. */
  proxy: CountingProxy;
  /** A repository of the registry itself (not through the proxy), for preparation. */
  repository(name: string): Repository;
  stop(): Promise<void>;
}

/**
 * Preparation is the only writer of its repositories and writes one version after the other, so the
 * tag schema's settle wait (which protects concurrent writers) is skipped: 100 versions take seconds.
 */
const noWaiting: TagSchemaClock = { now: () => performance.now(), sleep: async () => {}, random: () => 0 };

/** Where bench registries keep their storage: the folder, and a description for the report. */
export interface RegistryStorage {
  /** Parent of the registries' work folders; undefined: os.tmpdir(). */
  parentDir: string | undefined;
  description: string;
}

const TMPFS = '/dev/shm';

/** /dev/shm when it is a writable folder, else os.tmpdir(). */
export function benchRegistryStorage(): RegistryStorage {
  try {
    if (statSync(TMPFS).isDirectory()) {
      accessSync(TMPFS, constants.W_OK);
      return {
        parentDir: TMPFS,
        description: `registry storage on tmpfs (${TMPFS}; refreg keeps everything in memory)`,
      };
    }
  } catch {
    // not there or not writable
  }
  return {
    parentDir: undefined,
    description: `registry storage in os.tmpdir() (${TMPFS} unavailable): distribution's writes sync to disk`,
  };
}

export async function startBenchRegistry(
  kind: BenchRegistryKind,
  storage: RegistryStorage = benchRegistryStorage(),
): Promise<BenchRegistry> {
  const registry = await startRegistry(
    kind,
    storage.parentDir === undefined ? {} : { parentDir: storage.parentDir },
  );
  try {
    const proxy = await startCountingProxy({ upstream: registry.baseUrl });
    const transport = createTransportPool({ plainHttp: true })(registry.host);
    return {
      kind,
      referrersApi: registry.referrersApi === true,
      registry,
      proxy,
      repository: (name) =>
        new RegistryRepository({ transport, repository: name, options: { tagSchema: { clock: noWaiting } } }),
      stop: async () => {
        await proxy.stop();
        await registry.stop();
      },
    };
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

export interface BenchImage {
  /** Repository name in the registry. */
  repository: string;
  tag: string;
  digest: string;
}

export type ReferenceStyle = 'tag' | 'digest';

/** The image's reference through the proxy: `HOST/repo:tag` or `HOST/repo@sha256:…`. */
export function proxiedReference(bench: BenchRegistry, image: BenchImage, style: ReferenceStyle): string {
  return style === 'tag'
    ? `${bench.proxy.host}/${image.repository}:${image.tag}`
    : `${bench.proxy.host}/${image.repository}@${image.digest}`;
}

/** A new repository name for the benchmark (`bench-<what>-<random>`). */
export function benchRepository(what: string): string {
  return uniqueRepository(`bench-${what}`);
}

/** Pushes a new one-layer image (unique content) under `repository:tag`. */
export async function pushFreshImage(
  bench: BenchRegistry,
  repository: string,
  tag: string,
): Promise<BenchImage> {
  const descriptor = await pushTestImage(bench.repository(repository), {
    tag,
    seed: `${repository}-${tag}-${Math.random()}`,
  });
  return { repository, tag, digest: descriptor.digest };
}

/**
 * Stores `count` versions of `type` for the image with manifesto's library (each superseding the one
 * before, one second apart from `start`); returns their version digests, oldest first.
 */
export async function storeVersions(
  bench: BenchRegistry,
  image: BenchImage,
  type: string,
  count: number,
  start = Date.parse('2026-01-01T00:00:00.000Z'),
): Promise<string[]> {
  const repository = bench.repository(image.repository);
  const subject = await repository.resolve(image.digest);
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new TextEncoder().encode(`${JSON.stringify({ type, version: i, image: image.digest })}\n`);
    // A file name, as `manifesto put FILE` records it (oras pull only fetches layers with a title).
    const content = { ...(await prepareStream([bytes])), fileName: `${type}.json` };
    try {
      const result = await putMetadata({
        repository,
        reference: image.digest,
        subject,
        type,
        content,
        mediaType: 'application/json',
        author: 'bench@manifesto',
        now: () => new Date(start + i * 1000),
      });
      versions.push(result.version);
    } finally {
      await content.dispose();
    }
  }
  return versions;
}
