// Test content: empty config, image manifests, referrer artifacts.
import type { Repository } from '../../../src/content/repository.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import {
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  OCI_EMPTY,
  OCI_MANIFEST,
} from '../../../src/oci/media-types.ts';

export const EMPTY_DESCRIPTOR: Descriptor = { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 };

export function bytesOf(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function descriptorOf(bytes: Uint8Array, mediaType: string): Descriptor {
  return { mediaType, digest: digestOf(bytes), size: bytes.byteLength };
}

/** An image-like manifest (empty config, one small layer) distinguished by `label`. */
export async function pushSubject(
  repository: Repository,
  label: string,
  tag?: string,
): Promise<{ descriptor: Descriptor; bytes: Uint8Array }> {
  await repository.pushBlob(EMPTY_DESCRIPTOR, EMPTY_JSON_BYTES);
  const layer = new TextEncoder().encode(`layer ${label}`);
  const layerDescriptor = descriptorOf(layer, 'application/vnd.oci.image.layer.v1.tar');
  await repository.pushBlob(layerDescriptor, layer);
  const bytes = bytesOf({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: EMPTY_DESCRIPTOR,
    layers: [layerDescriptor],
    annotations: { 'test.label': label },
  });
  const descriptor = await repository.pushManifest(bytes, { mediaType: OCI_MANIFEST, tag });
  return { descriptor, bytes };
}

/** The bytes of an OCI 1.1 artifact manifest referring to `subject`. */
export function referrerManifest(
  subject: Descriptor,
  artifactType: string,
  label: string,
  layers: Descriptor[] = [EMPTY_DESCRIPTOR],
): Uint8Array {
  return bytesOf({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations: { 'test.label': label },
  });
}
