/**
 * Check with record: the gate's decision (gate.ts) stored as a `decision` version of the image it
 * was made for, optionally signed, so that a later reader (an audit, the fleet index, the next
 * deployment) sees which policy allowed or denied which digest, when, and why, rule by rule. The
 * record's JSON is the same whichever front end records it (`check --record`, the library's check
 * with `record`): it is also what `check --json` prints.
 */
import type { Repository } from '../../content/repository.ts';
import { prepareStream } from '../../metadata/content-source.ts';
import { type PutResult, putMetadata } from '../../metadata/put.ts';
import type { Descriptor } from '../../oci/descriptor.ts';
import type { CompiledCel } from './cel.ts';
import { type CheckDecision, type CheckOptions, checkImage, compilePolicyCel } from './gate.ts';

/** The recorded decision (one entry per platform of a multi-platform image). */
export interface DecisionRecord {
  image: string;
  subject: { mediaType: string; digest: string; size: number };
  policy: { file: string; name: string | null };
  decision: 'allow' | 'deny';
  checkedAt: string;
  platforms: Array<{
    platform: string | null;
    digest: string;
    decision: 'allow' | 'deny';
    rules: Array<{ rule: string; type: string; verdict: 'pass' | 'fail'; reason: string }>;
  }>;
}

/** The largest decision record stored (a policy of many rules on many platforms stays far below). */
const MAX_RECORD_BYTES = 1024 * 1024;

export function decisionRecord(
  decision: CheckDecision,
  policyFile: string,
  policyName: string | undefined,
  now: Date,
): DecisionRecord {
  const subject: Descriptor = decision.subject;
  return {
    image: decision.image,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    policy: { file: policyFile, name: policyName ?? null },
    decision: decision.allowed ? 'allow' : 'deny',
    checkedAt: now.toISOString(),
    platforms: decision.subjects.map((s) => ({
      platform: s.platform === undefined ? null : s.label,
      digest: s.digest,
      decision: s.allowed ? 'allow' : 'deny',
      rules: s.rules.map((r) => ({
        rule: r.rule,
        type: r.type,
        verdict: r.allowed ? 'pass' : 'fail',
        reason: r.reason,
      })),
    })),
  };
}

export interface RecordOptions<S> {
  author?: string | undefined;
  /** Signs the stored decision version (e.g. policy/trust/signer.ts's signStoredVersion). */
  sign?: ((version: string) => Promise<S>) | undefined;
}

export interface RecordedCheck<S> {
  decision: CheckDecision;
  record: DecisionRecord;
  /** The stored `decision` version, when recorded. */
  recorded: PutResult | undefined;
  signed: S | undefined;
}

/**
 * Checks the image against the policy and, with `record`, stores the decision as metadata of the
 * image the reference names (the index of a multi-platform image). The CEL of the policy is compiled
 * before any request.
 */
export async function checkAndRecord<S = never>(
  options: Omit<CheckOptions, 'repository'> & {
    /** The image's repository (written to when recording). */
    repository: Repository;
    /** How messages and the record name the policy (default: its name). */
    policyFile?: string | undefined;
    /** The policy's CEL, when the caller compiled it already (before its other checks). */
    cel?: ReadonlyMap<string, CompiledCel> | undefined;
    record?: RecordOptions<S> | undefined;
  },
): Promise<RecordedCheck<S>> {
  const policyFile = options.policyFile ?? options.policy.name ?? 'the policy';
  const cel = options.cel ?? (await compilePolicyCel(options.policy, policyFile));
  const now = options.now ?? new Date();
  const decision = await checkImage({ ...options, now }, cel);
  const record = decisionRecord(decision, policyFile, options.policy.name, now);
  if (options.record === undefined) return { decision, record, recorded: undefined, signed: undefined };
  const content = await prepareStream(
    [`${JSON.stringify(record, null, 2)}\n`],
    MAX_RECORD_BYTES,
    'the decision',
  );
  let recorded: PutResult;
  try {
    recorded = await putMetadata({
      repository: options.repository,
      reference: options.reference,
      type: 'decision',
      content,
      mediaType: 'application/json',
      author: options.record.author,
      subject: decision.subject,
      now: () => now,
    });
  } finally {
    await content.dispose();
  }
  const signed = options.record.sign === undefined ? undefined : await options.record.sign(recorded.version);
  return { decision, record, recorded, signed };
}
