/**
 * `get --verify` and `show --verify`: the trust policy and trusted state that the flags and the
 * environment name, handed to the domain's verified read (policy/trust/verified-read.ts); its
 * warnings go to stderr.
 */
import type { Platform } from '../../oci/descriptor.ts';
import { readVerified, type VerifiedReadResult } from '../../policy/trust/verified-read.ts';
import type { CommandContext, OpenedImage } from '../context.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';

export interface VerifiedReadFlags {
  type: string;
  version?: string | undefined;
  platform?: Platform | undefined;
  inherit: boolean;
  trustPolicy?: string | undefined;
  /** Accept a verified latest older than the one this machine remembers (resets the state). */
  acceptRollback?: boolean | undefined;
  /** A shared trusted state (file or directory) instead of this machine's. */
  trustedState?: string | undefined;
}

export async function selectVerified(
  opened: OpenedImage,
  flags: VerifiedReadFlags,
  context: CommandContext,
): Promise<VerifiedReadResult> {
  const { policy } = await policyFor(opened.repository.location, flags.trustPolicy, context.io.env);
  return readVerified({
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    type: flags.type,
    version: flags.version,
    platform: flags.platform,
    inherit: flags.inherit,
    policy,
    trusted: trustedStateFor(flags.trustedState, context),
    acceptRollback: flags.acceptRollback,
    now: context.now?.(),
    onWarning: (message) => context.io.stderr.write(`warning: ${message}\n`),
  });
}
