/**
 * `manifesto verify IMAGE [--type T]`: checks the latest version of each type (or of T) under the
 * trust policy, the latest being chosen by signed facts (src/policy/signed-chain.ts). Exit 0 only if every checked version verifies (types whose rule is `skip`, or that
 * no rule matches, are not checked; `warn` rules are checked like `enforce` ones here).
 */

import { EXIT_CODES } from '../../errors/errors.ts';
import { metadataNotFound, readListing, summariseTypes } from '../../metadata/listing.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { type ChainProblem, describeStatus, verifyForRead } from '../../policy/trust/freshness.ts';
import { rollbackError } from '../../policy/trust/rollback.ts';
import type { Enforcement } from '../../policy/trust/trust-policy.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { subjectJson, table } from '../render.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';

/** What a signature of the image (cosign sign, notation sign) listed among the metadata is. */
export const IMAGE_SIGNATURE = 'signature of the image, not of metadata: not checked';

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

export interface TypeReport {
  type: string;
  latest: string;
  enforcement: Enforcement;
  /** Index of the matching rule in the policy file (undefined: none matched). */
  rule: number | undefined;
  status: 'verified' | 'failed' | 'skipped';
  /** The latest version's status ('unsigned', 'expired', ...), when checked. */
  detail: string;
  signedBy: string[];
  problems: ChainProblem[];
}

/** Returns the exit code: 0 when every checked version verifies, else 9. */
export async function verifyCommand(options: VerifyCommandOptions, context: CommandContext): Promise<number> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const { repository } = opened;
  const { policy, ruleFor } = await policyFor(repository.location, options.trustPolicy, io.env);
  const target = await resolveTarget(repository, opened.target, {
    platform: options.platform,
    image: opened.display,
  });
  const listing = await readListing(repository, target.subject);
  const types = summariseTypes(listing).filter((t) => options.type === undefined || t.type === options.type);
  if (options.type !== undefined && types.length === 0) {
    throw metadataNotFound(options.type, opened.display, target.subject.digest);
  }
  const now = context.now?.() ?? new Date();
  const state = trustedStateFor(options.trustedState, context);
  const reports = await Promise.all(
    types.map(async (t): Promise<TypeReport> => {
      const { rule, enforcement } = ruleFor(t.type);
      const base = { type: t.type, latest: t.versions[0]!.digest, enforcement, rule: rule?.index };
      if (rule === undefined || enforcement === 'skip') {
        return { ...base, status: 'skipped', detail: 'not checked', signedBy: [], problems: [] };
      }
      if (t.versions.every((v) => v.signature)) {
        // cosign or notation signed the image: no metadata to verify (their own verify checks it).
        return { ...base, status: 'skipped', detail: IMAGE_SIGNATURE, signedBy: [], problems: [] };
      }
      const key = { location: repository.location, subject: target.subject.digest, type: t.type };
      const read = await verifyForRead({
        repository,
        versions: t.versions,
        policy,
        rule,
        now,
        trusted: { store: state, key, acceptRollback: options.acceptRollback === true },
      });
      for (const note of read.chain.notes) io.stderr.write(`warning: ${t.type}: ${note}\n`);
      // Checked like enforce here (warn included): nothing is printed.
      if (read.chain.rollback !== undefined)
        throw rollbackError(
          `${opened.display} ${t.type}`,
          read.chain.rollback,
          `manifesto verify ${opened.display} --type ${t.type} --accept-rollback`,
          state.location,
        );
      if (read.accepted === undefined && options.acceptRollback === true) await state.record(key, undefined);
      const latest = read.verdicts[0]!;
      const ok = read.problems.length === 0 && latest.status === 'verified';
      return {
        ...base,
        latest: latest.version.digest,
        status: ok ? 'verified' : 'failed',
        detail: describeStatus(latest),
        signedBy: latest.signedBy,
        problems: read.problems,
      };
    }),
  );
  const failed = reports.filter((r) => r.status === 'failed');
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(target.platform === undefined ? {} : { platform: formatPlatform(target.platform) }),
      subject: subjectJson(target.subject),
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
