/**
 * The `approval` kind (also stored as `approvals`): manifesto's own shape for QA and release gates,
 * JSON or YAML, one approval or a list of them (`{approvals: [...]}` or a bare list).
 *
 *   gate: qa            # which gate
 *   status: approved    # approved | rejected | pending
 *   approver: alice@example.com
 *   time: 2026-11-23T06:20:11Z
 *   comment: regression suite green   # optional
 */
import { isRecord } from '../util/json-record.ts';
import { fromVersion } from './entry-version.ts';
import { parseJsonOrYaml } from './input.ts';
import type { KindContext, KindDefinition } from './kind.ts';
import { lazySchema, nonEmpty, parseWith, timestamp } from './schema.ts';
import { toUtcTimestamp } from './time.ts';

export const APPROVAL_STATUSES = ['approved', 'rejected', 'pending'] as const;

export interface Approval {
  gate: string;
  status: (typeof APPROVAL_STATUSES)[number];
  approver: string;
  /** RFC 3339 UTC with milliseconds. */
  time: string;
  comment: string | null;
}

export interface Approvals {
  approvals: Approval[];
}

const approvalSchema = lazySchema((v) =>
  v.strictObject({
    gate: nonEmpty(v),
    status: v.picklist(APPROVAL_STATUSES),
    approver: nonEmpty(v),
    time: timestamp(v),
    comment: v.optional(v.string()),
  }),
);

const approvalListSchema = lazySchema((v) =>
  v.strictObject({ approvals: v.pipe(v.array(approvalSchema()), v.minLength(1, 'must not be empty')) }),
);

function readApprovals(document: unknown, context: KindContext) {
  if (Array.isArray(document))
    return parseWith(approvalListSchema(), { approvals: document }, context).approvals;
  if (isRecord(document) && 'approvals' in document)
    return parseWith(approvalListSchema(), document, context).approvals;
  return [parseWith(approvalSchema(), document, context)];
}

/** The latest approval of each gate (by time; later in the list wins ties). */
export function latestPerGate(approvals: readonly Approval[]): Map<string, Approval> {
  const latest = new Map<string, Approval>();
  for (const approval of approvals) {
    const current = latest.get(approval.gate);
    if (current === undefined || approval.time >= current.time) latest.set(approval.gate, approval);
  }
  return latest;
}

export const approvalKind: KindDefinition<Approvals> = {
  name: 'approval',
  aliases: ['approvals'],
  description: 'gate approvals: { gate, status: approved|rejected|pending, approver, time, comment? }',
  formats: ['approval'],
  validate(content, mediaType) {
    approvalKind.normalise(content, mediaType);
    return { format: 'approval' };
  },
  normalise(content, mediaType) {
    const context: KindContext = { kind: 'approval', format: 'approval' };
    const list = readApprovals(parseJsonOrYaml(content, mediaType, context), context);
    return {
      approvals: list.map((approval) => ({
        gate: approval.gate,
        status: approval.status,
        approver: approval.approver,
        time: toUtcTimestamp(approval.time) ?? approval.time,
        comment: approval.comment ?? null,
      })),
    };
  },
  summarise(normalised) {
    return [...latestPerGate(normalised.approvals).values()].map(
      (approval) =>
        `${approval.gate}: ${approval.status} by ${approval.approver} at ${approval.time}` +
        `${approval.comment === null ? '' : ` (${approval.comment})`}${fromVersion(approval)}`,
    );
  },
};
