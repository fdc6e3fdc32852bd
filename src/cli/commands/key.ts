/**
 * `manifesto key generate --out NAME`: NAME.key (PKCS#8 PEM, encrypted when a password is given),
 * NAME.pub (SPKI PEM) and, for ECDSA keys, NAME.crt (a self-signed code-signing certificate for
 * Notary Project signatures; its subject is --subject, default `CN=NAME, O=NAME, ST=unspecified, C=ZZ`,
 * which a notation trust policy can pin).
 */
import { basename } from 'node:path';
import { usageError } from '../../errors/errors.ts';
import { parseDistinguishedName } from '../../policy/trust/trust-policy.ts';
import { certificatesToPem, createSelfSignedCertificate } from '../../signing/certificates.ts';
import { generateKeyPair, isKeyAlgorithm, privateKeyToPem, publicKeyToPem } from '../../signing/keys.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import {
  checkOutputPath,
  type OutputFileOptions,
  type PendingFile,
  writePendingFile,
} from '../output-file.ts';

export interface KeyGenerateOptions {
  out: string;
  algorithm?: string | undefined;
  /** `CN=qa, O=Acme` */
  subject?: string | undefined;
  days?: number | undefined;
  password?: string | undefined;
  /** Replace existing files (and symbolic links: the link, never its target). */
  force?: boolean | undefined;
}

export interface GeneratedKeyFiles {
  key: string;
  pub: string;
  crt?: string | undefined;
}

/** The attributes notation's trust policy requires in a trusted identity (`x509.subject: ...`). */
const NOTATION_REQUIRED = ['C', 'ST', 'O'] as const;

/**
 * The certificate subject without --subject: one notation can pin, since its trust policy requires
 * C, ST and O in a trusted identity. `ZZ` is ISO 3166's user-assigned "unknown" country code.
 */
export function defaultSubject(name: string): Record<string, string> {
  return { CN: name, O: name, ST: 'unspecified', C: 'ZZ' };
}

export async function keyGenerateCommand(
  options: KeyGenerateOptions,
  context: CommandContext,
): Promise<GeneratedKeyFiles> {
  const algorithm = options.algorithm ?? 'ecdsa-p256';
  if (!isKeyAlgorithm(algorithm)) {
    throw usageError(
      'KEY_ALGORITHM_UNKNOWN',
      `unknown --algorithm "${algorithm}"`,
      'Use ecdsa-p256, ecdsa-p384 or ed25519.',
    );
  }
  const name = basename(options.out);
  const dn = options.subject === undefined ? defaultSubject(name) : parseDistinguishedName(options.subject);
  if (dn === undefined || dn.CN === undefined) {
    throw usageError(
      'CERTIFICATE_SUBJECT_INVALID',
      `invalid --subject "${options.subject}"`,
      'e.g. --subject "CN=qa, O=Acme, ST=WA, C=US"',
    );
  }
  if (algorithm !== 'ed25519' && NOTATION_REQUIRED.some((attribute) => !dn[attribute])) {
    context.io.stderr.write(
      `note: the subject has no ${NOTATION_REQUIRED.filter((a) => !dn[a]).join(', ')}: a notation trust policy ` +
        'can pin a subject only with C, ST and O (e.g. --subject "CN=qa, O=Acme, ST=WA, C=US")\n',
    );
  }
  const files: GeneratedKeyFiles = {
    key: `${options.out}.key`,
    pub: `${options.out}.pub`,
    ...(algorithm === 'ed25519' ? {} : { crt: `${options.out}.crt` }),
  };
  const output: OutputFileOptions = { flag: '--out', force: options.force, existing: 'refuse' };
  // Every target is checked before any is written: a refusal leaves nothing half-written.
  for (const path of [files.key, files.pub, files.crt])
    if (path !== undefined) await checkOutputPath(path, output);
  const pair = generateKeyPair(algorithm);
  const password = options.password ?? setting(context.io.env, 'MANIFESTO_KEY_PASSWORD');
  const contents: Array<[string, string, number]> = [
    [files.key, privateKeyToPem(pair.privateKey, { passphrase: password || undefined }), 0o600],
    [files.pub, publicKeyToPem(pair.publicKey), 0o644],
  ];
  if (files.crt !== undefined) {
    const certificate = createSelfSignedCertificate({
      privateKey: pair.privateKey,
      subject: {
        commonName: dn.CN,
        organization: dn.O,
        organizationalUnit: dn.OU,
        locality: dn.L,
        state: dn.ST,
        country: dn.C,
      },
      validity: { days: options.days ?? 365 },
      now: context.now?.(),
    });
    contents.push([files.crt, certificatesToPem([certificate]), 0o644]);
  }
  const pending: PendingFile[] = [];
  try {
    for (const [path, text, mode] of contents) {
      pending.push(await writePendingFile(path, new TextEncoder().encode(text), mode, output));
    }
    for (const file of pending) await file.commit();
  } catch (error) {
    await Promise.all(pending.map((file) => file.discard()));
    throw error;
  }
  if (!password) {
    context.io.stderr.write(
      `note: ${files.key} is not encrypted (mode 600); set MANIFESTO_KEY_PASSWORD or pass --password-stdin to encrypt it\n`,
    );
  }
  if (context.json) writeJson(context.io.stdout, { algorithm, encrypted: Boolean(password), ...files });
  else {
    writeLine(
      context.io.stdout,
      `Wrote ${files.key} (${algorithm}${password ? ', encrypted' : ''}), ${files.pub}` +
        (files.crt
          ? ` and ${files.crt} (self-signed code-signing certificate, ${dn.CN})`
          : ' (Ed25519: sigstore format only, no certificate)'),
    );
  }
  return files;
}
