/**
 * `manifesto verify IMAGE [--type T]`: checks the latest version of each type (or of T) under the
 * trust policy (policy/trust/verify-image.ts), the latest being chosen by signed facts. Exit 0 only
 * if every checked version verifies (types whose rule is `skip`, or that no rule matches, are not
 * checked; `warn` rules are checked like `enforce` ones here).
 */
import { EXIT_CODES } from '../../errors/errors.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { IMAGE_SIGNATURE, type TypeReport, verifyImage } from '../../policy/trust/verify-image.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { subjectJson, table } from '../render.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';

export { IMAGE_SIGNATURE, type TypeReport };

export interface VerifyCommandOptions {
  image: string;
  type?: string | undefined;
  platform?: Platform | undefined;
  trustPolicy?: string | undefined;
  /** Accept an older verified latest than this machine remembers: reset the state to it. */
  acceptRollback?: boolean | undefined;
  /** A shared trusted state (file or directory) instead of this machine's. */
  trustedState?: string | undefined;
}

/** Returns the exit code: 0 when every checked version verifies, else 9. */
export async function verifyCommand(options: VerifyCommandOptions, context: CommandContext): Promise<number> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const { policy } = await policyFor(opened.repository.location, options.trustPolicy, io.env);
  const { subject, platform, reports } = await verifyImage({
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    type: options.type,
    platform: options.platform,
    policy,
    trusted: trustedStateFor(options.trustedState, context),
    acceptRollback: options.acceptRollback,
    now: context.now?.(),
    onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
  });
  const failed = reports.filter((r) => r.status === 'failed');
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(platform === undefined ? {} : { platform: formatPlatform(platform) }),
      subject: subjectJson(subject),
      trustPolicy: policy.source,
      ok: failed.length === 0,
      types: reports,
    });
  } else {
    writeLine(
      io.stdout,
      table(
        ['TYPE', 'LATEST', 'RULE', 'RESULT'],
        reports.map((r) => [
          r.type,
          r.latest,
          r.rule === undefined ? '-' : `rules[${r.rule}] ${r.enforcement}`,
          r.status === 'failed' ? `FAILED: ${r.detail}` : r.detail,
        ]),
      ),
    );
    for (const r of failed) for (const p of r.problems) io.stderr.write(`${r.type}: ${p.message}\n`);
  }
  if (failed.length > 0) {
    io.stderr.write(
      `manifesto: error: ${failed.length} of ${reports.length} types do not verify: ${failed.map((r) => r.type).join(', ')}\n`,
    );
    return EXIT_CODES.verification;
  }
  return 0;
}
