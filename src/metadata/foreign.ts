/**
 * Other tools' attestations read as manifesto kinds (docs/kinds.md, "Other tools' metadata").
 *
 * cosign (`cosign attest --type spdxjson|cyclonedx|slsaprovenance1|vuln|openvex`) stores a Sigstore
 * bundle referrer whose manifest names the statement's predicate type in the annotation
 * `dev.sigstore.bundle.predicateType`; buildx stores in-toto statements as layers of an attestation
 * manifest, each annotated `in-toto.io/predicate-type`. The predicate type says which kind the
 * statement holds, without reading it: an SPDX or CycloneDX predicate is an `sbom`, SLSA provenance is
 * `provenance`, cosign's vuln record is `vuln`, OpenVEX is `vex`. `cosign sign` also writes a bundle
 * (predicate `https://sigstore.dev/cosign/sign/v1`): that is a signature of the image, not metadata.
 *
 * Such versions are listed, read and checked like manifesto's own ones of the same type, ordered by
 * the same rule (docs/format.md, "Latest"), but never written, pruned or deleted by manifesto.
 */

/** The annotation cosign puts on a bundle manifest (and so on its listing entry). */
export const COSIGN_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
/** The annotation buildkit puts on each in-toto layer of an attestation manifest. */
export const IN_TOTO_PREDICATE_TYPE_ANNOTATION = 'in-toto.io/predicate-type';

/** The predicate of `cosign sign`'s bundle: a signature of the image itself. */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

export type ForeignTool = 'cosign' | 'buildx';

/** How the statement is stored: in a Sigstore bundle, a bare DSSE envelope, or a plain statement. */
export type ForeignForm = 'sigstore-bundle' | 'dsse-envelope' | 'in-toto-statement';

export interface ForeignSource {
  tool: ForeignTool;
  form: ForeignForm;
  predicateType: string;
  /** Digest of the image the attestation is stored for (what its statement must be about). */
  subject: string;
}

export interface PredicateKind {
  type: string;
  label: string;
  /**
   * What `get` prints: the predicate (a document of its own: an SPDX or CycloneDX SBOM, an OpenVEX
   * document) or the whole in-toto statement (SLSA provenance and cosign's vuln record are read with
   * their statement, which names the subject).
   */
  output: 'predicate' | 'statement';
}

/** Predicate type URIs appear with and without a trailing version or slash. */
function stripped(uri: string): string {
  return uri.replace(/^https?:\/\//, '').replace(/\/+$/, '');
}

const PREDICATE_KINDS: ReadonlyArray<{ match: (uri: string) => boolean; kind: PredicateKind }> = [
  {
    match: (u) => /^spdx\.dev\/Document(\/v?[0-9.]+)?$/.test(u),
    kind: { type: 'sbom', label: 'SPDX SBOM', output: 'predicate' },
  },
  {
    match: (u) => /^cyclonedx\.org\/(bom|schema)(\/v?[0-9.]+)?$/.test(u),
    kind: { type: 'sbom', label: 'CycloneDX SBOM', output: 'predicate' },
  },
  {
    match: (u) => /^slsa\.dev\/provenance\/v(0\.[12]|1(\.[0-9]+)?)$/.test(u),
    kind: { type: 'provenance', label: 'SLSA provenance', output: 'statement' },
  },
  {
    match: (u) => u === 'cosign.sigstore.dev/attestation/vuln/v1',
    kind: { type: 'vuln', label: 'cosign vuln record', output: 'statement' },
  },
  {
    match: (u) => /^openvex\.dev\/ns(\/v[0-9.]+)?$/.test(u),
    kind: { type: 'vex', label: 'OpenVEX document', output: 'predicate' },
  },
];

/** The kind a predicate type names, or undefined for predicates manifesto has no kind for. */
export function kindOfPredicate(predicateType: string): PredicateKind | undefined {
  const uri = stripped(predicateType);
  return PREDICATE_KINDS.find((p) => p.match(uri))?.kind;
}

export function isImageSignaturePredicate(predicateType: string): boolean {
  return stripped(predicateType) === stripped(COSIGN_SIGN_PREDICATE_TYPE);
}

/** How a tool's attestation is labelled in listings: e.g. "SPDX SBOM (cosign attestation)". */
export function foreignLabel(kind: PredicateKind, tool: ForeignTool): string {
  return `${kind.label} (${tool} attestation)`;
}
