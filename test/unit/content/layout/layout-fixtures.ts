// Helpers for the OCI image layout tests: temporary directories and small manifests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Repository } from '../../../../src/content/repository.ts';
import type { Descriptor } from '../../../../src/oci/descriptor.ts';
import { digestOf } from '../../../../src/oci/digest.ts';
import {
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  OCI_EMPTY,
  OCI_MANIFEST,
} from '../../../../src/oci/media-types.ts';

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** A fresh temporary directory removed when the test ends. */
export async function tempDir(t: TestContext, prefix = 'manifesto-layout-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const EMPTY_DESCRIPTOR: Descriptor = { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 };

export interface ManifestParts {
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image manifest's bytes (with mediaType field). */
export function imageManifest(parts: ManifestParts = {}): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      ...(parts.artifactType === undefined ? {} : { artifactType: parts.artifactType }),
      config: parts.config ?? EMPTY_DESCRIPTOR,
      layers: parts.layers ?? [EMPTY_DESCRIPTOR],
      ...(parts.subject === undefined ? {} : { subject: parts.subject }),
      ...(parts.annotations === undefined ? {} : { annotations: parts.annotations }),
    }),
  );
}

export function descriptorOf(bytes: Uint8Array, mediaType = OCI_MANIFEST): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
}

/** Pushes the empty config blob and a manifest; returns the manifest's descriptor. */
export async function pushImage(
  repo: Repository,
  parts: ManifestParts = {},
  tag?: string,
): Promise<Descriptor> {
  await repo.pushBlob(EMPTY_DESCRIPTOR, EMPTY_JSON_BYTES);
  return repo.pushManifest(imageManifest(parts), { mediaType: OCI_MANIFEST, tag });
}
