/**
 * Who signs stored versions, and in which format: a Signer (signing/signer.ts: a key file here, a KMS
 * or an HSM key elsewhere) and notary or sigstore; loaded from files the same way for every front end,
 * and used to sign a version as soon as a put has stored it (`signStoredVersion`, given to
 * platform-put.ts as its `sign`).
 */
import type { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FetchedManifest, Repository } from '../../content/repository.ts';
import { usageError } from '../../errors/errors.ts';
import { loadCertificates } from '../../signing/certificates.ts';
import { describeKey, loadPrivateKey } from '../../signing/keys.ts';
import { keySigner, type Signer } from '../../signing/signer.ts';
import { checkSigningKey, type SignedVersion, type SignFormat, signVersion } from './sign-version.ts';

export interface VersionSigner {
  signer: Signer;
  format: SignFormat;
}

export interface LoadSignerOptions {
  keyFile: string;
  /** Notary: the certificate chain file (default: NAME.crt next to NAME.key, when present). */
  certFile?: string | undefined;
  /** notary or sigstore (default: sigstore for Ed25519 keys, which Notary cannot use; else notary). */
  format?: string | undefined;
  /** The password of an encrypted key. */
  passphrase?: string | undefined;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(
      'FILE_UNREADABLE',
      `cannot read ${what} ${file}: ${(error as Error).message}`,
      undefined,
    );
  }
}

/** Loads the signing key and, for Notary Project signatures, its certificate chain; checks they fit. */
export async function loadSigner(options: LoadSignerOptions): Promise<VersionSigner> {
  if (options.format !== undefined && options.format !== 'notary' && options.format !== 'sigstore') {
    throw usageError(
      'SIGN_FORMAT_UNKNOWN',
      `unknown --sign-format "${options.format}"`,
      'Use notary or sigstore.',
    );
  }
  const key = loadPrivateKey(await readText(options.keyFile, 'the key'), {
    passphrase: options.passphrase,
    source: options.keyFile,
  });
  const format: SignFormat =
    (options.format as SignFormat | undefined) ??
    (describeKey(key).type === 'ed25519' ? 'sigstore' : 'notary');
  let chain: X509Certificate[] = [];
  if (format === 'notary' && describeKey(key).type !== 'ed25519') {
    const sibling = options.keyFile.replace(/\.key$/, '.crt');
    const certFile =
      options.certFile ?? (sibling !== options.keyFile && existsSync(sibling) ? sibling : undefined);
    if (certFile !== undefined)
      chain = loadCertificates(await readText(certFile, 'the certificate'), certFile);
  }
  checkSigningKey(key, format, chain.length > 0);
  return { signer: keySigner(key, chain), format };
}

export interface SignStoredOptions {
  /** The signature expires this long after it is made (milliseconds). */
  expiresIn?: number | undefined;
  now?: (() => Date) | undefined;
}

/** Signs a stored version, named by its digest or given as stored (then not fetched again). */
export function signStoredVersion(
  repository: Repository,
  version: string | FetchedManifest,
  { signer, format }: VersionSigner,
  options: SignStoredOptions = {},
): Promise<SignedVersion> {
  const now = options.now?.() ?? new Date();
  return signVersion({
    repository,
    version: typeof version === 'string' ? version : version.descriptor.digest,
    versionManifest: typeof version === 'string' ? undefined : version,
    signer,
    format,
    expires: options.expiresIn === undefined ? undefined : new Date(now.getTime() + options.expiresIn),
    now,
    subjectName: repository.location,
  });
}
