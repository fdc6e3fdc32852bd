/** What the signing and verifying commands share: loading a signer, durations, the trust policy rule. */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isManifestoError, ManifestoError, usageError } from '../../errors/errors.ts';
import { checkSigningKey, type SignFormat } from '../../policy/trust/sign-version.ts';
import {
  loadTrustPolicy,
  type MatchedRule,
  matchRule,
  type TrustPolicy,
} from '../../policy/trust/trust-policy.ts';
import { TrustedState } from '../../policy/trust/trusted-state.ts';
import { loadCertificates } from '../../signing/certificates.ts';
import { describeKey, loadPrivateKey } from '../../signing/keys.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext } from '../context.ts';

export interface Signer {
  key: KeyObject;
  chain: X509Certificate[];
  format: SignFormat;
}

export interface SignerOptions {
  keyFile: string;
  certFile?: string | undefined;
  format?: string | undefined;
}

export function keyPassphrase(env: Record<string, string | undefined>): string | undefined {
  return setting(env, 'MANIFESTO_KEY_PASSWORD') ?? setting(env, 'MANIFESTO_KEY_PASSPHRASE');
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

/** How a signing command is given an encrypted key's password (the CLI's own way, not the login flag). */
const PASSWORD_HINT =
  'Set MANIFESTO_KEY_PASSWORD to the key\'s password, e.g. MANIFESTO_KEY_PASSWORD="$(cat key.pass)" manifesto put ... --sign KEY';

function loadKeyWithPassword(text: string, file: string, env: Record<string, string | undefined>): KeyObject {
  try {
    return loadPrivateKey(text, { passphrase: keyPassphrase(env), source: file });
  } catch (error) {
    if (
      isManifestoError(error) &&
      (error.code === 'KEY_PASSPHRASE_REQUIRED' || error.code === 'KEY_PASSPHRASE_INCORRECT')
    ) {
      throw new ManifestoError(error.code, error.message, {
        hint: PASSWORD_HINT,
        cause: error,
      });
    }
    throw error;
  }
}

/** The signer of `--sign KEY [--cert FILE] [--sign-format F]`, or undefined without --sign. */
export async function signerFromFlags(
  flags: { sign?: string | undefined; cert?: string | undefined; signFormat?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<Signer | undefined> {
  if (flags.sign === undefined) return undefined;
  return loadSigner({ keyFile: flags.sign, certFile: flags.cert, format: flags.signFormat }, env);
}

/**
 * Loads the signing key (and, for Notary Project signatures, its certificate chain: --cert, else
 * NAME.crt next to NAME.key). Without a format, Ed25519 keys sign in sigstore (the only format they
 * allow), others in notary. An encrypted key's password comes from MANIFESTO_KEY_PASSWORD.
 */
export async function loadSigner(
  options: SignerOptions,
  env: Record<string, string | undefined>,
): Promise<Signer> {
  if (options.format !== undefined && options.format !== 'notary' && options.format !== 'sigstore') {
    throw usageError(
      'SIGN_FORMAT_UNKNOWN',
      `unknown --sign-format "${options.format}"`,
      'Use notary or sigstore.',
    );
  }
  const key = loadKeyWithPassword(await readText(options.keyFile, 'the key'), options.keyFile, env);
  // Without --sign-format: the format that supports the key (Ed25519 signs in sigstore only).
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
  return { key, chain, format };
}

export { parseDurationValue as parseDuration } from '../../util/duration.ts';

export interface PolicyForImage {
  policy: TrustPolicy;
  ruleFor: (type: string) => MatchedRule;
}

export async function policyFor(
  location: string,
  trustPolicy: string | undefined,
  env: Record<string, string | undefined>,
): Promise<PolicyForImage> {
  const policy = await loadTrustPolicy(trustPolicy, env);
  return { policy, ruleFor: (type) => matchRule(policy, location, type) };
}

/**
 * The trusted state verified reads compare with and advance: `--trusted-state PATH` (a shared file
 * or directory), else $MANIFESTO_TRUSTED_STATE, else this machine's file. Problems writing it are
 * warnings on stderr.
 */
export function trustedStateFor(file: string | undefined, context: CommandContext): TrustedState {
  return new TrustedState(context.io.env, (m) => context.io.stderr.write(`warning: ${m}\n`), { file });
}
