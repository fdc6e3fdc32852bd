/**
 * `manifesto check IMAGE --policy FILE`: the deployment gate (docs/policy.md). Prints each rule's
 * verdict (per platform for a multi-platform image); exit 0 when allowed, 10 when denied.
 * `--record` stores the decision as a `decision` version of the image (policy/gate/record-decision.ts).
 */
import { readFile } from 'node:fs/promises';
import { EXIT_CODES, ManifestoError, usageError } from '../../errors/errors.ts';
import type { Platform } from '../../oci/descriptor.ts';
import { compilePolicyCel } from '../../policy/gate/gate.ts';
import { type GatePolicy, parseGatePolicy } from '../../policy/gate/gate-policy.ts';
import { checkAndRecord } from '../../policy/gate/record-decision.ts';
import { loadTrustPolicy, type TrustPolicy } from '../../policy/trust/trust-policy.ts';
import { trustPolicyVerifier } from '../../policy/trust/trust-verifier.ts';
import type { SignatureVerifier } from '../../policy/trust/verifier.ts';
import type { CommandContext } from '../context.ts';
import { writeJson, writeLine } from '../io.ts';
import { shortDigest } from '../render.ts';
import { defaultAuthor } from './put-settings.ts';
import { trustedStateFor, versionSigningFromFlags } from './signing-support.ts';

export interface CheckCommandOptions {
  image: string;
  policy: string;
  platform?: Platform | undefined;
  allPlatforms?: boolean | undefined;
  /** Store the decision as metadata of the image (type `decision`). */
  record?: boolean | undefined;
  /** Sign the recorded decision with this private key file (as put --sign). */
  sign?: string | undefined;
  /** The signing certificate (Notary; default: the key's NAME.crt). */
  cert?: string | undefined;
  signFormat?: string | undefined;
  author?: string | undefined;
  /** The trust policy for signedBy rules (default $MANIFESTO_TRUST_POLICY, else the config file). */
  trustPolicy?: string | undefined;
  /** A shared trusted state (file or directory) for the signed types, instead of this machine's. */
  trustedState?: string | undefined;
  /** Overrides the trust policy (library use, tests). */
  verifier?: SignatureVerifier | undefined;
}

/**
 * The trust policy's verifier for the gate's signedBy rules; loaded only when the policy has such
 * rules (or --trust-policy is given). Every authority a signedBy rule names must be defined there:
 * a misspelt name is an error (exit 2), not a silent deny.
 */
async function gateVerifier(
  policy: GatePolicy,
  policyFile: string,
  options: CheckCommandOptions,
  context: CommandContext,
): Promise<SignatureVerifier | undefined> {
  if (options.verifier !== undefined) return options.verifier;
  const signedBy = policy.rules.flatMap((rule, i) => (rule.type === 'signedBy' ? [{ rule, i }] : []));
  if (signedBy.length === 0 && options.trustPolicy === undefined) return undefined;
  const trust: TrustPolicy = await loadTrustPolicy(options.trustPolicy, context.io.env);
  for (const { rule, i } of signedBy)
    for (const [j, name] of rule.authorities.entries())
      if (!trust.authorities.has(name))
        throw usageError(
          'POLICY_INVALID',
          `${policyFile}: /rules/${i}/signedBy/authorities/${j}: "${name}" is not an authority of the trust policy ${trust.source}`,
          `Its authorities: ${[...trust.authorities.keys()].join(', ') || '(none)'}. signedBy names authorities of the trust policy (docs/policy.md).`,
        );
  return trustPolicyVerifier(trust, context.now, trustedStateFor(options.trustedState, context));
}

export async function checkCommand(options: CheckCommandOptions, context: CommandContext): Promise<number> {
  const { io } = context;
  if (options.platform !== undefined && options.allPlatforms) {
    throw new ManifestoError('FLAGS_CONFLICT', '--platform and --all-platforms cannot be used together', {
      category: 'usage',
    });
  }
  if (options.sign !== undefined && !options.record) {
    throw usageError(
      'FLAGS_CONFLICT',
      '--sign needs --record',
      'check --record --sign KEY signs the recorded decision.',
    );
  }
  if (options.sign === undefined && (options.cert ?? options.signFormat) !== undefined) {
    throw usageError('FLAGS_CONFLICT', '--cert and --sign-format need --sign KEY', undefined);
  }
  let policyBytes: Uint8Array;
  try {
    policyBytes = await readFile(options.policy);
  } catch (error) {
    throw usageError(
      'POLICY_UNREADABLE',
      `cannot read the policy "${options.policy}": ${(error as Error).message}`,
      undefined,
      error,
    );
  }
  const policy = parseGatePolicy(policyBytes, options.policy);
  const cel = await compilePolicyCel(policy, options.policy);
  const verifier = await gateVerifier(policy, options.policy, options, context);
  // The signing key is loaded before any request (a bad key or passphrase fails early).
  const signing = await versionSigningFromFlags(options, context);
  const opened = await context.openImage(options.image);
  const { decision, record, recorded, signed } = await checkAndRecord({
    repository: opened.repository,
    reference: opened.target,
    image: opened.display,
    policy,
    policyFile: options.policy,
    cel,
    platform: options.platform,
    allPlatforms: options.allPlatforms,
    verifier,
    now: (context.now ?? (() => new Date()))(),
    record: options.record
      ? {
          author: options.author ?? defaultAuthor(io.env),
          sign: signing?.sign(opened.repository),
        }
      : undefined,
  });
  if (context.json) {
    writeJson(io.stdout, {
      ...record,
      recorded: recorded?.version ?? null,
      ...(signed === undefined
        ? {}
        : { signature: { format: signed.format, digest: signed.signature.digest } }),
    });
  } else {
    const multi = decision.subjects.some((s) => s.platform !== undefined);
    for (const s of decision.subjects) {
      if (multi)
        writeLine(io.stdout, `${s.label} (${shortDigest(s.digest)}): ${s.allowed ? 'allow' : 'DENY'}`);
      for (const r of s.rules)
        writeLine(io.stdout, `${multi ? '  ' : ''}${r.allowed ? 'pass' : 'FAIL'}  ${r.rule}: ${r.reason}`);
    }
    const denied = decision.subjects.filter((s) => !s.allowed).map((s) => s.label);
    writeLine(
      io.stdout,
      decision.allowed
        ? `allow: ${decision.image} passes ${options.policy}`
        : `deny: ${decision.image} fails ${options.policy}${multi ? ` on ${denied.join(', ')}` : ''}`,
    );
    if (recorded !== undefined) writeLine(io.stdout, `recorded as decision version ${recorded.version}`);
    if (signed !== undefined && signing) writeLine(io.stdout, signing.line(signed));
  }
  return decision.allowed ? 0 : EXIT_CODES.denied;
}
