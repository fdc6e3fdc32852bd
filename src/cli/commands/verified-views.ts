/**
 * `history --verify` (every version verified, the signed chain checked) and `list --verify` (each
 * type's latest version: signed, by whom, trusted or not). Both print their table, then return exit
 * code 9 when an enforcing rule's check failed.
 */
import { EXIT_CODES, usageError } from '../../errors/errors.ts';
import { readListing, summariseTypes } from '../../metadata/listing.ts';
import { selectPlatformVersion } from '../../metadata/platform-get.ts';
import { resolveTarget } from '../../metadata/target.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { type ChainProblem, describeStatus, verifyHistory } from '../../policy/trust/freshness.ts';
import { ROLLBACK_DETECTED, rollbackError } from '../../policy/trust/rollback.ts';
import type { TrustPolicy, TrustRule } from '../../policy/trust/trust-policy.ts';
import { type VersionVerdict, verifyVersion } from '../../policy/trust/verify-version.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { subjectJson, table } from '../render.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';
import { IMAGE_SIGNATURE } from './verify.ts';

export interface VerifiedViewOptions {
  image: string;
  type?: string | undefined;
  platform?: Platform | undefined;
  trustPolicy?: string | undefined;
  /** history --verify: accept an older signed latest than this machine remembers (resets the state). */
  acceptRollback?: boolean | undefined;
  /** history --verify: a shared trusted state (file or directory) instead of this machine's. */
  trustedState?: string | undefined;
}

function verdictJson(v: VersionVerdict) {
  return {
    version: v.version.digest,
    status: v.status,
    signedBy: v.signedBy,
    ...(v.reason === undefined ? {} : { reason: v.reason }),
    signatures: v.signatures.map((s) => ({
      format: s.format,
      manifest: s.manifest,
      authority: s.authority ?? null,
      signer: s.signer ?? null,
      ...(s.error === undefined ? {} : { error: s.error.code }),
    })),
    ...(v.signed === undefined ? {} : { signed: v.signed }),
  };
}

function signerText(v: VersionVerdict): string {
  const signers = v.signatures
    .filter((s) => s.signer !== undefined)
    .map((s) => `${s.authority}: ${s.signer}`);
  if (signers.length > 0) return signers.join('; ');
  return v.signatures.length === 0 ? '-' : `${v.signatures.length} signature(s), none trusted`;
}

/**
 * The rule a view verifies with where the policy has none for the type: every authority of the policy
 * may vouch (enforcement skip), so the view still shows who signed.
 */
function anyAuthority(policy: TrustPolicy): TrustRule {
  return {
    index: -1,
    repositories: ['**'],
    types: ['*'],
    authorities: [...policy.authorities.keys()],
    require: 'any',
    enforcement: 'skip',
  };
}

export async function historyVerifyCommand(
  options: VerifiedViewOptions,
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const type = options.type!;
  const opened = await context.openImage(options.image);
  const { repository } = opened;
  const { policy, ruleFor } = await policyFor(repository.location, options.trustPolicy, io.env);
  const selected = await selectPlatformVersion({
    repository,
    reference: opened.target,
    type,
    platform: options.platform,
    inherit: false,
    image: opened.display,
  });
  const { rule, enforcement } = ruleFor(type);
  if (selected.versions.every((v) => v.signature)) {
    throw usageError(
      'IMAGE_SIGNATURE',
      `"${type}" of ${opened.display} holds signatures of the image, not metadata: manifesto does not verify them`,
      'Verify them with cosign verify or notation verify; history without --verify lists them.',
    );
  }
  const effective = rule ?? anyAuthority(policy);
  const now = context.now?.() ?? new Date();
  const warn = (m: string) => io.stderr.write(`warning: ${m}\n`);
  const trusted = trustedStateFor(options.trustedState, context);
  const result =
    effective.authorities.length === 0
      ? { verdicts: [], chain: [], problems: [] as ChainProblem[], outcome: undefined }
      : await verifyHistory({
          repository,
          versions: selected.versions,
          policy,
          rule: effective,
          now,
          // A view under no rule (skip) neither reads nor moves the trusted state.
          trusted:
            enforcement === 'skip'
              ? undefined
              : {
                  store: trusted,
                  key: { location: repository.location, subject: selected.subject.digest, type },
                  acceptRollback: options.acceptRollback === true,
                },
        });
  for (const note of result.outcome?.notes ?? []) warn(note);
  const rollback = result.outcome?.rollback;
  if (rollback !== undefined) {
    const error = rollbackError(
      `${opened.display} ${type}`,
      rollback,
      `manifesto verify ${opened.display} --type ${type} --accept-rollback`,
      trusted.location,
    );
    if (enforcement === 'enforce') throw error;
    result.problems.unshift({
      code: ROLLBACK_DETECTED,
      version: rollback.offered.version.digest,
      message: error.message,
    });
  }
  const inChain = new Set(result.chain.map((v) => v.version.digest));
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(selected.platform === undefined ? {} : { platform: formatPlatform(selected.platform) }),
      subject: subjectJson(selected.subject),
      type,
      rule: rule?.index ?? null,
      enforcement,
      versions: result.verdicts.map(verdictJson),
      chain: result.chain.map((v) => v.version.digest),
      problems: result.problems,
      ok: result.problems.length === 0,
    });
  } else {
    const rows = result.verdicts.map((v) => [
      v.version.digest,
      v.signed?.created ?? v.version.createdText ?? '-',
      describeStatus(v),
      signerText(v),
      inChain.has(v.version.digest) ? (result.chain[0] === v ? 'latest' : 'chain') : '',
    ]);
    writeLine(io.stdout, table(['VERSION', 'CREATED', 'TRUST', 'SIGNED BY', 'CHAIN'], rows));
    for (const p of result.problems)
      io.stderr.write(`${enforcement === 'enforce' ? 'error' : 'warning'}: ${p.message}\n`);
  }
  if (enforcement === 'enforce' && result.problems.length > 0) {
    io.stderr.write(
      `manifesto: error: the ${type} history of ${opened.display} does not verify (${result.problems.map((p) => p.code).join(', ')})\n`,
    );
    return EXIT_CODES.verification;
  }
  return 0;
}

export async function listVerifyCommand(
  options: VerifiedViewOptions,
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const opened = await context.openImage(options.image);
  const { repository } = opened;
  const { policy, ruleFor } = await policyFor(repository.location, options.trustPolicy, io.env);
  const target = await resolveTarget(repository, opened.target, {
    platform: options.platform,
    image: opened.display,
  });
  const types = summariseTypes(await readListing(repository, target.subject));
  const now = context.now?.() ?? new Date();
  const rows = await Promise.all(
    types.map(async (t) => {
      const { rule, enforcement } = ruleFor(t.type);
      const effective = rule ?? anyAuthority(policy);
      const verdict =
        effective.authorities.length === 0 || t.versions.every((v) => v.signature)
          ? undefined
          : await verifyVersion({ repository, version: t.versions[0]!, policy, rule: effective, now });
      const signature = t.versions.every((v) => v.signature);
      return {
        type: t.type,
        latest: t.versions[0]!.digest,
        rule: rule?.index,
        enforcement,
        verdict,
        signature,
      };
    }),
  );
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      subject: subjectJson(target.subject),
      types: rows.map((r) => ({
        type: r.type,
        latest: r.latest,
        rule: r.rule ?? null,
        enforcement: r.enforcement,
        ...(r.verdict === undefined
          ? { status: r.signature ? 'image-signature' : 'unchecked' }
          : verdictJson(r.verdict)),
      })),
    });
  } else {
    writeLine(
      io.stdout,
      table(
        ['TYPE', 'LATEST', 'POLICY', 'TRUST', 'SIGNED BY'],
        rows.map((r) => [
          r.type,
          r.latest,
          r.rule === undefined ? 'no rule' : `${r.enforcement} (rules[${r.rule}])`,
          r.verdict === undefined ? (r.signature ? IMAGE_SIGNATURE : '-') : describeStatus(r.verdict),
          r.verdict === undefined ? '-' : signerText(r.verdict),
        ]),
      ),
    );
  }
  // Informational: `manifesto verify` is the command whose exit code says whether the image verifies.
  return 0;
}
