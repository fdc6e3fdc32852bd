/**
 * `history --verify` (every version verified, the signed chain checked) and `list --verify` (each
 * type's latest version: signed, by whom, trusted or not). Both print their table, then return exit
 * code 9 when an enforcing rule's check failed. The verification is policy/trust/verified-views.ts.
 */
import { EXIT_CODES } from '../../errors/errors.ts';
import { formatPlatform } from '../../oci/platform.ts';
import { describeStatus } from '../../policy/trust/freshness.ts';
import { verifiedHistory, verifiedListing } from '../../policy/trust/verified-views.ts';
import type { VersionVerdict } from '../../policy/trust/verify-version.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { subjectJson, table } from '../render.ts';
import { policyFor, trustedStateFor } from './signing-support.ts';
import { IMAGE_SIGNATURE, type VerifyCommandOptions } from './verify.ts';

/** The options of `history --verify` and `list --verify`: those of `verify`. */
export type VerifiedViewOptions = VerifyCommandOptions;

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

export async function historyVerifyCommand(
  options: VerifiedViewOptions,
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const type = options.type!;
  const opened = await context.openImage(options.image);
  const { policy } = await policyFor(opened.repository.location, options.trustPolicy, io.env);
  const result = await verifiedHistory({
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    type,
    platform: options.platform,
    policy,
    trusted: trustedStateFor(options.trustedState, context),
    acceptRollback: options.acceptRollback,
    now: context.now?.(),
    onWarning: (m) => io.stderr.write(`warning: ${m}\n`),
  });
  const { selected, rule, enforcement } = result;
  const inChain = new Set(result.chain.map((v) => v.version.digest));
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      ...(selected.platform === undefined ? {} : { platform: formatPlatform(selected.platform) }),
      subject: subjectJson(selected.subject),
      type,
      rule: rule ?? null,
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
  const { policy } = await policyFor(opened.repository.location, options.trustPolicy, io.env);
  const { subject, types: rows } = await verifiedListing({
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    platform: options.platform,
    policy,
    now: context.now?.(),
  });
  if (context.json) {
    writeJson(io.stdout, {
      image: opened.display,
      subject: subjectJson(subject),
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
