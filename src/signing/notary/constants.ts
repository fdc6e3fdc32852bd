/** Names of the Notary Project signature format (notaryproject specifications, JWS envelope). */

/** artifactType of signature manifests, and their config media type (what notation writes). */
export const NOTARY_SIGNATURE_ARTIFACT_TYPE = 'application/vnd.cncf.notary.signature';
/** Media type of the JWS envelope layer. */
export const JWS_ENVELOPE_MEDIA_TYPE = 'application/jose+json';
/** The `cty` of the payload. */
export const NOTARY_PAYLOAD_MEDIA_TYPE = 'application/vnd.cncf.notary.payload.v1+json';
/** Manifest annotation: JSON array of the SHA-256 thumbprints (lower-case hex) of the x5c chain. */
export const THUMBPRINT_ANNOTATION = 'io.cncf.notary.x509chain.thumbprint#S256';

export const SIGNING_SCHEME_X509 = 'notary.x509';
export const SIGNING_SCHEME_SIGNING_AUTHORITY = 'notary.x509.signingAuthority';

export const HEADER = {
  alg: 'alg',
  cty: 'cty',
  crit: 'crit',
  signingScheme: 'io.cncf.notary.signingScheme',
  signingTime: 'io.cncf.notary.signingTime',
  authenticSigningTime: 'io.cncf.notary.authenticSigningTime',
  expiry: 'io.cncf.notary.expiry',
  verificationPlugin: 'io.cncf.notary.verificationPlugin',
  verificationPluginMinVersion: 'io.cncf.notary.verificationPluginMinVersion',
  x5c: 'x5c',
  signingAgent: 'io.cncf.notary.signingAgent',
  timestampSignature: 'io.cncf.notary.timestampSignature',
} as const;

/** Protected headers that are critical whenever present (they must then be listed in `crit`). */
export const CRITICAL_WHEN_PRESENT: readonly string[] = [
  HEADER.signingScheme,
  HEADER.authenticSigningTime,
  HEADER.expiry,
  HEADER.verificationPlugin,
  HEADER.verificationPluginMinVersion,
];

/** The top-level members of a flattened JWS JSON envelope; the spec allows no others. */
export const ENVELOPE_MEMBERS: readonly string[] = ['payload', 'protected', 'header', 'signature'];
