/** `manifesto sign IMAGE TYPE --key K`: sign an existing version (the latest, or --version D). */

import type { FetchedManifest, Repository } from '../../content/repository.ts';
import { selectPlatformVersion } from '../../metadata/platform-get.ts';
import type { Platform } from '../../oci/descriptor.ts';
import type { SignedVersion } from '../../policy/trust/sign-version.ts';
import { signStoredVersion } from '../../policy/trust/signer.ts';
import { parseDurationValue } from '../../util/duration.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { loadSigner, type Signer, signedLine } from './signing-support.ts';

export { signedLine };

export interface SignCommandOptions {
  image: string;
  type: string;
  keyFile: string;
  certFile?: string | undefined;
  format?: string | undefined;
  version?: string | undefined;
  expires?: string | undefined;
  platform?: Platform | undefined;
}

/** Signs one version with a loaded signer (put --sign, check --record --sign and sign). */
export function signLoaded(
  repository: Repository,
  version: string | FetchedManifest,
  signer: Signer,
  expiresIn: number | undefined,
  context: CommandContext,
): Promise<SignedVersion> {
  return signStoredVersion(repository, version, signer, { expiresIn, now: context.now });
}

export async function signCommand(
  options: SignCommandOptions,
  context: CommandContext,
): Promise<SignedVersion> {
  const expiresIn =
    options.expires === undefined ? undefined : parseDurationValue(options.expires, '--expires');
  const signer = await loadSigner(
    { keyFile: options.keyFile, certFile: options.certFile, format: options.format },
    context.io.env,
  );
  const opened = await context.openImage(options.image);
  const selected = await selectPlatformVersion({
    repository: opened.repository,
    reference: opened.target,
    type: options.type,
    version: options.version,
    platform: options.platform,
    inherit: false,
    image: opened.display,
  });
  const signed = await signLoaded(opened.repository, selected.version.digest, signer, expiresIn, context);
  if (context.json) {
    writeJson(context.io.stdout, {
      image: opened.display,
      type: options.type,
      version: signed.version.digest,
      format: signed.format,
      signature: signed.signature.digest,
    });
  } else writeLine(context.io.stdout, signedLine(signed));
  return signed;
}
