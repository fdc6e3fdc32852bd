/**
 * `manifesto key generate --out NAME`: NAME.key (PKCS#8 PEM, encrypted when a password is given),
 * NAME.pub (SPKI PEM) and, for ECDSA keys, NAME.crt (a self-signed code-signing certificate for
 * Notary Project signatures; its subject is --subject, default CN=NAME).
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { usageError } from '../../errors/errors.ts';
import { parseDistinguishedName } from '../../policy/trust-policy.ts';
import { certificatesToPem, createSelfSignedCertificate } from '../../signing/certificates.ts';
import { generateKeyPair, isKeyAlgorithm, privateKeyToPem, publicKeyToPem } from '../../signing/keys.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';

export interface KeyGenerateOptions {
  out: string;
  algorithm?: string | undefined;
  /** `CN=qa, O=Acme` */
  subject?: string | undefined;
  days?: number | undefined;
  password?: string | undefined;
}

export interface GeneratedKeyFiles {
  key: string;
  pub: string;
  crt?: string | undefined;
}

export async function keyGenerateCommand(
  options: KeyGenerateOptions,
  context: CommandContext,
): Promise<GeneratedKeyFiles> {
  const algorithm = options.algorithm ?? 'ecdsa-p256';
  if (!isKeyAlgorithm(algorithm)) {
    throw usageError(
      'ARGS_INVALID',
      `unknown --algorithm "${algorithm}"`,
      'Use ecdsa-p256, ecdsa-p384 or ed25519.',
    );
  }
  const dn = parseDistinguishedName(options.subject ?? `CN=${basename(options.out)}`);
  if (dn === undefined || dn.CN === undefined) {
    throw usageError(
      'ARGS_INVALID',
      `invalid --subject "${options.subject}"`,
      'e.g. --subject "CN=qa, O=Acme"',
    );
  }
  const pair = generateKeyPair(algorithm);
  const files: GeneratedKeyFiles = { key: `${options.out}.key`, pub: `${options.out}.pub` };
  const password = options.password ?? context.io.env.MANIFESTO_KEY_PASSWORD;
  await writeFile(files.key, privateKeyToPem(pair.privateKey, { passphrase: password || undefined }), {
    mode: 0o600,
  });
  await writeFile(files.pub, publicKeyToPem(pair.publicKey), { mode: 0o644 });
  if (algorithm !== 'ed25519') {
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
    files.crt = `${options.out}.crt`;
    await writeFile(files.crt, certificatesToPem([certificate]), { mode: 0o644 });
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
