/** What the signing and verifying commands share: loading a signer, durations, the trust policy rule. */

import type { FetchedManifest, Repository } from '../../content/repository.ts';
import { isManifestoError, ManifestoError } from '../../errors/errors.ts';
import type { SignedVersion } from '../../policy/trust/sign-version.ts';
import {
  loadSigner as loadKeySigner,
  type VersionSigner as Signer,
  signStoredVersion,
} from '../../policy/trust/signer.ts';
import {
  loadTrustPolicy,
  type MatchedRule,
  matchRule,
  type TrustPolicy,
} from '../../policy/trust/trust-policy.ts';
import { TrustedState } from '../../policy/trust/trusted-state.ts';
import { parseDurationValue } from '../../util/duration.ts';
import { setting } from '../../util/settings.ts';
import type { CommandContext } from '../context.ts';

export type { Signer };

export interface SignerOptions {
  keyFile: string;
  certFile?: string | undefined;
  format?: string | undefined;
}

export function keyPassphrase(env: Record<string, string | undefined>): string | undefined {
  return setting(env, 'MANIFESTO_KEY_PASSWORD') ?? setting(env, 'MANIFESTO_KEY_PASSPHRASE');
}

/** How a signing command is given an encrypted key's password (the CLI's own way, not the login flag). */
const PASSWORD_HINT =
  'Set MANIFESTO_KEY_PASSWORD to the key\'s password, e.g. MANIFESTO_KEY_PASSWORD="$(cat key.pass)" manifesto put ... --sign KEY';

/** The signer of `--sign KEY [--cert FILE] [--sign-format F]`, or undefined without --sign. */
export async function signerFromFlags(
  flags: { sign?: string | undefined; cert?: string | undefined; signFormat?: string | undefined },
  env: Record<string, string | undefined>,
): Promise<Signer | undefined> {
  if (flags.sign === undefined) return undefined;
  return loadSigner({ keyFile: flags.sign, certFile: flags.cert, format: flags.signFormat }, env);
}

/**
 * Loads the signing key (policy/trust/signer.ts); an encrypted key's password comes from
 * MANIFESTO_KEY_PASSWORD, and the hint of a missing or wrong one says so.
 */
export async function loadSigner(
  options: SignerOptions,
  env: Record<string, string | undefined>,
): Promise<Signer> {
  try {
    return await loadKeySigner({ ...options, passphrase: keyPassphrase(env) });
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

export function signedLine(signed: SignedVersion): string {
  return `Signed version ${signed.version.digest} (${signed.format}) as ${signed.signature.digest}`;
}

/** The signing of each stored version of `--sign KEY [--cert F] [--sign-format F] [--expires D]`. */
export interface VersionSigning {
  /** Signs a stored version of `repository` (named by digest, or as just stored). */
  sign(repository: Repository): (version: string | FetchedManifest) => Promise<SignedVersion>;
  line: typeof signedLine;
}

/** Loads the key before any request; undefined without --sign. */
export async function versionSigningFromFlags(
  flags: {
    sign?: string | undefined;
    cert?: string | undefined;
    signFormat?: string | undefined;
    expires?: string | undefined;
  },
  context: CommandContext,
): Promise<VersionSigning | undefined> {
  const expiresIn = flags.expires === undefined ? undefined : parseDurationValue(flags.expires, '--expires');
  const signer = await signerFromFlags(flags, context.io.env);
  if (signer === undefined) return undefined;
  return {
    sign: (repository) => (version) =>
      signStoredVersion(repository, version, signer, { expiresIn, now: context.now }),
    line: signedLine,
  };
}

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
