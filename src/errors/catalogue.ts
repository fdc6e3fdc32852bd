/**
 * The catalogue of error codes: every code manifesto reports, with its category (hence its exit
 * code and HTTP status, categories.ts), what it means (the README's list is tested against these
 * lines) and, where one fits every use, a default hint: the hint of each throw that gives none, so
 * an error reaches the user with a hint even where the throw site has nothing to add.
 *
 * Why one table: codes are a public interface (`--json` errors, library callers switch on them, the
 * coming server's replies) and were bare strings in 50+ files, so a typo made a new code silently.
 * `ManifestoError` takes an `ErrorCode`, and its `category` option only a category the code allows,
 * so a misspelt code or a code in the wrong category fails to compile (after sigstore-js, where each
 * error class is bound to a union of codes).
 *
 * A code has one category, with three kinds of exceptions listed in `alsoAs`:
 * - codes named by the OCI distribution spec (`registry: true`), which a registry may send for a
 *   problem of the caller (`usage`) or of the data it holds (`integrity`);
 * - size limits: what the caller gives is a usage error, what storage sends back an integrity error;
 * - summaries of other failures (`PLATFORMS_FAILED`, `BULK_PARTIAL`, `LOGIN_FAILED`), which take the
 *   category of the one failure when every item failed the same way.
 *
 * Adding a code: add it here (alphabetical within its category), then run
 * `node scripts/error-codes.ts --write` to regenerate the README's list.
 */
import { ERROR_CATEGORIES, type ErrorCategory } from './categories.ts';

export interface ErrorSpec {
  /** The category of the code (its exit code); the default when a use does not name one. */
  readonly category: ErrorCategory;
  /** Other categories some uses give it (see the header). */
  readonly alsoAs?: readonly ErrorCategory[];
  /** What it means, one line for the README. */
  readonly summary: string;
  /** The hint when a use gives none. */
  readonly hint?: string;
  /** A code of the OCI distribution spec, passed on from a registry's error reply. */
  readonly registry?: true;
}

const BUG_HINT =
  'This is a bug in manifesto; please report it with the command you ran (rerun with --debug for details).';

/** Summaries of several failures: the category of the failure when all items failed alike. */
const ANY = ERROR_CATEGORIES;

export const ERROR_CATALOGUE = {
  // ---- usage (exit 2): the caller can fix the request ----
  ANNOTATION_INVALID: { category: 'usage', summary: 'an annotation is not key=value or its key is invalid' },
  ANNOTATION_RESERVED: { category: 'usage', summary: 'an annotation key that manifesto sets itself' },
  ARGS_CONFLICT: { category: 'usage', summary: 'options or arguments that cannot go together' },
  ARGS_OPTION_REQUIRED: { category: 'usage', summary: 'a required option is missing (e.g. prune --keep)' },
  ARGS_POSITIONALS: { category: 'usage', summary: 'too few or too many arguments (names the expected ones)' },
  ARGS_UNKNOWN_ACTION: {
    category: 'usage',
    summary: 'no such action of the command (key generate, index sync...)',
  },
  ARGS_UNKNOWN_OPTION: {
    category: 'usage',
    summary: 'an option the command does not take (hint: the nearest)',
  },
  ARGS_VALUE_MISSING: { category: 'usage', summary: 'an option that takes a value was given none' },
  ARGS_VALUE_UNEXPECTED: { category: 'usage', summary: 'a value given to an on/off option (--tree=yes)' },
  BAD_REQUEST: { category: 'usage', summary: 'the registry answered a 4xx that has no code of its own' },
  BLOB_CONTENT_MISMATCH: {
    category: 'usage',
    summary: 'the content to upload does not match its descriptor',
  },
  BLOB_TOO_LARGE: {
    category: 'usage',
    alsoAs: ['integrity'],
    summary: 'a blob over the size limit (integrity when a stored one is)',
  },
  BULK_EMPTY: {
    category: 'usage',
    summary: 'a --from file holds no items',
    hint: 'Give at least one item, one per line.',
  },
  BULK_FILE_UNREADABLE: {
    category: 'usage',
    summary: 'a --from file cannot be read',
    hint: 'Check the path and its permissions.',
  },
  BULK_LINE_INVALID: { category: 'usage', summary: 'a line of a --from file is malformed (named by number)' },
  CA_FILE_INVALID: { category: 'usage', summary: 'a CA file holds no PEM certificate' },
  CA_FILE_UNREADABLE: { category: 'usage', summary: 'a CA file cannot be read' },
  CA_INVALID: { category: 'usage', summary: 'a CA certificate given is not PEM' },
  CERTIFICATE_INVALID: {
    category: 'usage',
    summary: 'a certificate given is not a PEM or DER X.509 certificate',
    hint: 'Give a PEM or DER X.509 certificate.',
  },
  CERTIFICATE_REQUIRED: {
    category: 'usage',
    summary: 'Notary Project signing without the signing certificate',
  },
  CERTIFICATE_SUBJECT_INVALID: {
    category: 'usage',
    summary: 'key generate --subject is not a distinguished name with a CN',
  },
  CERTIFICATE_UNSUITABLE: {
    category: 'usage',
    summary: 'the signing certificate or its chain cannot sign code',
    hint: 'Use a valid code-signing certificate and its chain up to the root.',
  },
  COMMAND_UNKNOWN: { category: 'usage', summary: 'no such command' },
  CONTENT_EMPTY: { category: 'usage', summary: 'the metadata content is empty' },
  CONTENT_MISMATCH: {
    category: 'usage',
    summary: 'the content is about another image or platform (--strict-content)',
  },
  CONTENT_SOURCE_INVALID: {
    category: 'usage',
    summary: 'a library put without exactly one content source',
    hint: 'Give put exactly one of file, content or stream.',
  },
  CONTENT_TOO_LARGE: {
    category: 'usage',
    alsoAs: ['integrity'],
    summary: 'content over the size limit (integrity when a registry reply is)',
  },
  COPY_DIGEST_MISMATCH: {
    category: 'usage',
    summary: 'copy DST names a digest other than the image copied',
    hint: 'Leave the digest out of DST, or give it a tag.',
  },
  CREDENTIALS_INCOMPLETE: { category: 'usage', summary: 'a user name without a password, or the reverse' },
  CREDENTIALS_MISSING: { category: 'usage', summary: 'login without --username and --password-stdin' },
  CREDENTIALS_NOT_SAVED: { category: 'usage', summary: 'the credentials cannot be written' },
  CREDENTIAL_HELPER_INVALID: {
    category: 'usage',
    summary: 'the Docker config names an invalid credential helper',
  },
  DESCRIPTOR_INVALID: {
    category: 'usage',
    summary: 'a descriptor lacks its media type or has an invalid size',
  },
  DIGEST_INVALID: {
    category: 'usage',
    alsoAs: ['integrity'],
    registry: true,
    summary: 'a malformed digest (integrity when the registry says so of content)',
  },
  DIGEST_REQUIRED: {
    category: 'usage',
    summary: 'delete --orphan given a tag, not the referrer by digest',
    hint: 'Find the orphans and their digests with "manifesto list REPO --orphans".',
  },
  DOCKER_CONFIG_INVALID: { category: 'usage', summary: 'config.json or auth.json is malformed' },
  DOCKER_CONFIG_UNREADABLE: { category: 'usage', summary: 'config.json or auth.json cannot be read' },
  DURATION_INVALID: {
    category: 'usage',
    summary: 'a duration is not a number and unit (90s, 30m, 12h, 7d, 2w)',
  },
  EXPIRY_INVALID: { category: 'usage', summary: 'a signature expiry that is not in the future' },
  FILE_CHANGED: { category: 'usage', summary: 'the input file changed while it was read' },
  FILE_IS_DIRECTORY: { category: 'usage', summary: 'the input file is a directory' },
  FILE_NOT_FOUND: { category: 'usage', summary: 'the input file does not exist' },
  FILE_UNREADABLE: {
    category: 'usage',
    summary: 'an input file cannot be read',
    hint: 'Check the path and its permissions.',
  },
  FLAGS_CONFLICT: {
    category: 'usage',
    summary: 'options that cannot be used together, or one that needs another',
    hint: 'Run the command with --help for which options go together.',
  },
  IMAGES_NOT_A_LAYOUT: { category: 'usage', summary: 'images given a path that is not an OCI image layout' },
  IMAGE_SIGNATURE: { category: 'usage', summary: 'the type asked for holds image signatures, not metadata' },
  INDEX_TARGET_INVALID: {
    category: 'usage',
    summary: 'an index sync target names a tag or digest, or is not a registry, prefix, repository or layout',
  },
  INDEX_UNREADABLE: { category: 'usage', summary: 'the fleet index cannot be opened or has a newer schema' },
  INTERRUPTED_PUT_INVALID: {
    category: 'usage',
    summary: 'a recorded interrupted put is not a version of this image',
    hint: 'The record belongs to another image or is not a manifesto version; put the content again.',
  },
  KEEP_INVALID: {
    category: 'usage',
    summary: 'prune --keep is not a whole number of at least 1',
    hint: 'e.g. --keep 3',
  },
  KEY_ALGORITHM_UNKNOWN: {
    category: 'usage',
    summary: 'key generate --algorithm names no supported algorithm',
  },
  KEY_CERTIFICATE_MISMATCH: {
    category: 'usage',
    summary: 'the signing key does not belong to the certificate',
    hint: 'Give the certificate issued for this key.',
  },
  KEY_INVALID: {
    category: 'usage',
    summary: 'a key file cannot be read as a key',
    hint: 'Give a PEM (or DER) key file: PKCS#8, SEC1 or PKCS#1 private keys, SPKI public keys.',
  },
  KEY_NOT_PRIVATE: {
    category: 'usage',
    summary: 'a public key given to sign',
    hint: 'Give the private key, not the public key.',
  },
  KEY_PASSPHRASE_INCORRECT: {
    category: 'usage',
    summary: 'the passphrase does not decrypt the key',
    hint: 'Check the passphrase.',
  },
  KEY_PASSPHRASE_REQUIRED: {
    category: 'usage',
    summary: 'an encrypted key without its passphrase',
    hint: 'Give the passphrase of the encrypted key.',
  },
  KEY_UNSUPPORTED: {
    category: 'usage',
    summary: 'a key type or size manifesto does not sign with',
    hint: 'Use an ECDSA (P-256, P-384), Ed25519 or RSA (2048 bits or more) key.',
  },
  KIND_INVALID: { category: 'usage', summary: 'content of a well-known kind is malformed (names the field)' },
  LIMIT_INVALID: { category: 'usage', summary: 'an invalid page size' },
  MANIFEST_INVALID: {
    category: 'usage',
    alsoAs: ['integrity'],
    registry: true,
    summary: 'a manifest to store is invalid (integrity when stored data is)',
    hint: 'A manifest must be a valid OCI image manifest or index of its media type.',
  },
  MANIFEST_TOO_LARGE: {
    category: 'usage',
    alsoAs: ['integrity'],
    summary: 'a manifest over 4 MiB to store (integrity when storage sends one)',
  },
  MEDIA_TYPE_INVALID: { category: 'usage', summary: 'an invalid --media-type' },
  METADATA_FOREIGN: {
    category: 'usage',
    summary: 'every version was attached by another tool; delete refuses them',
  },
  NAME_INVALID: { category: 'usage', registry: true, summary: 'the registry refuses the repository name' },
  NOT_AN_INDEX: { category: 'usage', summary: '--all-platforms on a single-platform image' },
  NOT_AN_ORPHAN: { category: 'usage', summary: 'delete --orphan on a referrer whose image exists' },
  NOT_A_REFERRER: {
    category: 'usage',
    summary: 'delete --orphan on a manifest without a subject',
    hint: 'Name a referrer (a manifest with a subject), e.g. one of "manifesto list REPO --orphans".',
  },
  NUMBER_INVALID: {
    category: 'usage',
    summary: 'an option value is not a whole number',
    hint: 'Give a whole number, e.g. 3.',
  },
  OUTPUT_EXISTS: { category: 'usage', summary: '-o names an existing file without --force' },
  OUTPUT_FOLDER_MISSING: { category: 'usage', summary: '-o names a file in a folder that does not exist' },
  OUTPUT_IS_FOLDER: { category: 'usage', summary: '-o names a folder where a file is needed' },
  OUTPUT_IS_SYMLINK: { category: 'usage', summary: '-o names a symbolic link without --force' },
  OUTPUT_NOT_REGULAR: { category: 'usage', summary: '-o names a FIFO, device or socket' },
  OUTPUT_NOT_WRITABLE: { category: 'usage', summary: '-o names a place that cannot be written' },
  OUTPUT_PATH_EMPTY: { category: 'usage', summary: '-o with an empty path' },
  PAGINATION_NUMBER_INVALID: {
    category: 'usage',
    registry: true,
    summary: 'the registry refuses the page size',
  },
  PASSWORD_EMPTY: { category: 'usage', summary: 'an empty password on stdin' },
  PLATFORM_INVALID: { category: 'usage', summary: 'a malformed platform (os/arch[/variant])' },
  POLICY_INVALID: { category: 'usage', summary: 'the gate policy is malformed or its CEL does not parse' },
  POLICY_UNREADABLE: {
    category: 'usage',
    summary: 'the gate policy cannot be read',
    hint: 'Check the path and its permissions.',
  },
  PORT_BLOCKED: { category: 'usage', summary: 'a registry port the fetch standard blocks' },
  PREDICATE_INVALID: { category: 'usage', summary: 'an in-toto statement to sign is invalid' },
  QUERY_INVALID: {
    category: 'usage',
    summary: 'an index query does not parse or type-check (names the column)',
  },
  REFERENCE_HAS_CREDENTIALS: { category: 'usage', summary: 'a reference carries user:password@' },
  REFERENCE_INVALID: { category: 'usage', summary: 'a malformed image reference, tag or layout path' },
  REGISTRY_INVALID: { category: 'usage', summary: 'a malformed registry host' },
  REPOSITORY_INVALID: { category: 'usage', summary: 'a malformed repository name' },
  SETTING_INVALID: { category: 'usage', summary: 'a MANIFESTO_* variable has a value it cannot take' },
  SETTLE_INVALID: {
    category: 'usage',
    summary: 'MANIFESTO_SETTLE_MS is not 0-600000',
    hint: 'e.g. MANIFESTO_SETTLE_MS=2000, or leave it unset.',
  },
  SIGNING_ALGORITHM_UNSUPPORTED: {
    category: 'usage',
    summary: 'a key the chosen signature format cannot sign with',
    hint: 'Use an ECDSA P-256 or P-384 key.',
  },
  SIGN_FORMAT_UNKNOWN: { category: 'usage', summary: '--sign-format names neither notary nor sigstore' },
  SIZE_INVALID: {
    category: 'usage',
    alsoAs: ['integrity'],
    registry: true,
    summary: 'an invalid size (integrity when the registry says content does not match it)',
    hint: 'Sizes are whole numbers of bytes.',
  },
  SWITCH_INVALID: {
    category: 'usage',
    summary: 'an on/off variable (MANIFESTO_INSECURE...) is neither 1 nor 0',
  },
  TAG_INVALID: { category: 'usage', registry: true, summary: 'a malformed tag' },
  TIMEOUT_INVALID: { category: 'usage', summary: '--timeout (MANIFESTO_TIMEOUT) is not a number of seconds' },
  TRUST_POLICY_INVALID: { category: 'usage', summary: 'the trust policy is malformed (names the field)' },
  TRUST_POLICY_NOT_FOUND: { category: 'usage', summary: 'the trust policy cannot be read' },
  TYPE_MISSING: {
    category: 'usage',
    summary: 'delete without a TYPE (or --all-types)',
    hint: 'e.g. manifesto delete IMAGE vuln, or IMAGE --all-types.',
  },
  TYPE_NAME_INVALID: { category: 'usage', summary: 'an invalid metadata type name' },
  TYPE_NAME_TYPO: {
    category: 'usage',
    summary: 'a type name one typo from a well-known one (--strict-types)',
  },
  VERSION_INVALID: { category: 'usage', summary: '--version is not a digest' },

  // ---- not-found (exit 3) ----
  BLOB_UNKNOWN: { category: 'not-found', registry: true, summary: 'a blob is absent' },
  BLOB_UPLOAD_UNKNOWN: {
    category: 'not-found',
    registry: true,
    summary: 'the registry dropped an upload session',
  },
  CONTENT_MISSING: { category: 'not-found', summary: 'a version has no content layer' },
  LAYOUT_NOT_FOUND: { category: 'not-found', summary: 'no OCI image layout at the path' },
  LAYOUT_NO_IMAGE: {
    category: 'not-found',
    summary: 'oci:DIR without a tag on a layout that holds no image',
  },
  MANIFEST_BLOB_UNKNOWN: {
    category: 'not-found',
    registry: true,
    summary: 'a manifest references blobs the repository does not hold',
  },
  MANIFEST_UNKNOWN: { category: 'not-found', registry: true, summary: 'a tag or manifest is absent' },
  METADATA_NOT_FOUND: { category: 'not-found', summary: 'the image has no metadata of the type' },
  NAME_UNKNOWN: { category: 'not-found', registry: true, summary: 'the repository is absent' },
  NOT_FOUND: { category: 'not-found', summary: 'a 404 that names nothing more specific' },
  PLATFORM_NOT_FOUND: { category: 'not-found', summary: 'the index has no image for the platform' },
  VERSION_NOT_FOUND: { category: 'not-found', summary: 'no such version of the type' },

  // ---- auth (exit 4) ----
  CREDENTIAL_HELPER_FAILED: { category: 'auth', summary: 'a docker-credential helper failed or hung' },
  DENIED: { category: 'auth', registry: true, summary: 'the credentials lack permission (403)' },
  INSECURE_CREDENTIALS: { category: 'auth', summary: 'credentials would be sent over plain HTTP; refused' },
  LOGIN_FAILED: { category: 'auth', alsoAs: ANY, summary: 'login failed (with the category of why)' },
  UNAUTHORIZED: { category: 'auth', registry: true, summary: 'authentication required or rejected (401)' },

  // ---- conflict (exit 5) ----
  BLOB_UPLOAD_INVALID: {
    category: 'conflict',
    registry: true,
    summary: 'the registry refuses an upload as it stands',
  },
  CONFLICT: { category: 'conflict', summary: 'the registry answered 409' },
  LAYOUT_LOCKED: { category: 'conflict', summary: "timed out waiting for the layout's lock" },
  PRECONDITION_FAILED: { category: 'conflict', summary: 'the registry answered 412' },
  RANGE_INVALID: {
    category: 'conflict',
    registry: true,
    summary: 'the registry refuses an upload range (416)',
  },
  REFERRERS_PAGE_INVALID: { category: 'conflict', summary: 'a page of the referrers listing is malformed' },
  REFERRERS_PAGINATION_LOOP: { category: 'conflict', summary: 'the referrers listing pages loop' },
  REFERRERS_TAG_CONFLICT: {
    category: 'conflict',
    summary: 'the referrers tag holds something else; a put refuses it',
  },
  REFERRERS_TAG_INCONSISTENT: {
    category: 'conflict',
    summary: 'the referrers tag changed between two reads',
  },
  REFERRERS_TOO_MANY_PAGES: { category: 'conflict', summary: 'the referrers listing has too many pages' },
  REFERRERS_UPDATE_UNCONFIRMED: {
    category: 'conflict',
    summary: 'a referrers index write could not be confirmed (concurrent writers)',
  },

  // ---- unavailable (exit 6): retry later ----
  OUTPUT_WRITE_FAILED: { category: 'unavailable', summary: 'writing -o failed (disk full?)' },
  REFERRERS_API_INCONSISTENT: {
    category: 'unavailable',
    summary: 'a registry known to have the referrers API answers as if it had none',
  },
  REGISTRY_CONNECTION_LOST: { category: 'unavailable', summary: 'the connection broke while receiving' },
  REGISTRY_TIMEOUT: { category: 'unavailable', summary: 'the registry did not answer in time' },
  REGISTRY_UNAVAILABLE: { category: 'unavailable', summary: 'the registry answered 5xx (after retries)' },
  REGISTRY_UNREACHABLE: {
    category: 'unavailable',
    summary: 'the registry host cannot be resolved or reached',
  },
  TLS_ERROR: { category: 'unavailable', summary: 'the TLS connection failed' },
  TLS_REQUIRED: { category: 'unavailable', summary: 'the registry speaks HTTPS, not plain HTTP' },
  TOOMANYREQUESTS: {
    category: 'unavailable',
    registry: true,
    summary: 'the registry says it is rate-limiting',
  },
  TOO_MANY_REDIRECTS: { category: 'unavailable', summary: 'the registry or a proxy redirects in a loop' },
  TOO_MANY_REQUESTS: { category: 'unavailable', summary: 'the registry answered 429 (after retries)' },

  // ---- integrity (exit 7): storage sent something wrong ----
  ATTESTATION_MALFORMED: {
    category: 'integrity',
    summary: 'an attestation holds no in-toto statement',
    hint: 'The attestation is not an in-toto statement with a predicate; re-attest with the tool that made it.',
  },
  AUTH_CHALLENGE_INVALID: {
    category: 'integrity',
    summary: 'the registry names an invalid token realm',
    hint: 'The registry is misconfigured (WWW-Authenticate realm).',
  },
  BLOB_SIZE_UNKNOWN: { category: 'integrity', summary: 'the registry did not say the size of a blob' },
  DIGEST_MISMATCH: { category: 'integrity', summary: 'content does not match its digest' },
  LAYOUT_INDEX_INVALID: { category: 'integrity', summary: "the layout's index.json is malformed" },
  LAYOUT_INVALID: { category: 'integrity', summary: "the layout's oci-layout file is malformed" },
  LISTING_MISMATCH: {
    category: 'integrity',
    summary: 'the referrers listing contradicts the version manifest',
  },
  MANIFEST_MALFORMED: {
    category: 'integrity',
    summary: 'a stored manifest is not valid JSON or lacks a field',
    hint: 'Something other than manifesto wrote this manifest, or it was damaged; inspect it with oras or crane.',
  },
  MANIFEST_UNVERIFIED: {
    category: 'integrity',
    registry: true,
    summary: 'the registry could not verify a manifest',
  },
  REDIRECT_INVALID: {
    category: 'integrity',
    summary: 'a redirect without a (valid) Location',
    hint: 'The registry or a proxy in front of it sends broken redirects; tell its operator.',
  },
  REFERRERS_LISTING_TOO_LARGE: { category: 'integrity', summary: 'a referrers listing page over 4 MiB' },
  REFERRERS_REPLY_INVALID: {
    category: 'integrity',
    summary: 'the referrers listing is not an OCI image index',
  },
  SIGNED_CONTENT_MISMATCH: { category: 'integrity', summary: 'the content differs from what was signed' },
  SIZE_MISMATCH: { category: 'integrity', summary: 'content does not have its descriptor size' },
  TOKEN_RESPONSE_INVALID: { category: 'integrity', summary: 'the token service sent no usable token' },
  UNEXPECTED_STATUS: {
    category: 'integrity',
    summary: 'the registry answered a status manifesto does not expect',
  },

  // ---- ambiguous (exit 8): name one thing ----
  LAYOUT_IMAGE_AMBIGUOUS: {
    category: 'ambiguous',
    summary: 'oci:DIR without a tag on a layout of several images',
  },
  PLATFORM_REQUIRED: {
    category: 'ambiguous',
    summary: 'the type is stored per platform; choose one (--platform)',
  },
  TAG_AMBIGUOUS: { category: 'ambiguous', summary: 'a layout tag names several different manifests' },

  // ---- verification (exit 9) ----
  AUTHORITY_NOT_ALLOWED: {
    category: 'verification',
    summary: 'signed by an authority the rule does not name',
  },
  CERTIFICATE_CHAIN_INVALID: {
    category: 'verification',
    summary: 'the certificate chain is broken or violates the Notary Project profile',
    hint: 'Sign with a certificate chain that meets the Notary Project certificate requirements.',
  },
  CERTIFICATE_EXPIRED: {
    category: 'verification',
    summary: 'a certificate of the chain is not valid now (or was not at signing time)',
    hint: 'Re-sign with a currently valid certificate.',
  },
  CHAIN_MISSING_LINK: { category: 'verification', summary: 'a verified version supersedes an absent one' },
  CHAIN_REORDERED: { category: 'verification', summary: 'the signed versions are out of their signed order' },
  NEWER_VERSION_UNVERIFIED: {
    category: 'verification',
    summary: "a version newer than the signed chain's latest does not verify",
  },
  NOT_VERIFIED: {
    category: 'verification',
    summary: 'no version of the type verifies under the trust policy',
  },
  OLDER_VERSION_AS_LATEST: {
    category: 'verification',
    summary: 'the listing presents an older version as latest',
  },
  ROLLBACK_DETECTED: { category: 'verification', summary: 'a version older than one verified before' },
  SIGNATURES_INSUFFICIENT: {
    category: 'verification',
    summary: 'fewer valid signatures than the rule requires',
  },
  SIGNATURE_EXPIRED: {
    category: 'verification',
    summary: "the signer's expiry time has passed",
    hint: 'The signer set an expiry time that has passed; re-sign to extend it.',
  },
  SIGNATURE_INVALID: {
    category: 'verification',
    summary: 'the signature does not verify (tampered, wrong key)',
    hint: 'The signed content or the signature was modified, or it was signed with another key.',
  },
  SIGNATURE_MALFORMED: {
    category: 'verification',
    summary: 'the envelope or bundle cannot be parsed or lacks a field',
    hint: 'The signature artifact is corrupt or not of the expected format; re-sign the artifact.',
  },
  SIGNATURE_MISSING: { category: 'verification', summary: 'the version is unsigned' },
  SIGNATURE_PREDICATE_MISMATCH: {
    category: 'verification',
    summary: 'an attestation of another predicate type than required',
    hint: 'Look for the attestation of the required predicate type.',
  },
  SIGNATURE_SUBJECT_MISMATCH: {
    category: 'verification',
    summary: 'the signature is for another artifact, image or content',
    hint: 'The signature belongs to another artifact; do not use it for this one.',
  },
  SIGNATURE_UNSUPPORTED: {
    category: 'verification',
    summary: 'a signature using something manifesto does not implement',
    hint: 'Verify this signature with the tool that produced it.',
  },
  SIGNER_UNTRUSTED: {
    category: 'verification',
    summary: 'valid, but not by a trusted root certificate or public key',
    hint: 'Add the signer’s root certificate or public key to the trusted ones if you trust it.',
  },

  // ---- partial (exit 11): some items failed ----
  BULK_PARTIAL: { category: 'partial', alsoAs: ANY, summary: 'some items of a --from run failed' },
  COPY_INCOMPLETE: {
    category: 'partial',
    summary: 'after copy, the destination lacks referrers the source has (named per subject)',
    hint: 'Run the same copy again: it copies only what is missing.',
  },
  MIRROR_PARTIAL: {
    category: 'partial',
    alsoAs: ANY,
    summary: 'some images of a mirror run failed (one JSON line each)',
  },
  PLATFORMS_FAILED: {
    category: 'partial',
    alsoAs: ANY,
    summary: 'some platforms of put --all-platforms failed',
  },

  // ---- unsupported (exit 12) ----
  DELETE_UNSUPPORTED: { category: 'unsupported', summary: 'the registry refuses deletes' },
  LAYOUT_VERSION_UNSUPPORTED: {
    category: 'unsupported',
    summary: 'an OCI image layout version manifesto does not read',
  },
  MANIFEST_MEDIA_TYPE_UNSUPPORTED: {
    category: 'unsupported',
    summary: 'a manifest media type the layout cannot store',
  },
  MEDIA_TYPE_UNSUPPORTED: {
    category: 'unsupported',
    summary: 'the registry does not accept the media type (415)',
  },
  OPERATION_UNSUPPORTED: {
    category: 'unsupported',
    summary: 'the registry does not allow the operation (405)',
  },
  PAYLOAD_TOO_LARGE: { category: 'unsupported', summary: 'the registry refuses the size (413)' },
  REFERRERS_INDEX_FULL: {
    category: 'unsupported',
    summary: 'the referrers index is at the size the registry accepts',
  },
  UNSUPPORTED: {
    category: 'unsupported',
    registry: true,
    summary: 'the registry does not support the operation',
  },

  // ---- internal (exit 1): a bug ----
  INTERNAL: { category: 'internal', summary: 'a bug in manifesto', hint: BUG_HINT },
  REQUEST_INVALID: {
    category: 'internal',
    summary: 'manifesto built an invalid registry request path',
    hint: BUG_HINT,
  },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

/** Every error code manifesto reports. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

type Catalogue = typeof ERROR_CATALOGUE;

/** The categories code `C` may have: its own, and those of its `alsoAs`. */
export type CategoryOf<C extends ErrorCode> = C extends ErrorCode
  ? Catalogue[C]['category'] | (Catalogue[C] extends { alsoAs: readonly (infer A)[] } ? A : never)
  : never;

/** The codes that may have category `K` (for the helpers bound to one category: usageError, ...). */
export type CodeOf<K extends ErrorCategory> = {
  [C in ErrorCode]: K extends CategoryOf<C> ? C : never;
}[ErrorCode];

/** The codes a registry's error reply may carry (OCI distribution spec). */
export type RegistryErrorCode = {
  [C in ErrorCode]: Catalogue[C] extends { registry: true } ? C : never;
}[ErrorCode];

/** The catalogue entry of `code`. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  return ERROR_CATALOGUE[code];
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

export function isRegistryErrorCode(code: string): code is RegistryErrorCode {
  return isErrorCode(code) && errorSpec(code).registry === true;
}

/** Every category `code` may have, its own first. */
export function categoriesOf(code: ErrorCode): readonly ErrorCategory[] {
  const spec = errorSpec(code);
  return [spec.category, ...(spec.alsoAs ?? []).filter((c) => c !== spec.category)];
}
