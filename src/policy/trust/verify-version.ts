/**
 * Verifies one metadata version against the trust policy: lists the version's referrers, fetches
 * each signature's envelope or bundle (its digest and size come from manifesto's annotations on the
 * listing entry; for signatures made by other tools the signature manifest is read first), and checks
 * it against every authority of the policy. Two requests per version signed by manifesto.
 *
 * The facts that decide ordering and content (type, created, supersedes, content digest) are taken
 * from what was signed, never from the listing: the Notary payload's signed annotations, the
 * Sigstore metadata predicate, or else the version manifest fetched by its (signed) digest.
 */
import type { RepositoryReader } from '../../content/repository.ts';
import { type ErrorCode, isManifestoError } from '../../errors/errors.ts';
import {
  ANNOTATION_CONTENT_DIGEST,
  ANNOTATION_CONTENT_MEDIA_TYPE,
  ANNOTATION_CONTENT_SIZE,
  ANNOTATION_SUPERSEDES,
  ANNOTATION_TYPE,
} from '../../metadata/annotations.ts';
import type { ContentInfo, MetadataVersion } from '../../metadata/version.ts';
import { ANNOTATION_CREATED, type Descriptor } from '../../oci/descriptor.ts';
import { isDigest } from '../../oci/digest.ts';
import { plainDescriptor } from '../../signing/artifact.ts';
import { subjectLine } from '../../signing/certificate-profile.ts';
import { verificationFailure } from '../../signing/errors.ts';
import { parseNotarySignatureManifest } from '../../signing/notary/manifest.ts';
import { verifyNotary } from '../../signing/notary/verify.ts';
import { verifySigstoreBundle } from '../../signing/sigstore/verify.ts';
import { bundleLayer, FORMAT_OF, type SignatureFormat } from '../../signing/stored.ts';
import { forEachLimit } from '../../util/pool.ts';
import { ANNOTATION_SIGNATURE_DIGEST, ANNOTATION_SIGNATURE_SIZE, versionDescriptor } from './sign-version.ts';
import { type Authority, identityMatches, requiredCount } from './trust-policy.ts';
import { verifyForeignVersion } from './verify-foreign.ts';
import {
  ruleRefusal,
  type SignatureCheck,
  type SignedFacts,
  type VerifyVersionOptions,
  type VersionStatus,
  type VersionVerdict,
} from './version-verdict.ts';

export type {
  SignatureCheck,
  SignedFacts,
  VerifyVersionOptions,
  VersionStatus,
  VersionVerdict,
} from './version-verdict.ts';

/** The error code of each failed status (all exit 9). */
export const STATUS_CODES: Readonly<Record<Exclude<VersionStatus, 'verified'>, ErrorCode>> = {
  unsigned: 'SIGNATURE_MISSING',
  untrusted: 'SIGNER_UNTRUSTED',
  'not-allowed': 'AUTHORITY_NOT_ALLOWED',
  insufficient: 'SIGNATURES_INSUFFICIENT',
  expired: 'SIGNATURE_EXPIRED',
  invalid: 'SIGNATURE_INVALID',
};

const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;
/**
 * Signature entries checked per version: junk entries listed before the real signature are skipped,
 * so that a pusher cannot hide it behind a few of them; past this many, the rest are not read.
 */
const MAX_SIGNATURE_ENTRIES = 64;
const SIGNATURE_CONCURRENCY = 8;
/** Failures of one signature entry that only make that entry unusable. */
const SKIPPABLE: ReadonlySet<string> = new Set(['not-found', 'integrity', 'verification']);

interface FetchedSignature {
  format: SignatureFormat;
  manifest: Descriptor;
  content: Uint8Array;
}

async function fetchSignature(repository: RepositoryReader, entry: Descriptor, format: SignatureFormat) {
  const a = entry.annotations ?? {};
  const digest = a[ANNOTATION_SIGNATURE_DIGEST];
  const size = Number(a[ANNOTATION_SIGNATURE_SIZE]);
  let layer: Descriptor;
  if (digest !== undefined && isDigest(digest) && Number.isSafeInteger(size) && size >= 0) {
    layer = { mediaType: 'application/octet-stream', digest, size };
  } else {
    const { bytes } = await repository.fetchManifest(entry.digest);
    layer = format === 'notary' ? parseNotarySignatureManifest(bytes).envelope : bundleLayer(bytes).layer;
  }
  if (layer.size > MAX_SIGNATURE_BYTES) {
    throw verificationFailure('SIGNATURE_MALFORMED', `signature layer ${layer.digest} is too large`);
  }
  const content = await repository.fetchBlobBytes(layer, MAX_SIGNATURE_BYTES);
  return { format, manifest: entry, content };
}

function factsFromAnnotations(annotations: Record<string, string> | undefined): SignedFacts | undefined {
  if (annotations === undefined || annotations[ANNOTATION_TYPE] === undefined) return undefined;
  const digest = annotations[ANNOTATION_CONTENT_DIGEST];
  const size = Number(annotations[ANNOTATION_CONTENT_SIZE]);
  const mediaType = annotations[ANNOTATION_CONTENT_MEDIA_TYPE];
  const supersedes = annotations[ANNOTATION_SUPERSEDES];
  return {
    type: annotations[ANNOTATION_TYPE],
    created: annotations[ANNOTATION_CREATED],
    supersedes: supersedes !== undefined && isDigest(supersedes) ? supersedes : undefined,
    content:
      digest !== undefined && isDigest(digest) && mediaType !== undefined && Number.isSafeInteger(size)
        ? { digest, size, mediaType }
        : undefined,
    expires: undefined,
  };
}

interface AuthorityResult {
  facts?: SignedFacts | undefined;
  signer: string;
}

/** Verifies a signature with one authority; throws when the authority did not make it (or it fails). */
function verifyWith(
  authority: Authority,
  signature: FetchedSignature,
  version: MetadataVersion,
  now: Date,
): AuthorityResult {
  if (signature.format === 'notary') {
    if (authority.certificates.length === 0) {
      throw verificationFailure('SIGNER_UNTRUSTED', `authority ${authority.name} has no certificates`);
    }
    const verified = verifyNotary({
      envelope: signature.content,
      descriptor: plainDescriptor(version.descriptor),
      trustedRoots: authority.certificates,
      now,
    });
    const subject = subjectLine(verified.signer);
    if (
      authority.identities.length > 0 &&
      !authority.identities.some((identity) => identityMatches(identity, verified.signer.subject))
    ) {
      throw verificationFailure(
        'SIGNER_UNTRUSTED',
        `signer "${subject}" is not one of the identities of authority ${authority.name}`,
      );
    }
    const facts = factsFromAnnotations(verified.targetArtifact.annotations);
    if (facts) facts.expires = verified.expiry?.toISOString();
    return { facts, signer: subject };
  }
  if (authority.keys.length === 0) {
    throw verificationFailure('SIGNER_UNTRUSTED', `authority ${authority.name} has no keys`);
  }
  const verified = verifySigstoreBundle({
    bundle: signature.content,
    subject: { digest: version.digest },
    publicKeys: authority.keys,
    now,
  });
  const m = verified.metadata;
  if (m?.version !== undefined && m.version !== version.digest) {
    throw verificationFailure(
      'SIGNATURE_SUBJECT_MISMATCH',
      `the attestation is for version ${m.version}, not ${version.digest}`,
    );
  }
  return {
    facts:
      m === undefined
        ? undefined
        : {
            type: m.type,
            created: m.created,
            supersedes: m.supersedes,
            content: m.content,
            expires: m.expires,
          },
    signer: `key ${verified.keyHint}`,
  };
}

function sameContent(a: ContentInfo | undefined, b: ContentInfo | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.digest === b.digest && a.size === b.size;
}

/** The version's status under the rule; reads the version's referrers and signature layers. */
export async function verifyVersion(options: VerifyVersionOptions): Promise<VersionVerdict> {
  const { repository, version, policy, rule } = options;
  const now = options.now ?? new Date();
  // Other tools' attestations carry their signature themselves (verify-foreign.ts).
  if (version.foreign !== undefined) return verifyForeignVersion(options, now);
  const { manifests } = await repository.referrers(version.digest);
  const listed = manifests
    .map((d) => ({ d, format: FORMAT_OF[d.artifactType ?? ''] }))
    .filter((e): e is { d: Descriptor; format: SignatureFormat } => e.format !== undefined);
  const entries = listed.slice(0, MAX_SIGNATURE_ENTRIES);
  const checks: SignatureCheck[] = [];
  const byAuthority = new Map<string, AuthorityResult>();
  let expired = false;
  let invalid = false;
  const skipped: string[] = [];
  const check1 = async ({ d, format }: { d: Descriptor; format: SignatureFormat }) => {
    const check: SignatureCheck = { format, manifest: d.digest };
    let signature: FetchedSignature;
    try {
      signature = await fetchSignature(repository, d, format);
    } catch (error) {
      // Junk a pusher listed (a missing or malformed envelope) hides no valid signature: skip it.
      if (!isManifestoError(error) || !SKIPPABLE.has(error.category)) throw error;
      if (error.category === 'verification') invalid = true;
      skipped.push(error.code);
      return;
    }
    checks.push(check);
    for (const authority of policy.authorities.values()) {
      try {
        const result = verifyWith(authority, signature, version, now);
        check.authority ??= authority.name;
        check.signer ??= result.signer;
        if (!byAuthority.has(authority.name)) byAuthority.set(authority.name, result);
      } catch (error) {
        if (!isManifestoError(error) || error.category !== 'verification') throw error;
        if (error.code === 'SIGNATURE_EXPIRED' || error.code === 'CERTIFICATE_EXPIRED') expired = true;
        else if (!['SIGNER_UNTRUSTED', 'SIGNATURE_INVALID'].includes(error.code)) invalid = true;
        if (check.error === undefined || error.code !== 'SIGNER_UNTRUSTED') check.error = error;
      }
    }
  };
  // A few at a time, in listing order.
  await forEachLimit(entries, SIGNATURE_CONCURRENCY, check1);
  const notes: string[] = [];
  if (skipped.length > 0)
    notes.push(
      `version ${version.digest}: skipped ${skipped.length} unusable signature entr${skipped.length === 1 ? 'y' : 'ies'} (${[...new Set(skipped)].join(', ')})`,
    );
  if (listed.length > entries.length)
    notes.push(
      `version ${version.digest}: ${listed.length} signature entries listed; only the first ${entries.length} were checked`,
    );
  if (checks.length === 0 && skipped.length > 0) invalid = true;
  const allowed = rule.authorities.filter((name) => byAuthority.has(name));
  const base = { version, signatures: checks, signedBy: allowed, ...(notes.length > 0 ? { notes } : {}) };
  if (allowed.length >= requiredCount(rule)) {
    let facts = byAuthority.get(allowed[0]!)?.facts;
    for (const name of allowed) facts = byAuthority.get(name)?.facts ?? facts;
    if (facts === undefined) {
      // Signed without manifesto's annotations (notation, cosign): read the version manifest by its digest.
      const descriptor = await versionDescriptor(repository, version.digest);
      facts = factsFromAnnotations(descriptor.annotations) ?? {
        type: undefined,
        created: undefined,
        supersedes: undefined,
        content: undefined,
        expires: undefined,
      };
    }
    if (version.manifesto && (facts.type !== version.type || !sameContent(facts.content, version.content))) {
      return {
        ...base,
        status: 'invalid',
        reason: 'the referrers listing does not match the signed version manifest (type or content)',
      };
    }
    return { ...base, status: 'verified', signed: facts };
  }
  const refused = ruleRefusal(rule, allowed, [...byAuthority.keys()], expired);
  if (refused !== undefined) return { ...base, ...refused };
  if (invalid) return { ...base, status: 'invalid', reason: 'its signature does not verify' };
  if (checks.length > 0)
    return { ...base, status: 'untrusted', reason: 'signed, but by no authority of the trust policy' };
  return { ...base, status: 'unsigned', reason: 'it is unsigned' };
}
