/** Metadata type names: validation and the mapping to OCI artifact types (docs/format.md). */
import { usageError } from '../errors/errors.ts';
import { suggestTypeName } from '../kinds/type-suggestion.ts';

/** Lower-case letter first; then lower-case letters, digits, `.`, `_`, `-`; at most 64 characters. */
const TYPE_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

export function isValidTypeName(name: string): boolean {
  return TYPE_NAME_PATTERN.test(name) && !/[._-]{2}/.test(name) && !/[._-]$/.test(name);
}

export function validateTypeName(name: string): string {
  if (!isValidTypeName(name)) {
    throw usageError(
      'TYPE_NAME_INVALID',
      `invalid metadata type "${name}"`,
      'A type starts with a lower-case letter, then up to 63 lower-case letters, digits, ".", "_" or "-" ' +
        '(no two separators in a row, none at the end), e.g. seccomp, vuln, qa-approval.',
    );
  }
  return name;
}

/**
 * A type name that is probably a typo of a well-known one (`secomp` for `seccomp`): with `strict`
 * (`--strict-types`, MANIFESTO_STRICT_TYPES=1) a TYPE_NAME_TYPO usage error, else the warning to
 * print (undefined when the name is fine). Stored under the typo the content would be a free-form
 * type: not validated, and not found by policy rules.
 */
export function checkTypeNameSpelling(name: string, strict: boolean): string | undefined {
  const suggestion = suggestTypeName(name);
  if (suggestion === undefined) return undefined;
  const message = `"${name}" is not a well-known type; did you mean "${suggestion}"?`;
  if (strict)
    throw usageError(
      'TYPE_NAME_TYPO',
      message,
      `Use "${suggestion}" (its content is validated), or store "${name}" as a free-form type without --strict-types (MANIFESTO_STRICT_TYPES=0).`,
    );
  return `${message} "${name}" is stored as a free-form type, not validated (--strict-types refuses it)`;
}

/** The artifactType manifesto writes for a type whose content has no standard media type. */
export function defaultArtifactType(typeName: string): string {
  return `application/vnd.manifesto.${typeName}.v1`;
}

const MANIFESTO_ARTIFACT_TYPE = /^application\/vnd\.manifesto\.([a-z][a-z0-9._-]*)\.v1$/;

/**
 * Content media types that are standard artifact types of their own: when the content has one of
 * these, the version's artifactType is that media type, so oras, cosign and other tools recognise it.
 */
const STANDARD_ARTIFACT_MEDIA_TYPES: readonly string[] = [
  'application/spdx+json',
  'application/vnd.cyclonedx+json',
  'application/vnd.in-toto+json',
  'application/sarif+json',
  'application/vnd.openvex+json',
];

/** artifactType for a version of `typeName` whose content has media type `contentMediaType`. */
export function artifactTypeFor(typeName: string, contentMediaType: string): string {
  return STANDARD_ARTIFACT_MEDIA_TYPES.includes(contentMediaType)
    ? contentMediaType
    : defaultArtifactType(typeName);
}

/** Known artifact types written by other tools, with the type name manifesto lists them under. */
const KNOWN_ARTIFACT_TYPES: ReadonlyArray<{
  match: (artifactType: string) => boolean;
  type: string;
  label: string;
}> = [
  { match: (t) => t === 'application/spdx+json' || t === 'text/spdx', type: 'sbom', label: 'SPDX SBOM' },
  {
    match: (t) => t === 'application/vnd.cyclonedx+json' || t === 'application/vnd.cyclonedx+xml',
    type: 'sbom',
    label: 'CycloneDX SBOM',
  },
  { match: (t) => t === 'application/sarif+json', type: 'vuln', label: 'SARIF report' },
  { match: (t) => t === 'application/vnd.openvex+json', type: 'vex', label: 'OpenVEX document' },
  { match: (t) => t === 'application/vnd.in-toto+json', type: 'attestation', label: 'in-toto attestation' },
  {
    match: (t) => t.startsWith('application/vnd.dev.sigstore.bundle'),
    type: 'sigstore-bundle',
    label: 'Sigstore bundle (cosign)',
  },
  {
    match: (t) => t === 'application/vnd.dev.cosign.simplesigning.v1+json',
    type: 'cosign-signature',
    label: 'cosign signature',
  },
  {
    match: (t) => t === 'application/vnd.cncf.notary.signature',
    type: 'notation-signature',
    label: 'Notary Project signature (notation)',
  },
  {
    match: (t) => t === 'application/vnd.dsse.envelope.v1+json',
    type: 'attestation',
    label: 'DSSE attestation',
  },
  { match: (t) => t === 'application/vnd.oci.empty.v1+json', type: 'artifact', label: 'OCI artifact' },
];

export interface ArtifactTypeInfo {
  /** The type name it is listed and fetched under. */
  type: string;
  /** A friendly description for listings. */
  label: string;
}

/** The type name and label for a referrer that carries no manifesto type annotation. */
export function describeArtifactType(artifactType: string | undefined): ArtifactTypeInfo {
  if (artifactType === undefined || artifactType === '') return { type: 'artifact', label: 'OCI artifact' };
  const ours = MANIFESTO_ARTIFACT_TYPE.exec(artifactType);
  if (ours) return { type: ours[1]!, label: ours[1]! };
  const known = KNOWN_ARTIFACT_TYPES.find((k) => k.match(artifactType));
  if (known) return { type: known.type, label: known.label };
  return { type: artifactType, label: artifactType };
}
