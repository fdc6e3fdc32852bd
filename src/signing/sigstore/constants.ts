/** Names of the Sigstore bundle format, its OCI storage (cosign's BUNDLE_SPEC.md) and in-toto. */

/** Bundle media type: the referrer's artifactType and its layer's media type. */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** Manifest annotations cosign writes (and reads to tell bundles apart without fetching them). */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_TYPE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
export const BUNDLE_CONTENT_DSSE = 'dsse-envelope';

/** DSSE payloadType of in-toto statements. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** What cosign still writes; accepted when verifying. */
export const IN_TOTO_STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';

/** manifesto's predicate: a signed statement about one metadata version of an image. */
export const MANIFESTO_PREDICATE_TYPE = 'https://manifesto.dev/metadata/v1';
