// The backends the metadata integration suite runs on: distribution 2.8 (referrers tag schema),
// refreg (OCI referrers API), the OCI image layout, and the external registry when configured. Each
// gives fresh images to store metadata for, the CLI flags and environment to reach them, and the
// matching oras flags.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLayout } from '../../../../src/content/layout/oci-layout-repository.ts';
import type { Repository } from '../../../../src/content/repository.ts';
import type { Descriptor } from '../../../../src/oci/descriptor.ts';
import { createImageOpener } from '../../../../src/open/open-image.ts';
import { referrersTag } from '../../../../src/registry/referrers-tag-schema.ts';
import { pushTestImage } from '../../../support/images.ts';
import {
  registryAgent,
  requireRegistry,
  type TestRegistry,
  testRegistries,
  uniqueRepository,
} from '../../../support/registries.ts';

export type BackendKind = 'distribution' | 'refreg' | 'layout' | 'external';

export interface TestImage {
  /** The image as the CLI names it, with its tag: `127.0.0.1:PORT/repo:tag` or `oci:/dir:tag`. */
  ref: string;
  /** The same without a tag (`latest` is the default). */
  untagged: string;
  tag: string;
  /** The image manifest: the subject of its metadata. */
  subject: Descriptor;
  /** The image by digest: `…/repo@sha256:…` or `oci:/dir@sha256:…`. */
  byDigest: string;
  /** The repository (or layout) the image is in. */
  repository: Repository;
  /** The reference of another manifest of the same repository, by digest, for the CLI. */
  at(digest: string): string;
  /** The image for oras (`host/repo:tag` or `/dir:tag` with --oci-layout). */
  orasRef: string;
  /** Another manifest of the same repository for oras, by digest. */
  orasAt(digest: string): string;
  /** Repository name (registries) or layout directory. */
  name: string;
}

export interface MetadataBackend {
  kind: BackendKind;
  /** Shown in test names. */
  label: string;
  registry: TestRegistry | undefined;
  /** Flags every manifesto command gets (--plain-http, --ca-file). */
  flags: readonly string[];
  /** Environment for manifesto commands: an empty DOCKER_CONFIG (and the external's login). */
  env: Record<string, string | undefined>;
  /** Flags every oras command gets (--plain-http, --oci-layout, credentials). */
  orasFlags: readonly string[];
  /** Whether referrers are listed through the referrers tag schema (distribution). */
  tagSchema: boolean;
  /** Pushes a new one-layer image under `tag` (default `v1`) in a new repository or layout. */
  newImage(prefix: string, tag?: string): Promise<TestImage>;
  /**
   * Registries: the HTTP status of HEAD /v2/<repo>/manifests/<alg>-<hex>, the referrers tag of the
   * image (200 while the tag-schema index exists, 404 once it is gone).
   */
  referrersTagStatus(image: TestImage): Promise<number>;
  /** Whether a blob is stored (registry HEAD, layout file). */
  hasBlob(image: TestImage, digest: string): Promise<boolean>;
  /** Removes what the backend created locally (layout directories, the config directory). */
  cleanup(): void;
}

function emptyDockerConfig(): string {
  return mkdtempSync(join(tmpdir(), 'manifesto-metadata-docker-'));
}

function registryBackend(kind: BackendKind, registry: TestRegistry): MetadataBackend {
  const dockerConfig = emptyDockerConfig();
  const flags: string[] = [];
  const orasFlags: string[] = [];
  if (registry.plainHttp) {
    flags.push('--plain-http');
    orasFlags.push('--plain-http');
  }
  if (registry.caFile !== undefined) {
    flags.push('--ca-file', registry.caFile);
    orasFlags.push('--ca-file', registry.caFile);
  }
  if (registry.username !== undefined && registry.password !== undefined) {
    orasFlags.push('-u', registry.username, '-p', registry.password);
    // manifesto reads them from the Docker config, as after `manifesto login` (stdin stays free).
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth } } }),
    );
  }
  const opener = createImageOpener({
    plainHttp: registry.plainHttp,
    caFile: registry.caFile,
    username: registry.username,
    password: registry.password,
    env: { DOCKER_CONFIG: dockerConfig },
  });
  const agent = registryAgent(registry);
  const authHeader: Record<string, string> =
    registry.username !== undefined && registry.password !== undefined
      ? {
          Authorization: `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`,
        }
      : {};
  const head = async (path: string, accept?: string): Promise<number> => {
    const { request } = await import('undici');
    const res = await request(`${registry.baseUrl}${path}`, {
      method: 'HEAD',
      headers: { ...authHeader, ...(accept ? { Accept: accept } : {}) },
      ...(agent ? { dispatcher: agent } : {}),
    });
    await res.body.dump();
    return res.statusCode;
  };
  const label =
    kind === 'distribution'
      ? 'distribution 2.8 (referrers tag schema)'
      : kind === 'refreg'
        ? 'refreg (OCI referrers API)'
        : `external registry ${registry.host}`;
  return {
    kind,
    label,
    registry,
    flags,
    env: { ...process.env, DOCKER_CONFIG: dockerConfig, MANIFESTO_AUTHOR: 'tester@example.com' },
    orasFlags,
    tagSchema: registry.referrersApi === false,
    async newImage(prefix, tag = 'v1') {
      const name = uniqueRepository(prefix);
      const base = `${registry.host}/${name}`;
      const { repository } = await opener(`${base}:${tag}`);
      const subject = await pushTestImage(repository, { tag, seed: name });
      return {
        ref: `${base}:${tag}`,
        untagged: base,
        tag,
        subject,
        byDigest: `${base}@${subject.digest}`,
        repository,
        at: (digest) => `${base}@${digest}`,
        orasRef: `${base}:${tag}`,
        orasAt: (digest) => `${base}@${digest}`,
        name,
      };
    },
    referrersTagStatus: (image) =>
      head(
        `/v2/${image.name}/manifests/${referrersTag(image.subject.digest)}`,
        'application/vnd.oci.image.index.v1+json',
      ),
    hasBlob: async (image, digest) => (await head(`/v2/${image.name}/blobs/${digest}`)) === 200,
    cleanup: () => rmSync(dockerConfig, { recursive: true, force: true }),
  };
}

function layoutBackend(): MetadataBackend {
  const root = mkdtempSync(join(tmpdir(), 'manifesto-metadata-layouts-'));
  let count = 0;
  return {
    kind: 'layout',
    label: 'OCI image layout',
    registry: undefined,
    flags: [],
    env: { ...process.env, DOCKER_CONFIG: join(root, 'docker'), MANIFESTO_AUTHOR: 'tester@example.com' },
    orasFlags: ['--oci-layout'],
    tagSchema: false,
    async newImage(prefix, tag = 'v1') {
      count += 1;
      const dir = join(root, `${prefix}-${count}`);
      const repository = await openLayout(dir, { create: true });
      const subject = await pushTestImage(repository, { tag, seed: `${prefix}-${count}-${Date.now()}` });
      return {
        ref: `oci:${dir}:${tag}`,
        untagged: `oci:${dir}`,
        tag,
        subject,
        byDigest: `oci:${dir}@${subject.digest}`,
        repository,
        at: (digest) => `oci:${dir}@${digest}`,
        orasRef: `${dir}:${tag}`,
        orasAt: (digest) => `${dir}@${digest}`,
        name: dir,
      };
    },
    referrersTagStatus: () => Promise.reject(new Error('an OCI layout has no referrers tag')),
    hasBlob: async (image, digest) => {
      const { existsSync } = await import('node:fs');
      return existsSync(join(image.name, 'blobs', ...digest.split(':')));
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The backends that run: distribution, refreg, the OCI layout, and the external registry if set. */
export function metadataBackends(): MetadataBackend[] {
  const backends: MetadataBackend[] = [];
  for (const registry of testRegistries()) {
    if (registry.kind === 'distribution' || registry.kind === 'refreg' || registry.kind === 'external')
      backends.push(registryBackend(registry.kind, registry));
  }
  backends.push(layoutBackend());
  return backends;
}

/**
 * The backend with OCI layouts listing referrers in index.json (MANIFESTO_LAYOUT_REFERRERS=listed), as
 * `oras discover --oci-layout` needs to see manifesto's versions; other backends unchanged.
 */
export function orasVisible(backend: MetadataBackend): MetadataBackend {
  if (backend.kind !== 'layout') return backend;
  return { ...backend, env: { ...backend.env, MANIFESTO_LAYOUT_REFERRERS: 'listed' } };
}

/** One backend of that kind; throws (failing the test) when its registry does not run. */
export function metadataBackend(kind: BackendKind): MetadataBackend {
  if (kind === 'layout') return layoutBackend();
  return registryBackend(kind, requireRegistry(kind));
}
