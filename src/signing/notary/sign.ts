/**
 * Signs a descriptor as a Notary Project signature (signing scheme `notary.x509`) in a JWS JSON
 * envelope (flattened serialization), and builds the signature manifest that stores it as a
 * referrer of the signed artifact.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { usageError } from '../../errors/errors.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import { parseDigest } from '../../oci/digest.ts';
import { VERSION } from '../../version.ts';
import type { SignatureArtifact } from '../artifact.ts';
import { certificateNotValidAt, codeSigningChainProblem, subjectLine } from '../certificate-profile.ts';
import { certificateThumbprint } from '../certificates.ts';
import { formatSeconds, jsonBytes, toBase64Url, utf8 } from '../encoding.ts';
import { keyProblem } from '../errors.ts';
import { describeKey, publicKeysEqual } from '../keys.ts';
import { keySigner, type Signer } from '../signer.ts';
import { jwsParameters, type NotaryAlgorithm, notaryAlgorithmFor } from './algorithms.ts';
import { HEADER, NOTARY_PAYLOAD_MEDIA_TYPE, SIGNING_SCHEME_X509 } from './constants.ts';
import { buildNotarySignatureArtifact } from './manifest.ts';

export interface SignNotaryOptions {
  /**
   * The artifact to sign: a manifest's mediaType, digest and size; `annotations` (and
   * `artifactType`) are signed too, inside the payload's `targetArtifact`.
   */
  descriptor: Descriptor;
  /** The signing private key (ECDSA P-256/P-384/P-521 or RSA 2048/3072/4096). */
  key: KeyObject;
  /** The certificate chain: the key's certificate first, then intermediates, then the root. */
  chain: readonly X509Certificate[];
  /** The "best by use" time (`io.cncf.notary.expiry`). */
  expiry?: Date | undefined;
  /** Default: now. Recorded without fractional seconds. */
  signingTime?: Date | undefined;
  /** Default `manifesto/<version>`. */
  signingAgent?: string | undefined;
}

export interface NotarySignature extends SignatureArtifact {
  /** The JWS envelope (the layer's content). */
  envelope: Uint8Array;
  algorithm: NotaryAlgorithm;
  signingTime: Date;
}

export interface NotaryPayload {
  targetArtifact: Descriptor;
}

const DESCRIPTOR_HINT = 'Sign the descriptor of a stored manifest: its mediaType, digest and size.';

function targetArtifact(descriptor: Descriptor): Descriptor {
  if (typeof descriptor.mediaType !== 'string' || descriptor.mediaType === '') {
    throw usageError('DESCRIPTOR_INVALID', 'the descriptor to sign has no mediaType', DESCRIPTOR_HINT);
  }
  parseDigest(descriptor.digest);
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw usageError(
      'DESCRIPTOR_INVALID',
      `the descriptor to sign has an invalid size ${descriptor.size}`,
      DESCRIPTOR_HINT,
    );
  }
  const target: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
  };
  if (descriptor.artifactType !== undefined) target.artifactType = descriptor.artifactType;
  if (descriptor.annotations && Object.keys(descriptor.annotations).length > 0) {
    target.annotations = { ...descriptor.annotations };
  }
  return target;
}

function signingAlgorithm(key: KeyObject, needsPrivate = true): NotaryAlgorithm {
  if (needsPrivate && key.type !== 'private')
    throw keyProblem('KEY_NOT_PRIVATE', 'signing needs a private key');
  const description = describeKey(key);
  const alg = notaryAlgorithmFor(description);
  if (!alg) {
    throw keyProblem(
      'SIGNING_ALGORITHM_UNSUPPORTED',
      `${description.name} keys cannot make Notary Project signatures (the specification allows ECDSA P-256/P-384/P-521 and RSA 2048/3072/4096 only)`,
      description.type === 'ed25519'
        ? 'Use an ECDSA P-256 key for the Notary format, or sign in the sigstore format, which accepts Ed25519.'
        : 'Use an ECDSA P-256 or P-384 key.',
    );
  }
  return alg;
}

function checkChain(key: KeyObject, chain: readonly X509Certificate[], signingTime: Date): void {
  const leaf = chain[0];
  if (!leaf) {
    throw keyProblem(
      'CERTIFICATE_UNSUITABLE',
      'a Notary Project signature needs the signing certificate (and its chain)',
      'Give the certificate of the key (manifesto key generate writes a self-signed one).',
    );
  }
  if (!publicKeysEqual(leaf.publicKey, key)) {
    throw keyProblem(
      'KEY_CERTIFICATE_MISMATCH',
      `the signing key does not belong to certificate "${subjectLine(leaf)}"`,
      'Give the certificate issued for this key, first in the chain.',
    );
  }
  const problem = codeSigningChainProblem(chain);
  if (problem) {
    throw keyProblem(
      'CERTIFICATE_UNSUITABLE',
      `the certificate chain does not meet the Notary Project requirements: ${problem}`,
      'Use a code-signing certificate (keyUsage digitalSignature, not a CA) and its chain up to the root.',
    );
  }
  const invalid = certificateNotValidAt(chain, signingTime);
  if (invalid) {
    throw keyProblem(
      'CERTIFICATE_UNSUITABLE',
      `certificate "${subjectLine(invalid)}" is not valid at the signing time ${formatSeconds(signingTime)} (valid ${invalid.validFromDate.toISOString()} to ${invalid.validToDate.toISOString()})`,
      'Renew the certificate.',
    );
  }
}

interface PreparedNotary {
  alg: NotaryAlgorithm;
  signingTime: Date;
  target: Descriptor;
  protectedHeader: string;
  encodedPayload: string;
}

/** Everything before the signature: checks, the protected header and the payload. */
function prepareNotary(
  options: Omit<SignNotaryOptions, 'key'>,
  alg: NotaryAlgorithm,
  key: KeyObject,
): PreparedNotary {
  // Seconds precision: the spec says the fractional part SHOULD NOT be used.
  const signingTime = new Date(Math.floor((options.signingTime ?? new Date()).getTime() / 1000) * 1000);
  checkChain(key, options.chain, signingTime);
  const target = targetArtifact(options.descriptor);
  if (options.expiry !== undefined && options.expiry.getTime() <= signingTime.getTime()) {
    throw usageError(
      'EXPIRY_INVALID',
      'the signature expiry must be after the signing time',
      'Give an expiry in the future.',
    );
  }

  const header: Record<string, unknown> = {
    [HEADER.alg]: alg,
    [HEADER.cty]: NOTARY_PAYLOAD_MEDIA_TYPE,
    [HEADER.signingScheme]: SIGNING_SCHEME_X509,
    [HEADER.signingTime]: formatSeconds(signingTime),
    [HEADER.crit]: [HEADER.signingScheme],
  };
  if (options.expiry !== undefined) {
    header[HEADER.expiry] = formatSeconds(options.expiry);
    header[HEADER.crit] = [HEADER.signingScheme, HEADER.expiry];
  }
  const payload: NotaryPayload = { targetArtifact: target };
  return {
    alg,
    signingTime,
    target,
    protectedHeader: toBase64Url(jsonBytes(header)),
    encodedPayload: toBase64Url(jsonBytes(payload)),
  };
}

function signingInput(prepared: PreparedNotary): Uint8Array {
  return utf8(`${prepared.protectedHeader}.${prepared.encodedPayload}`);
}

/** The envelope around the signature, and the signature manifest that stores it. */
function assembleNotary(
  prepared: PreparedNotary,
  signature: Uint8Array,
  chain: readonly X509Certificate[],
  signingAgent: string | undefined,
): NotarySignature {
  const envelope = jsonBytes({
    payload: prepared.encodedPayload,
    protected: prepared.protectedHeader,
    header: {
      [HEADER.x5c]: chain.map((c) => Buffer.from(c.raw).toString('base64')),
      [HEADER.signingAgent]: signingAgent ?? `manifesto/${VERSION}`,
    },
    signature: toBase64Url(signature),
  });
  const artifact = buildNotarySignatureArtifact({
    subject: prepared.target,
    envelope,
    thumbprints: chain.map(certificateThumbprint),
    created: prepared.signingTime,
  });
  return { ...artifact, envelope, algorithm: prepared.alg, signingTime: prepared.signingTime };
}

/** Signs `descriptor` with a private key; returns the envelope and the signature manifest with its blobs. */
export function signNotary(options: SignNotaryOptions): NotarySignature {
  const alg = signingAlgorithm(options.key);
  const prepared = prepareNotary(options, alg, options.key);
  const signature = keySigner(options.key, options.chain).signNow(signingInput(prepared), jwsParameters(alg));
  return assembleNotary(prepared, signature, options.chain, options.signingAgent);
}

/**
 * Signs `descriptor` through a Signer (a key file, or later a KMS or an HSM): the same envelope as
 * signNotary, with the signer's certificate chain.
 */
export async function signNotaryWith(
  signer: Signer,
  options: Omit<SignNotaryOptions, 'key' | 'chain'>,
): Promise<NotarySignature> {
  const alg = signingAlgorithm(signer.publicKey, false);
  const prepared = prepareNotary({ ...options, chain: signer.chain }, alg, signer.publicKey);
  const signature = await signer.sign(signingInput(prepared), jwsParameters(alg));
  return assembleNotary(prepared, signature, signer.chain, options.signingAgent);
}
