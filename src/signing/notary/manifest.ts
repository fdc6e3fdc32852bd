/**
 * The Notary Project signature manifest (specs/signature-specification.md "Storage"): an OCI image
 * manifest whose config has media type `application/vnd.cncf.notary.signature` (content `{}`), with
 * one `application/jose+json` layer (the envelope), `subject` the signed manifest, and the
 * `io.cncf.notary.x509chain.thumbprint#S256` annotation. manifesto also sets `artifactType` to the
 * same value (OCI 1.1), which notation ignores, and `org.opencontainers.image.created` as notation does.
 */
import { ANNOTATION_CREATED, type Descriptor, type ImageManifest } from '../../oci/descriptor.ts';
import { EMPTY_JSON_BYTES, OCI_MANIFEST } from '../../oci/media-types.ts';
import { isRecord } from '../../util/json-record.ts';
import { artifactOf, blobOf, plainDescriptor, type SignatureArtifact } from '../artifact.ts';
import { formatSeconds, parseJson } from '../encoding.ts';
import { verificationFailure } from '../errors.ts';
import {
  JWS_ENVELOPE_MEDIA_TYPE,
  NOTARY_SIGNATURE_ARTIFACT_TYPE,
  THUMBPRINT_ANNOTATION,
} from './constants.ts';

export interface NotaryManifestInput {
  /** The signed artifact (only mediaType, digest and size are used). */
  subject: Descriptor;
  envelope: Uint8Array;
  /** SHA-256 thumbprints of the certificate chain, leaf first. */
  thumbprints: readonly string[];
  created: Date;
}

export function buildNotarySignatureArtifact(input: NotaryManifestInput): SignatureArtifact {
  const config = blobOf(NOTARY_SIGNATURE_ARTIFACT_TYPE, EMPTY_JSON_BYTES);
  const layer = blobOf(JWS_ENVELOPE_MEDIA_TYPE, input.envelope);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: NOTARY_SIGNATURE_ARTIFACT_TYPE,
    config: config.descriptor,
    layers: [layer.descriptor],
    subject: plainDescriptor(input.subject),
    annotations: {
      [THUMBPRINT_ANNOTATION]: JSON.stringify(input.thumbprints),
      [ANNOTATION_CREATED]: formatSeconds(input.created),
    },
  };
  return artifactOf(manifest, [config, layer]);
}

export interface NotarySignatureManifest {
  /** The signed artifact the manifest refers to. */
  subject: Descriptor;
  /** The envelope layer. */
  envelope: Descriptor;
  /** The thumbprints annotation (empty when absent or unreadable). */
  thumbprints: string[];
}

function descriptorOf(value: unknown): Descriptor | undefined {
  if (!isRecord(value)) return undefined;
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || typeof digest !== 'string' || typeof size !== 'number')
    return undefined;
  return { mediaType, digest, size };
}

/** Reads a Notary Project signature manifest; throws SIGNATURE_MALFORMED when it is not one. */
export function parseNotarySignatureManifest(bytes: Uint8Array): NotarySignatureManifest {
  const manifest = parseJson(bytes);
  const malformed = (why: string) =>
    verificationFailure('SIGNATURE_MALFORMED', `not a Notary Project signature manifest: ${why}`);
  if (!isRecord(manifest)) throw malformed('not a JSON object');
  const config = isRecord(manifest.config) ? manifest.config : {};
  const type = typeof manifest.artifactType === 'string' ? manifest.artifactType : config.mediaType;
  if (type !== NOTARY_SIGNATURE_ARTIFACT_TYPE) throw malformed(`its type is ${String(type)}`);
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  if (layers.length !== 1) throw malformed(`it has ${layers.length} layers, not exactly one`);
  const envelope = descriptorOf(layers[0]);
  if (!envelope) throw malformed('its layer descriptor is incomplete');
  if (envelope.mediaType !== JWS_ENVELOPE_MEDIA_TYPE) {
    throw verificationFailure(
      'SIGNATURE_UNSUPPORTED',
      `Notary Project signature envelope of media type ${envelope.mediaType} (manifesto reads ${JWS_ENVELOPE_MEDIA_TYPE} only)`,
      'COSE signatures (notation sign --signature-format cose) are not supported yet; sign with JWS.',
    );
  }
  const subject = descriptorOf(manifest.subject);
  if (!subject) throw malformed('it has no subject');
  let thumbprints: string[] = [];
  const annotation = isRecord(manifest.annotations) ? manifest.annotations[THUMBPRINT_ANNOTATION] : undefined;
  if (typeof annotation === 'string') {
    try {
      const parsed: unknown = JSON.parse(annotation);
      if (Array.isArray(parsed)) thumbprints = parsed.filter((t): t is string => typeof t === 'string');
    } catch {
      thumbprints = [];
    }
  }
  return { subject, envelope, thumbprints };
}
