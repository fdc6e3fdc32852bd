/**
 * The document inside another tool's attestation, as `get` prints it (docs/kinds.md, "Other tools'
 * metadata"): the in-toto statement is taken out of its Sigstore bundle (cosign) or DSSE envelope,
 * then the predicate is printed when it is a document of its own (an SPDX or CycloneDX SBOM, an
 * OpenVEX document: what scanners read), else the whole statement (SLSA provenance, cosign's vuln
 * record). A cosign SPDX attestation of 7 KB prints its 2 KB SPDX document. The signature is not
 * checked here: `get --verify` does that (src/policy).
 */
import type { RepositoryReader } from '../content/repository.ts';
import { integrityError } from '../errors/errors.ts';
import type { Descriptor } from '../oci/descriptor.ts';
import { digestOf } from '../oci/digest.ts';
import { isRecord } from '../util/json-record.ts';
import { kindOfPredicate } from './foreign.ts';
import { contentDescriptor } from './get.ts';
import type { MetadataVersion } from './version.ts';

/** Attestations are small (buildkit's SPDX of a large image: a few MiB); refuse more than this. */
export const MAX_ATTESTATION_BYTES = 64 * 1024 * 1024;

export interface ForeignDocument {
  /** The document's own descriptor (digest and size of the bytes printed). */
  descriptor: Descriptor;
  bytes: Uint8Array;
}

const OUTPUT_MEDIA_TYPES: Readonly<Record<string, string>> = {
  'SPDX SBOM': 'application/spdx+json',
  'CycloneDX SBOM': 'application/vnd.cyclonedx+json',
  'OpenVEX document': 'application/vnd.openvex+json',
};

/** The statement bytes: a bundle's or envelope's decoded payload, or the content itself. */
export function statementBytes(content: Uint8Array, version: string): Uint8Array {
  const malformed = (why: string) =>
    integrityError('ATTESTATION_MALFORMED', `attestation ${version} ${why}`, undefined);
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch {
    throw malformed('is not JSON');
  }
  if (!isRecord(document)) throw malformed('is not a JSON object');
  const envelope = isRecord(document.dsseEnvelope) ? document.dsseEnvelope : document;
  if (typeof envelope.payload === 'string' && typeof envelope.payloadType === 'string') {
    return new Uint8Array(Buffer.from(envelope.payload, 'base64'));
  }
  if (typeof document._type === 'string') return content;
  throw malformed('holds neither an in-toto statement nor a DSSE envelope');
}

/** The document `get` prints for a version another tool attached. */
export function foreignDocument(content: Uint8Array, version: MetadataVersion): ForeignDocument {
  const statement = statementBytes(content, version.digest);
  const kind = kindOfPredicate(version.foreign?.predicateType ?? '');
  let bytes = statement;
  let mediaType = 'application/vnd.in-toto+json';
  if (kind?.output === 'predicate') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(statement));
    } catch {
      throw integrityError('ATTESTATION_MALFORMED', `attestation ${version.digest} holds no JSON statement`);
    }
    if (!isRecord(parsed) || !isRecord(parsed.predicate)) {
      throw integrityError('ATTESTATION_MALFORMED', `attestation ${version.digest} has no predicate`);
    }
    bytes = new TextEncoder().encode(`${JSON.stringify(parsed.predicate, null, 2)}\n`);
    mediaType = OUTPUT_MEDIA_TYPES[kind.label] ?? 'application/json';
  }
  return { descriptor: { mediaType, digest: digestOf(bytes), size: bytes.byteLength }, bytes };
}

/**
 * The blob holding the attestation: a cosign bundle's layer, from its manifest (get.ts pins it); a
 * buildx or legacy `.att` layer is the version itself (read from the manifest fetched by digest).
 */
export async function attestationLayer(
  repository: RepositoryReader,
  version: MetadataVersion,
): Promise<Descriptor> {
  if (version.foreign?.form !== 'sigstore-bundle' && version.content !== undefined) {
    const { digest, size, mediaType } = version.content;
    return { mediaType, digest, size };
  }
  return contentDescriptor(repository, version);
}

/** Fetches the attestation (bundle, envelope or statement) and takes its document out. */
export async function readForeignDocument(
  repository: RepositoryReader,
  version: MetadataVersion,
): Promise<ForeignDocument> {
  const layer = await attestationLayer(repository, version);
  const content = await repository.fetchBlobBytes(layer, MAX_ATTESTATION_BYTES);
  return foreignDocument(content, version);
}
