/**
 * The composition root: the one module that wires the concrete backends. It opens the Repository
 * an image reference names: a repository of a registry (one transport per registry host, shared by
 * every repository opened through the same opener, so connections and tokens are reused), or an OCI
 * image layout directory.
 *
 * Why here: the domain sees storage only through `content/repository.ts`, and the two backends
 * (`registry`, `content/layout`) never import each other, so something above both has to choose
 * one. Front ends (the CLI, the library's createClient, later the server) get an opener from this
 * folder; test/unit/architecture.test.ts fails when anything else constructs a backend.
 */

import { join } from 'node:path';
import type { OciLayoutRepository } from '../content/layout/oci-layout-repository.ts';
import type { Repository } from '../content/repository.ts';
import { familiarReference, namesTagOrDigest, parseReference } from '../oci/reference.ts';
import type { ImageReference } from '../oci/reference-types.ts';
import { ReferrersCapabilityCache } from '../registry/capabilities.ts';
import {
  checkCredentialFiles,
  defaultCredentialProvider,
  explicitCredentials,
} from '../registry/credentials/provider.ts';
import { createRegistryTransport, type HttpRegistryTransport } from '../registry/http/transport.ts';
import { defaultManifestCacheDir, diskManifestCache } from '../registry/manifest-cache.ts';
import { registryQuirks } from '../registry/registry-quirks.ts';
import { RegistryRepository } from '../registry/registry-repository.ts';
import { setting } from '../util/settings.ts';
import type { ClientOptions } from './client-options.ts';

export interface OpenedImage {
  reference: ImageReference;
  repository: Repository;
  /** Tag or digest to resolve in the repository (the digest when the reference has both). */
  target: string;
  /** The reference as shown to the user. */
  display: string;
}

export interface OpenImageOptions {
  /** Create the OCI layout directory when it does not exist (writes). */
  createLayout?: boolean | undefined;
  /** `oci:DIR` without a tag: leave the target unresolved (`latest`) instead of choosing the only image. */
  keepDefaultTag?: boolean | undefined;
}

export type ImageOpener = (
  reference: string | ImageReference,
  options?: OpenImageOptions,
) => Promise<OpenedImage>;

/** A transport for each registry host, made on first use with the client options. */
export function createTransportPool(options: ClientOptions): (registry: string) => HttpRegistryTransport {
  const transports = new Map<string, HttpRegistryTransport>();
  const env = options.env ?? process.env;
  const explicit =
    options.username !== undefined && options.password !== undefined
      ? explicitCredentials({ username: options.username, password: options.password })
      : undefined;
  const credentials = defaultCredentialProvider({ explicit, configDir: options.dockerConfigDir, env });
  return (registry) => {
    let transport = transports.get(registry);
    if (transport === undefined) {
      transport = createRegistryTransport({
        registry,
        plainHttp: options.plainHttp,
        insecure: options.insecure,
        caFile: options.caFile,
        timeoutMs: options.timeoutMs,
        credentials,
        fetch: options.fetch,
        onRequest: options.onRequest,
        maxConnections: options.maxConnections,
      });
      transports.set(registry, transport);
      options.onRegistry?.(registryQuirks(transport));
    }
    return transport;
  };
}

export function createImageOpener(options: ClientOptions = {}): ImageOpener {
  const transportFor = createTransportPool(options);
  const cacheDir =
    options.manifestCacheDir === undefined ? defaultManifestCacheDir(options.env) : options.manifestCacheDir;
  const manifestCache = cacheDir === undefined || cacheDir === '' ? undefined : diskManifestCache(cacheDir);
  const capabilities =
    cacheDir === undefined || cacheDir === ''
      ? undefined
      : new ReferrersCapabilityCache({ file: join(cacheDir, 'referrers-capabilities.json') });
  // A malformed credential file fails the first registry image opened (not OCI layouts), once.
  let credentialFilesChecked: Promise<void> | undefined;
  const explicitCredentialsGiven = options.username !== undefined && options.password !== undefined;
  return async (input, openOptions = {}) => {
    const reference = typeof input === 'string' ? parseReference(input) : input;
    const target = reference.digest ?? reference.tag ?? 'latest';
    const display = typeof input === 'string' ? input : familiarReference(reference);
    if (reference.kind === 'oci-layout') {
      const env = options.env ?? process.env;
      // Loaded here, not at the top: a registry image never needs the layout backend, and its module
      // graph (node:fs/promises, which loads readline's interface, and the file lock) costs ~5 M
      // instructions per process (callgrind) in get, list and put of a registry image.
      const { openLayout } = await import('../content/layout/oci-layout-repository.ts');
      const repository = await openLayout(reference.path, {
        create: openOptions.createLayout === true,
        // Referrers stay out of index.json unless asked (docs/format.md, "OCI image layouts").
        referrers: setting(env, 'MANIFESTO_LAYOUT_REFERRERS') ?? 'unlisted',
      });
      // `oci:DIR` without a tag: the `latest` tag if the layout has one, else its only image.
      const chosen =
        typeof input === 'string' && openOptions.keepDefaultTag !== true && !namesTagOrDigest(input)
          ? await repository.defaultTarget()
          : target;
      return { reference, repository, target: chosen, display };
    }
    if (!explicitCredentialsGiven) {
      credentialFilesChecked ??= checkCredentialFiles({
        configDir: options.dockerConfigDir,
        env: options.env ?? process.env,
      });
      await credentialFilesChecked;
    }
    const repository = new RegistryRepository({
      transport: transportFor(reference.registry),
      repository: reference.repository,
      options: {
        manifestCache,
        capabilities,
        warn: options.warn,
        tagSchema: {
          ...(options.tagSchemaSettleMs === undefined ? {} : { settleMs: options.tagSchemaSettleMs }),
          ...(options.tagSchemaClock === undefined ? {} : { clock: options.tagSchemaClock }),
        },
      },
    });
    return { reference, repository, target, display };
  };
}

/** The OCI layout an opened image lives in, or undefined for a registry (`manifesto images`). */
export function openedLayout(opened: OpenedImage): OciLayoutRepository | undefined {
  // Only an `oci:` reference opens a layout (createImageOpener), and it always does.
  return opened.reference.kind === 'oci-layout' ? (opened.repository as OciLayoutRepository) : undefined;
}
