/**
 * Other tools' attestations under the trust policy (docs/format.md, "Other tools' metadata"). A
 * cosign attestation is its own signature: the Sigstore bundle holds the DSSE envelope signed with
 * the attester's key, so it is verified with the keys of the policy's authorities, as
 * `cosign verify-attestation --key K --insecure-ignore-tlog=true` does: the signature, the statement's
 * subject (the image the attestation is listed for) and its predicate type (the one the listing
 * names, so a signed SBOM cannot be listed as provenance). Two requests: the bundle manifest and the
 * bundle. A legacy `.att` layer is a bare DSSE envelope, verified the same way (envelope.ts). buildx
 * attestations carry no signature: they are unsigned.
 */
import { isManifestoError } from '../../errors/errors.ts';
import { attestationLayer } from '../../metadata/foreign-content.ts';
import { verifyDsseEnvelope } from '../../signing/sigstore/envelope.ts';
import { verifySigstoreBundle } from '../../signing/sigstore/verify.ts';
import { requiredCount } from './trust-policy.ts';
import {
  ruleRefusal,
  type SignedFacts,
  type VerifyVersionOptions,
  type VersionVerdict,
} from './version-verdict.ts';

const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export async function verifyForeignVersion(
  options: VerifyVersionOptions,
  now: Date,
): Promise<VersionVerdict> {
  const { repository, version, policy, rule } = options;
  const foreign = version.foreign!;
  if (foreign.form === 'in-toto-statement') {
    return {
      version,
      status: 'unsigned',
      signedBy: [],
      signatures: [],
      reason: `it is unsigned (a ${foreign.tool} attestation carries no signature)`,
    };
  }
  const layer = await attestationLayer(repository, version);
  const bundle = await repository.fetchBlobBytes(layer, MAX_BUNDLE_BYTES);
  // A legacy `.att` envelope is reported under the same format: cosign's, checked with keys.
  const check: VersionVerdict['signatures'][number] = { format: 'sigstore-bundle', manifest: version.digest };
  const signedBy = new Map<string, string>();
  let expired = false;
  let invalid = false;
  for (const authority of policy.authorities.values()) {
    if (authority.keys.length === 0) continue;
    try {
      const expected = {
        subject: { digest: foreign.subject },
        publicKeys: authority.keys,
        predicateType: foreign.predicateType,
      };
      const verified =
        foreign.form === 'sigstore-bundle'
          ? verifySigstoreBundle({ ...expected, bundle, now })
          : verifyDsseEnvelope({ ...expected, envelope: bundle });
      signedBy.set(authority.name, `key ${verified.keyHint}`);
      check.authority ??= authority.name;
      check.signer ??= `key ${verified.keyHint}`;
    } catch (error) {
      if (!isManifestoError(error) || error.category !== 'verification') throw error;
      if (error.code === 'SIGNATURE_EXPIRED') expired = true;
      else if (!['SIGNER_UNTRUSTED', 'SIGNATURE_INVALID'].includes(error.code)) invalid = true;
      if (check.error === undefined || error.code !== 'SIGNER_UNTRUSTED') check.error = error;
    }
  }
  const allowed = rule.authorities.filter((name) => signedBy.has(name));
  const base = { version, signatures: [check], signedBy: allowed };
  if (allowed.length >= requiredCount(rule)) {
    const signed: SignedFacts = {
      type: version.type,
      created: version.createdText,
      supersedes: undefined,
      content: undefined,
      expires: undefined,
    };
    return { ...base, status: 'verified', signed };
  }
  const refused = ruleRefusal(rule, allowed, [...signedBy.keys()], expired);
  if (refused !== undefined) return { ...base, ...refused };
  if (invalid) {
    return {
      ...base,
      status: 'invalid',
      reason: `its ${foreign.tool} signature does not verify: ${check.error?.message}`,
    };
  }
  return {
    ...base,
    status: 'untrusted',
    reason: `signed by ${foreign.tool}, but by no authority of the trust policy`,
  };
}
