/**
 * Signing a stored metadata version: the signature is a referrer of the version manifest (subject =
 * the version digest), in the Notary Project format (default; signs the version manifest descriptor
 * with its annotations: type, created, supersedes, content digest) or as a Sigstore bundle (an
 * in-toto statement about the version digest with manifesto's metadata predicate).
 *
 * manifesto annotates its signature manifests with the digest and size of the envelope or bundle
 * layer (`dev.manifesto.signature.digest`, `.size`), so that a verifier reads them from the
 * referrers listing and fetches the layer directly: two requests per verified version.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { FetchedManifest, Repository, RepositoryReader } from '../../content/repository.ts';
import { integrityError, usageError } from '../../errors/errors.ts';
import {
  ANNOTATION_CONTENT_DIGEST,
  ANNOTATION_CONTENT_MEDIA_TYPE,
  ANNOTATION_CONTENT_SIZE,
  ANNOTATION_SUPERSEDES,
  ANNOTATION_TYPE,
} from '../../metadata/annotations.ts';
import { ANNOTATION_CREATED, type Descriptor, type ImageManifest } from '../../oci/descriptor.ts';
import { digestOf } from '../../oci/digest.ts';
import { artifactOf, pushSignatureArtifact, type SignatureArtifact } from '../../signing/artifact.ts';
import { describeKey } from '../../signing/keys.ts';
import { signNotaryWith } from '../../signing/notary/sign.ts';
import { keySigner, type Signer } from '../../signing/signer.ts';
import { MANIFESTO_PREDICATE_TYPE } from '../../signing/sigstore/constants.ts';
import { signSigstoreBundleWith } from '../../signing/sigstore/sign.ts';
import { metadataPredicate } from '../../signing/sigstore/statement.ts';

export const ANNOTATION_SIGNATURE_DIGEST = 'dev.manifesto.signature.digest';
export const ANNOTATION_SIGNATURE_SIZE = 'dev.manifesto.signature.size';

export type SignFormat = 'notary' | 'sigstore';

/** Who signs: a Signer (signing/signer.ts: a key file, later a KMS or an HSM), or a private key and its chain. */
export type SignVersionOptions = SignVersionBase &
  (
    | { signer: Signer; key?: undefined; chain?: undefined }
    | {
        signer?: undefined;
        key: KeyObject;
        /** Notary: the certificate chain, leaf first. */
        chain?: readonly X509Certificate[] | undefined;
      }
  );

export interface SignVersionBase {
  repository: Repository;
  /** The version manifest digest. */
  version: string;
  format: SignFormat;
  expires?: Date | undefined;
  now?: Date | undefined;
  /** The in-toto subject name (Sigstore), e.g. the repository. */
  subjectName?: string | undefined;
  /**
   * The version manifest as stored, when the caller has it (it just stored the version): not fetched
   * again. Used only when its bytes have the digest `version`.
   */
  versionManifest?: FetchedManifest | undefined;
}

export interface SignedVersion {
  version: Descriptor;
  format: SignFormat;
  signature: Descriptor;
}

/** Checks that the key can make signatures of `format` (before anything is pushed). */
export function checkSigningKey(key: KeyObject, format: SignFormat, hasChain: boolean): void {
  const description = describeKey(key);
  if (format === 'notary' && description.type === 'ed25519') {
    throw usageError(
      'SIGNING_ALGORITHM_UNSUPPORTED',
      'the Notary Project format has no Ed25519 signatures',
      'Ed25519 keys sign in the sigstore format only: add --sign-format sigstore (or use an ECDSA P-256/P-384 key).',
    );
  }
  if (format === 'notary' && !hasChain) {
    throw usageError(
      'CERTIFICATE_REQUIRED',
      'Notary Project signatures need the signing certificate',
      'Give --cert FILE (manifesto key generate writes NAME.crt next to NAME.key), or --sign-format sigstore.',
    );
  }
}

function withLayerAnnotations(artifact: SignatureArtifact, layer: Descriptor): SignatureArtifact {
  const manifest = JSON.parse(new TextDecoder().decode(artifact.manifest)) as ImageManifest;
  manifest.annotations = {
    ...manifest.annotations,
    [ANNOTATION_SIGNATURE_DIGEST]: layer.digest,
    [ANNOTATION_SIGNATURE_SIZE]: String(layer.size),
  };
  return artifactOf(manifest, artifact.blobs);
}

/** The version manifest's descriptor with its annotations, read by digest (so verified). */
export async function versionDescriptor(
  repository: RepositoryReader,
  digest: string,
  known?: FetchedManifest,
): Promise<Descriptor> {
  const fetched =
    known !== undefined && known.descriptor.digest === digest && digestOf(known.bytes) === digest
      ? known
      : await repository.fetchManifest(digest);
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(fetched.bytes)) as ImageManifest;
  } catch (error) {
    throw integrityError('MANIFEST_MALFORMED', `manifest ${digest} is not valid JSON`, undefined, error);
  }
  const descriptor: Descriptor = {
    mediaType: fetched.descriptor.mediaType,
    digest: fetched.descriptor.digest,
    size: fetched.descriptor.size,
  };
  const artifactType = manifest.artifactType ?? manifest.config?.mediaType;
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (manifest.annotations !== undefined) descriptor.annotations = { ...manifest.annotations };
  return descriptor;
}

/** Signs the stored version `options.version` and pushes the signature as its referrer. */
export async function signVersion(options: SignVersionOptions): Promise<SignedVersion> {
  const { repository } = options;
  const now = options.now ?? new Date();
  if (options.expires !== undefined && options.expires.getTime() <= now.getTime()) {
    throw usageError('EXPIRY_INVALID', 'the signature expiry must be in the future', 'e.g. --expires 7d');
  }
  const chain = options.signer?.chain ?? options.chain ?? [];
  checkSigningKey(
    options.signer === undefined ? options.key : options.signer.publicKey,
    options.format,
    chain.length > 0,
  );
  const version = await versionDescriptor(repository, options.version, options.versionManifest);
  const signer = options.signer === undefined ? keySigner(options.key, chain) : options.signer;
  let artifact: SignatureArtifact;
  let layer: Descriptor;
  if (options.format === 'notary') {
    const signed = await signNotaryWith(signer, {
      descriptor: version,
      expiry: options.expires,
      signingTime: now,
    });
    artifact = signed;
    layer = signed.blobs.find((b) => b.bytes === signed.envelope)?.descriptor ?? signed.blobs[1]!.descriptor;
  } else {
    const a = version.annotations ?? {};
    const created = a[ANNOTATION_CREATED] === undefined ? now : new Date(a[ANNOTATION_CREATED]!);
    const predicate = metadataPredicate({
      type: a[ANNOTATION_TYPE] ?? version.artifactType ?? 'unknown',
      content: {
        digest: a[ANNOTATION_CONTENT_DIGEST] ?? version.digest,
        size: Number(a[ANNOTATION_CONTENT_SIZE] ?? 0),
        mediaType: a[ANNOTATION_CONTENT_MEDIA_TYPE] ?? 'application/octet-stream',
      },
      version: version.digest,
      created: Number.isNaN(created.getTime()) ? now : created,
      supersedes: a[ANNOTATION_SUPERSEDES],
      expires: options.expires,
    });
    const signed = await signSigstoreBundleWith(signer, {
      subject: version,
      subjectName: options.subjectName,
      predicateType: MANIFESTO_PREDICATE_TYPE,
      predicate: { ...predicate },
      created: now,
    });
    artifact = signed;
    layer = signed.blobs.find((b) => b.bytes === signed.bundle)?.descriptor ?? signed.blobs[1]!.descriptor;
  }
  const annotated = withLayerAnnotations(artifact, layer);
  const signature = await pushSignatureArtifact(repository, annotated);
  return { version, format: options.format, signature };
}
