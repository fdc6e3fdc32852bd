/**
 * Finding signatures stored as referrers: Notary Project signature manifests (artifactType or config
 * media type `application/vnd.cncf.notary.signature`) and Sigstore bundles (artifactType
 * `application/vnd.dev.sigstore.bundle.v0.3+json`), with their envelope or bundle fetched and
 * verified against its digest. Whatever wrote them: manifesto, notation or cosign.
 */
import type { RepositoryReader } from '../content/repository.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { isRecord } from '../util/json-record.ts';
import { parseJson } from './encoding.ts';
import { verificationFailure } from './errors.ts';
import { NOTARY_SIGNATURE_ARTIFACT_TYPE } from './notary/constants.ts';
import { parseNotarySignatureManifest } from './notary/manifest.ts';
import { SIGSTORE_BUNDLE_MEDIA_TYPE } from './sigstore/constants.ts';

export type SignatureFormat = 'notary' | 'sigstore-bundle';

export interface StoredSignature {
  format: SignatureFormat;
  /** The referrer manifest, as listed. */
  manifestDescriptor: Descriptor;
  /** The manifest's subject. */
  subject: Descriptor;
  /** The layer holding the envelope or bundle. */
  layer: Descriptor;
  /** The JWS envelope (notary) or the bundle JSON (sigstore-bundle). */
  content: Uint8Array;
}

export interface FetchSignaturesOptions {
  /** Only this format. */
  format?: SignatureFormat | undefined;
  /** Read at most this many signatures (default 64), newest listing entries last. */
  limit?: number | undefined;
  /** Refuse envelopes and bundles larger than this (default 4 MiB). */
  maxBytes?: number | undefined;
}

export const FORMAT_OF: Readonly<Record<string, SignatureFormat>> = {
  [NOTARY_SIGNATURE_ARTIFACT_TYPE]: 'notary',
  [SIGSTORE_BUNDLE_MEDIA_TYPE]: 'sigstore-bundle',
};

export function bundleLayer(bytes: Uint8Array): { subject: Descriptor; layer: Descriptor } {
  const manifest = parseJson(bytes);
  const malformed = (why: string) =>
    verificationFailure('SIGNATURE_MALFORMED', `not a Sigstore bundle manifest: ${why}`);
  if (!isRecord(manifest)) throw malformed('not a JSON object');
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  const layer = layers.find((l) => isRecord(l) && l.mediaType === SIGSTORE_BUNDLE_MEDIA_TYPE);
  const subject = manifest.subject;
  if (!isRecord(layer) || typeof layer.digest !== 'string' || typeof layer.size !== 'number') {
    throw malformed(`no ${SIGSTORE_BUNDLE_MEDIA_TYPE} layer`);
  }
  if (!isRecord(subject) || typeof subject.digest !== 'string') throw malformed('no subject');
  return {
    subject: {
      mediaType: String(subject.mediaType ?? ''),
      digest: subject.digest,
      size: Number(subject.size ?? 0),
    },
    layer: { mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE, digest: layer.digest, size: layer.size },
  };
}

/** The signatures of `subjectDigest` in `repository`, in listing order. */
export async function fetchSignatures(
  repository: RepositoryReader,
  subjectDigest: string,
  options: FetchSignaturesOptions = {},
): Promise<StoredSignature[]> {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  const { manifests } = await repository.referrers(subjectDigest);
  const candidates = manifests
    .map((descriptor) => ({ descriptor, format: FORMAT_OF[descriptor.artifactType ?? ''] }))
    .filter((c): c is { descriptor: Descriptor; format: SignatureFormat } => c.format !== undefined)
    .filter((c) => options.format === undefined || c.format === options.format)
    .slice(0, options.limit ?? 64);
  const signatures: StoredSignature[] = [];
  for (const { descriptor, format } of candidates) {
    const { bytes } = await repository.fetchManifest(descriptor.digest);
    const { subject, layer } =
      format === 'notary'
        ? (() => {
            const parsed = parseNotarySignatureManifest(bytes);
            return { subject: parsed.subject, layer: parsed.envelope };
          })()
        : bundleLayer(bytes);
    if (layer.size > maxBytes) {
      throw verificationFailure(
        'SIGNATURE_MALFORMED',
        `signature layer ${layer.digest} has ${layer.size} bytes, more than the ${maxBytes} allowed`,
      );
    }
    const content = await repository.fetchBlobBytes(layer, maxBytes);
    signatures.push({ format, manifestDescriptor: descriptor, subject, layer, content });
  }
  return signatures;
}
