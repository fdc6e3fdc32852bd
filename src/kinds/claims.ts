/**
 * What content says about the image it describes, so that `put` can notice content stored for the
 * wrong image: a Trivy report of the amd64 image put for linux/arm64, provenance about another build.
 *
 * - any in-toto statement (provenance, cosign attestations, VEX and SBOMs in statements; bare or in
 *   a DSSE envelope / sigstore bundle): the subjects' digests;
 * - Trivy JSON: `Metadata.RepoDigests` (and a digest in `ArtifactName`); the platform in
 *   `Metadata.ImageConfig` (`os`, `architecture`, `variant`);
 * - Trivy SARIF: the run's `properties.repoDigests`;
 * - Grype JSON: `source.target.manifestDigest` and `repoDigests`; the platform in
 *   `source.target.os` / `architecture` (and `source.platform` if given).
 * Nothing else claims anything (other kinds are not about one image digest). A pure function of the
 * bytes; it parses JSON once more after validation (a 16 MiB report: about 60 ms).
 */
import { isRecord } from '../util/json-record.ts';
import { isStatement } from './in-toto.ts';

export interface ContentClaims {
  /** Image (manifest) digests the content names, `sha256:...`. */
  digests: string[];
  /** Where the digests were read, e.g. 'Metadata.RepoDigests'. */
  digestSource: string;
  /** The platform the content names, `os/architecture[/variant]`, or undefined. */
  platform?: { os: string; architecture: string; variant?: string | undefined } | undefined;
  platformSource?: string | undefined;
}

const DIGEST = /sha256:[0-9a-f]{64}/;

function digestIn(value: unknown): string | undefined {
  return typeof value === 'string' ? DIGEST.exec(value)?.[0] : undefined;
}

function digestsIn(values: unknown): string[] {
  return Array.isArray(values) ? values.map(digestIn).filter((d) => d !== undefined) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function unwrap(document: unknown): unknown {
  if (!isRecord(document)) return document;
  const envelope = isRecord(document.dsseEnvelope) ? document.dsseEnvelope : document;
  if (typeof envelope.payload !== 'string' || typeof envelope.payloadType !== 'string') return document;
  try {
    return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  } catch {
    return document;
  }
}

/** The claims of a JSON document (undefined when it claims nothing). */
export function claimsOf(document: unknown): ContentClaims | undefined {
  const value = unwrap(document);
  if (!isRecord(value)) return undefined;
  if (isStatement(value) && Array.isArray(value.subject)) {
    const digests = value.subject.flatMap((subject) =>
      isRecord(subject) && isRecord(subject.digest) && typeof subject.digest.sha256 === 'string'
        ? [`sha256:${subject.digest.sha256}`]
        : [],
    );
    return digests.length === 0 ? undefined : { digests, digestSource: 'the in-toto subject' };
  }
  // Trivy JSON.
  if (typeof value.SchemaVersion === 'number' && isRecord(value.Metadata)) {
    const meta = value.Metadata;
    const digests = [...new Set([...digestsIn(meta.RepoDigests), ...digestsIn([value.ArtifactName])])];
    const config = isRecord(meta.ImageConfig) ? meta.ImageConfig : {};
    const os = text(config.os);
    const architecture = text(config.architecture);
    return {
      digests,
      digestSource: 'Metadata.RepoDigests',
      ...(os !== undefined && architecture !== undefined
        ? {
            platform: { os, architecture, variant: text(config.variant) },
            platformSource: 'Metadata.ImageConfig',
          }
        : {}),
    };
  }
  // Trivy SARIF.
  if (Array.isArray(value.runs)) {
    const digests = value.runs.flatMap((run) =>
      isRecord(run) && isRecord(run.properties) ? digestsIn(run.properties.repoDigests) : [],
    );
    return digests.length === 0 ? undefined : { digests, digestSource: 'runs[].properties.repoDigests' };
  }
  // Grype JSON.
  if (Array.isArray(value.matches) && isRecord(value.source) && isRecord(value.source.target)) {
    const target = value.source.target;
    const digests = [...new Set([...digestsIn([target.manifestDigest]), ...digestsIn(target.repoDigests)])];
    const os = text(target.os);
    const architecture = text(target.architecture);
    return {
      digests,
      digestSource: 'source.target',
      ...(os !== undefined && architecture !== undefined
        ? { platform: { os, architecture, variant: text(target.variant) }, platformSource: 'source.target' }
        : {}),
    };
  }
  return undefined;
}
