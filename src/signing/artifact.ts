/**
 * A signature as stored in a registry: an OCI image manifest (a referrer, with `subject`) plus the
 * blobs it references. Both formats produce one; pushing it is the same: blobs first, then the
 * manifest, whose subject makes it a referrer (the Repository maintains the tag schema if needed).
 */
import type { Repository } from '../content/repository.ts';
import type { Descriptor, ImageManifest } from '../oci/descriptor.ts';
import { digestOf } from '../oci/digest.ts';
import { OCI_MANIFEST } from '../oci/media-types.ts';
import { jsonBytes } from './encoding.ts';

export interface SignatureBlob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface SignatureArtifact {
  /** The referrer manifest's bytes, as they are pushed. */
  manifest: Uint8Array;
  /** mediaType, digest, size, artifactType and annotations of the manifest (a referrers listing entry). */
  manifestDescriptor: Descriptor;
  /** The blobs the manifest references (config and layer), to push before it. */
  blobs: readonly SignatureBlob[];
  /** Digest of the config blob: shared by every signature of its format, unlike the signed layer. */
  configDigest: string;
}

export function blobOf(mediaType: string, bytes: Uint8Array): SignatureBlob {
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.byteLength }, bytes };
}

/** Serialises a referrer manifest and describes it as a referrers listing would. */
export function artifactOf(manifest: ImageManifest, blobs: readonly SignatureBlob[]): SignatureArtifact {
  const bytes = jsonBytes(manifest);
  const manifestDescriptor: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: digestOf(bytes),
    size: bytes.byteLength,
  };
  const artifactType = manifest.artifactType ?? manifest.config.mediaType;
  manifestDescriptor.artifactType = artifactType;
  if (manifest.annotations) manifestDescriptor.annotations = { ...manifest.annotations };
  return { manifest: bytes, manifestDescriptor, blobs, configDigest: manifest.config.digest };
}

/**
 * Pushes the blobs, then the manifest; returns the manifest's descriptor as the repository reports it.
 * Only the config is asked for first: the layer holds a new signature, so asking would cost a request
 * that answers "absent".
 */
export async function pushSignatureArtifact(
  repository: Repository,
  artifact: SignatureArtifact,
): Promise<Descriptor> {
  for (const blob of artifact.blobs) {
    await repository.pushBlob(blob.descriptor, blob.bytes, {
      existenceCheck: blob.descriptor.digest === artifact.configDigest,
    });
  }
  const pushed = await repository.pushManifest(artifact.manifest, { mediaType: OCI_MANIFEST });
  return { ...artifact.manifestDescriptor, ...pushed };
}

/** A descriptor reduced to what names content: mediaType, digest, size. */
export function plainDescriptor(descriptor: Descriptor): Descriptor {
  return { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
}
