/**
 * Key-based Sigstore attestations as cosign v3 makes them (`cosign attest --key`): an in-toto
 * Statement about the image, in a DSSE envelope signed with the private key, in a Sigstore bundle
 * v0.3 whose verification material is the public key's hint (no certificate, no transparency log
 * entry, no timestamp), stored as a referrer of the image per cosign's specs/BUNDLE_SPEC.md.
 */
import type { KeyObject } from 'node:crypto';
import { BUNDLE_V03_MEDIA_TYPE, type Bundle, bundleToJSON } from '@sigstore/bundle';
import {
  ANNOTATION_CREATED,
  ANNOTATION_TITLE,
  type Descriptor,
  type ImageManifest,
} from '../../oci/descriptor.ts';
import { parseDigest } from '../../oci/digest.ts';
import { EMPTY_JSON_BYTES, OCI_EMPTY, OCI_MANIFEST } from '../../oci/media-types.ts';
import { artifactOf, blobOf, plainDescriptor, type SignatureArtifact } from '../artifact.ts';
import { formatSeconds, jsonBytes } from '../encoding.ts';
import { keyProblem } from '../errors.ts';
import { describeKey, publicKeyHint } from '../keys.ts';
import { keySigner, type Signer } from '../signer.ts';
import {
  BUNDLE_CONTENT_ANNOTATION,
  BUNDLE_CONTENT_DSSE,
  BUNDLE_PREDICATE_TYPE_ANNOTATION,
  IN_TOTO_PAYLOAD_TYPE,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from './constants.ts';
import { dsseParameters, preAuthEncoding } from './dsse.ts';
import { buildStatement, type InTotoStatement } from './statement.ts';

export interface SignSigstoreOptions {
  /** The image the statement is about (its digest is the statement's subject and the referrer's subject). */
  subject: Descriptor;
  /** The in-toto subject name, e.g. `registry.example.com/team/app` (cosign writes the repository). */
  subjectName?: string | undefined;
  predicateType: string;
  predicate: Record<string, unknown>;
  /** ECDSA (P-256, P-384, P-521), Ed25519 or RSA private key. */
  key: KeyObject;
  /** The manifest's creation time annotation; default now. */
  created?: Date | undefined;
}

export interface SigstoreAttestation extends SignatureArtifact {
  /** The bundle JSON (the layer's content). */
  bundle: Uint8Array;
  statement: InTotoStatement;
  /** base64 SHA-256 of the public key (the bundle's `verificationMaterial.publicKey.hint`). */
  keyHint: string;
}

/** Builds the referrer manifest that stores a bundle (cosign's layout). */
export function buildBundleArtifact(input: {
  subject: Descriptor;
  bundle: Uint8Array;
  predicateType?: string | undefined;
  created: Date;
}): SignatureArtifact {
  const config = blobOf(OCI_EMPTY, EMPTY_JSON_BYTES);
  const layer = blobOf(SIGSTORE_BUNDLE_MEDIA_TYPE, input.bundle);
  const { algorithm, hex } = parseDigest(layer.descriptor.digest);
  const annotations: Record<string, string> = { [BUNDLE_CONTENT_ANNOTATION]: BUNDLE_CONTENT_DSSE };
  if (input.predicateType !== undefined) annotations[BUNDLE_PREDICATE_TYPE_ANNOTATION] = input.predicateType;
  annotations[ANNOTATION_CREATED] = formatSeconds(input.created);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    config: config.descriptor,
    layers: [
      { ...layer.descriptor, annotations: { [ANNOTATION_TITLE]: `${algorithm}-${hex}.sigstore.json` } },
    ],
    subject: plainDescriptor(input.subject),
    annotations,
  };
  return artifactOf(manifest, [config, layer]);
}

/** Signs an in-toto statement about `subject` with a private key; returns the bundle and its referrer manifest. */
export function signSigstoreBundle(options: SignSigstoreOptions): SigstoreAttestation {
  if (options.key.type !== 'private') throw keyProblem('KEY_NOT_PRIVATE', 'signing needs a private key');
  describeKey(options.key);
  const prepared = prepareStatement(options);
  const signature = keySigner(options.key).signNow(prepared.pae, dsseParameters(options.key));
  return assembleBundle(options, prepared, signature, publicKeyHint(options.key));
}

/** The same through a Signer (a key file, or later a KMS or an HSM); the chain is not used (key-based bundle). */
export async function signSigstoreBundleWith(
  signer: Signer,
  options: Omit<SignSigstoreOptions, 'key'>,
): Promise<SigstoreAttestation> {
  describeKey(signer.publicKey);
  const prepared = prepareStatement(options);
  const signature = await signer.sign(prepared.pae, dsseParameters(signer.publicKey));
  return assembleBundle(options, prepared, signature, publicKeyHint(signer.publicKey));
}

interface PreparedStatement {
  statement: InTotoStatement;
  payload: Uint8Array;
  /** DSSE's pre-authentication encoding of the payload: what is signed. */
  pae: Uint8Array;
}

function prepareStatement(options: Omit<SignSigstoreOptions, 'key'>): PreparedStatement {
  const statement = buildStatement(
    { digest: options.subject.digest, name: options.subjectName },
    options.predicateType,
    options.predicate,
  );
  const payload = jsonBytes(statement);
  return { statement, payload, pae: preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload) };
}

function assembleBundle(
  options: Omit<SignSigstoreOptions, 'key'>,
  prepared: PreparedStatement,
  signature: Uint8Array,
  keyHint: string,
): SigstoreAttestation {
  const bundle: Bundle = {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      content: { $case: 'publicKey', publicKey: { hint: keyHint } },
      tlogEntries: [],
      timestampVerificationData: undefined,
    },
    content: {
      $case: 'dsseEnvelope',
      dsseEnvelope: {
        payload: Buffer.from(prepared.payload),
        payloadType: IN_TOTO_PAYLOAD_TYPE,
        signatures: [{ sig: Buffer.from(signature), keyid: '' }],
      },
    },
  };
  const bundleBytes = jsonBytes(bundleToJSON(bundle));
  const artifact = buildBundleArtifact({
    subject: options.subject,
    bundle: bundleBytes,
    predicateType: options.predicateType,
    created: options.created ?? new Date(),
  });
  return { ...artifact, bundle: bundleBytes, statement: prepared.statement, keyHint };
}
