/**
 * Evaluating a gate policy for one image (or one platform of a multi-platform image): every rule
 * gets a verdict and a reason. Pure apart from the signature verifications, which are looked up
 * (done before evaluation). Normalised content is cached per version, so index-level metadata that
 * every platform inherits is normalised once.
 */

import type { Provenance } from '../../kinds/provenance/types.ts';
import {
  isRecordKind,
  type MergedApprovals,
  mergeRecords,
  type VersionContent,
} from '../../kinds/records.ts';
import { applyVex } from '../../kinds/vex/apply.ts';
import type { VexDocument } from '../../kinds/vex/types.ts';
import { severityRank } from '../../kinds/vuln/severity.ts';
import type { VulnFinding, VulnReport } from '../../kinds/vuln/types.ts';
import { kindFor, wellKnownTypeNames } from '../../kinds/well-known.ts';
import { orderNewestFirst } from '../../metadata/ordering.ts';
import type { MetadataVersion } from '../../metadata/version.ts';
import type { Descriptor, Platform } from '../../oci/descriptor.ts';
import { formatDuration } from '../../util/duration.ts';
import type { SignatureVerification } from '../trust/verifier.ts';
import { type CompiledCel, runCel } from './cel.ts';
import type {
  ApprovalsRule,
  CelRule,
  GatePolicy,
  MaxAgeRule,
  PolicyRule,
  ProvenanceRule,
  SignedByRule,
  VulnerabilitiesRule,
} from './gate-policy.ts';
import { globMatches } from './glob.ts';

/** The latest version of a type as a subject sees it: its own, else the index's (inherited). */
export interface PresentVersion {
  type: string;
  version: MetadataVersion;
  subject: Descriptor;
  inherited: boolean;
  /** The content, when a rule needs it. */
  content: Uint8Array | undefined;
  /**
   * Record kinds (approval, deployment): the older versions of the type on the same subject, newest
   * first, whose contents are merged with this one (src/kinds/records.ts).
   */
  older?: PresentVersion[] | undefined;
}

export interface EvaluationSubject {
  /** `linux/amd64`, or the image for a single-platform image or the index. */
  label: string;
  platform: Platform | undefined;
  /** The image manifest (platform image) digest. */
  digest: string;
  reference: string;
  /** The latest version of a type name (no kind aliasing here). */
  versions: ReadonlyMap<string, PresentVersion>;
}

export interface RuleVerdict {
  rule: string;
  type: PolicyRule['type'];
  allowed: boolean;
  reason: string;
}

export interface EvaluationContext {
  now: Date;
  /** Compiled `cel` rules by rule name. */
  cel: ReadonlyMap<string, CompiledCel>;
  /** Signature verifications by version digest (absent: no verifier). */
  signatures: ReadonlyMap<string, SignatureVerification> | undefined;
  /** Normalised content by version digest (shared across subjects). */
  cache: Map<string, Normalised>;
}

export type Normalised = { ok: true; value: unknown } | { ok: false; problem: string };

/** What rules see: the evaluation context and the policy's signedBy requirements. */
interface RuleContext extends EvaluationContext {
  /**
   * Kind (or free-form type) name -> the authority lists of the signedBy rules naming it: a version
   * of a record kind counts only when signed by one authority of each list.
   */
  signedTypes: ReadonlyMap<string, readonly (readonly string[])[]>;
}

function signedTypesOf(policy: GatePolicy): Map<string, (readonly string[])[]> {
  const signed = new Map<string, (readonly string[])[]>();
  for (const rule of policy.rules)
    if (rule.type === 'signedBy')
      for (const type of rule.types) {
        const name = kindFor(type)?.name ?? type;
        signed.set(name, [...(signed.get(name) ?? []), rule.authorities]);
      }
  return signed;
}

/** Type names that mean `name`: the kind's name and aliases, or the free-form name itself. */
export function typeNamesFor(name: string): string[] {
  const kind = kindFor(name);
  return kind === undefined ? [name] : [kind.name, ...kind.aliases];
}

/** The newest present version among a kind's type names. */
export function findVersion(subject: EvaluationSubject, name: string): PresentVersion | undefined {
  let best: PresentVersion | undefined;
  for (const type of typeNamesFor(name)) {
    const present = subject.versions.get(type);
    if (present === undefined) continue;
    if (best === undefined || present.version.created > best.version.created) best = present;
  }
  return best;
}

function where(present: PresentVersion): string {
  return present.inherited ? ' (inherited from the index)' : '';
}

export function normalise(present: PresentVersion, context: EvaluationContext): Normalised {
  const digest = present.version.digest;
  const cached = context.cache.get(digest);
  if (cached !== undefined) return cached;
  const kind = kindFor(present.type);
  let result: Normalised;
  if (kind === undefined) result = { ok: false, problem: `${present.type} is not a well-known kind` };
  else if (present.content === undefined)
    result = { ok: false, problem: `${present.type} content was not fetched` };
  else {
    try {
      result = { ok: true, value: kind.normalise(present.content, present.version.content?.mediaType ?? '') };
    } catch (error) {
      result = { ok: false, problem: error instanceof Error ? error.message : String(error) };
    }
  }
  context.cache.set(digest, result);
  return result;
}

type Verdict = { allowed: boolean; reason: string };
const allow = (reason: string): Verdict => ({ allowed: true, reason });
const deny = (reason: string): Verdict => ({ allowed: false, reason });

function contentOf<T>(subject: EvaluationSubject, name: string, context: EvaluationContext): T | Verdict {
  const present = findVersion(subject, name);
  if (present === undefined) return deny(`no ${name} metadata`);
  const normalised = normalise(present, context);
  if (!normalised.ok)
    return deny(`${name} ${present.version.digest.slice(0, 19)} is invalid: ${normalised.problem}`);
  return normalised.value as T;
}

/** Every version of a record kind's type names, newest first (the latest of each type and its older ones). */
function recordVersions(subject: EvaluationSubject, name: string): PresentVersion[] {
  const all = new Map<string, PresentVersion>();
  for (const type of typeNamesFor(name)) {
    const present = subject.versions.get(type);
    if (present === undefined) continue;
    for (const p of [present, ...(present.older ?? [])]) all.set(p.version.digest, p);
  }
  return orderNewestFirst([...all.values()].map((p) => p.version)).map((v) => all.get(v.digest)!);
}

/**
 * The merged content of a record kind (latest entry per gate / environment across its versions).
 * Under a signedBy rule for the kind, only versions signed by one of its authorities count.
 * Versions whose content is invalid are left out and counted in `ignored`.
 */
function recordsOf<T>(
  subject: EvaluationSubject,
  name: string,
  context: RuleContext,
): { merged: T; ignored: string[] } | Verdict {
  const versions = recordVersions(subject, name);
  if (versions.length === 0) return deny(`no ${name} metadata`);
  const required = context.signedTypes.get(kindFor(name)?.name ?? name) ?? [];
  const ignored: string[] = [];
  const sources: VersionContent<unknown>[] = [];
  for (const present of versions) {
    const short = present.version.digest.slice(0, 19);
    const by = context.signatures?.get(present.version.digest)?.authorities ?? [];
    const unmet = required.find((authorities) => !by.some((a) => authorities.includes(a)));
    if (unmet !== undefined) {
      ignored.push(`${short} not signed by ${unmet.join(' or ')}`);
      continue;
    }
    const normalised = normalise(present, context);
    if (!normalised.ok) ignored.push(`${short} invalid: ${normalised.problem}`);
    else sources.push({ version: present.version.digest, normalised: normalised.value });
  }
  if (sources.length === 0) return deny(`no usable ${name} version: ${ignored.join('; ')}`);
  return { merged: mergeRecords(kindFor(name)!.name, sources) as T, ignored };
}

function isVerdict(value: unknown): value is Verdict {
  return typeof value === 'object' && value !== null && 'allowed' in value && 'reason' in value;
}

function requireRule(types: readonly string[], subject: EvaluationSubject): Verdict {
  const missing = types.filter((name) => findVersion(subject, name) === undefined);
  if (missing.length > 0) return deny(`missing: ${missing.join(', ')}`);
  return allow(`present: ${types.join(', ')}`);
}

function maxAgeRule(rule: MaxAgeRule, subject: EvaluationSubject, context: EvaluationContext): Verdict {
  const present = findVersion(subject, rule.of);
  if (present === undefined) return deny(`no ${rule.of} metadata`);
  let time = present.version.created;
  let source = 'stored';
  if (rule.from === 'content' && kindFor(present.type)?.name === 'vuln') {
    const normalised = normalise(present, context);
    if (!normalised.ok) return deny(`${rule.of} is invalid: ${normalised.problem}`);
    const scannedAt = (normalised.value as VulnReport).scannedAt;
    if (scannedAt !== null) {
      time = Date.parse(scannedAt);
      source = 'scanned';
    }
  }
  if (Number.isNaN(time)) return deny(`${rule.of} has no creation time`);
  const age = context.now.getTime() - time;
  const when = `${source} ${new Date(time).toISOString()}${where(present)}`;
  return age <= rule.ageMs
    ? allow(`${rule.of} ${when}, ${formatDuration(age)} ago (max ${rule.age})`)
    : deny(`${rule.of} ${when}, ${formatDuration(age)} ago: older than ${rule.age}`);
}

function signedByRule(rule: SignedByRule, subject: EvaluationSubject, context: EvaluationContext): Verdict {
  if (context.signatures === undefined) {
    return deny('signatures cannot be verified: no signature verifier is configured');
  }
  const problems: string[] = [];
  const good: string[] = [];
  for (const name of rule.types) {
    const present = findVersion(subject, name);
    if (present === undefined) {
      problems.push(`no ${name} metadata`);
      continue;
    }
    const verification = context.signatures.get(present.version.digest);
    const by = verification?.authorities.filter((a) => rule.authorities.includes(a)) ?? [];
    // A problem of the signed chain (a newer version that does not verify, a rollback) denies too.
    if (by.length === 0 || verification?.problem !== undefined) {
      problems.push(
        `${name}${where(present)} not signed by ${rule.authorities.join(' or ')}: ${verification?.problem ?? verification?.reason ?? 'not verified'}`,
      );
    } else good.push(`${name} by ${by.join(', ')}`);
  }
  return problems.length > 0 ? deny(problems.join('; ')) : allow(`signed: ${good.join('; ')}`);
}

function findingName(f: VulnFinding): string {
  return `${f.id} (${f.severity}) in ${f.package.name} ${f.package.version}`;
}

function vulnerabilitiesRule(
  rule: VulnerabilitiesRule,
  subject: EvaluationSubject,
  context: EvaluationContext,
): Verdict {
  const report = contentOf<VulnReport>(subject, 'vuln', context);
  if (isVerdict(report)) return report;
  let findings = report.findings;
  const notes: string[] = [];
  if (rule.vex) {
    const vexPresent = findVersion(subject, 'vex');
    if (vexPresent !== undefined) {
      const vex = contentOf<VexDocument>(subject, 'vex', context);
      if (isVerdict(vex)) return vex;
      const applied = applyVex(findings, [vex], { imageDigest: subject.digest });
      findings = applied.findings;
      if (applied.suppressed.length > 0) notes.push(`${applied.suppressed.length} suppressed by VEX`);
    }
  }
  const allowed = new Set(rule.allow);
  const before = findings.length;
  findings = findings.filter((f) => !allowed.has(f.id) && !f.aliases.some((a) => allowed.has(a)));
  if (findings.length < before) notes.push(`${before - findings.length} allowed by the policy`);
  const offending: VulnFinding[] = [];
  const problems: string[] = [];
  if (rule.maxSeverity !== undefined) {
    const limit = severityRank(rule.maxSeverity);
    // 'unknown' is ranked after every known severity: it never exceeds a limit.
    const over = findings.filter((f) => f.severity !== 'unknown' && severityRank(f.severity) < limit);
    if (over.length > 0) problems.push(`${over.length} above ${rule.maxSeverity}`);
    offending.push(...over);
  }
  if (rule.noFixable.length > 0) {
    const fixable = findings.filter((f) => f.fixAvailable && rule.noFixable.includes(f.severity));
    if (fixable.length > 0) problems.push(`${fixable.length} fixable ${rule.noFixable.join('/')}`);
    offending.push(...fixable.filter((f) => !offending.includes(f)));
  }
  const suffix = notes.length > 0 ? ` (${notes.join(', ')})` : '';
  if (problems.length > 0) {
    const shown = offending.slice(0, 5).map(findingName);
    const more = offending.length > 5 ? `, +${offending.length - 5} more` : '';
    return deny(`${problems.join(', ')}: ${shown.join(', ')}${more}${suffix}`);
  }
  return allow(`${findings.length} findings within limits${suffix}`);
}

function approvalsRule(rule: ApprovalsRule, subject: EvaluationSubject, context: RuleContext): Verdict {
  const records = recordsOf<MergedApprovals>(subject, 'approval', context);
  if (isVerdict(records)) return records;
  const latest = new Map(records.merged.approvals.map((a) => [a.gate, a]));
  const problems: string[] = [];
  const passed: string[] = [];
  for (const { gate, approvers } of rule.gates) {
    const a = latest.get(gate);
    if (a === undefined) problems.push(`${gate}: no approval`);
    else if (a.status !== 'approved') problems.push(`${gate}: ${a.status} by ${a.approver}`);
    else if (approvers !== undefined && !approvers.includes(a.approver))
      problems.push(`${gate}: approved by ${a.approver}, not by ${approvers.join(' or ')}`);
    else passed.push(`${gate} by ${a.approver}`);
  }
  const ignored = records.ignored.length > 0 ? ` (ignored: ${records.ignored.join('; ')})` : '';
  return problems.length > 0
    ? deny(`${problems.join('; ')}${ignored}`)
    : allow(`approved: ${passed.join(', ')}${ignored}`);
}

function provenanceRule(
  rule: ProvenanceRule,
  subject: EvaluationSubject,
  context: EvaluationContext,
): Verdict {
  const provenance = contentOf<Provenance>(subject, 'provenance', context);
  if (isVerdict(provenance)) return provenance;
  const problems: string[] = [];
  if (rule.subjectMatchesImage) {
    // The platform image, or the manifest the provenance is stored for (the index when inherited).
    const accepted = new Set([subject.digest, findVersion(subject, 'provenance')?.subject.digest]);
    const digests = provenance.subjects.flatMap((s) => s.digests);
    if (!digests.some((d) => accepted.has(d)))
      problems.push(
        `the provenance is about ${digests.length === 0 ? 'no digest' : digests.slice(0, 3).join(', ')}${digests.length > 3 ? ', ...' : ''}, not ${subject.digest}`,
      );
  }
  if (rule.builderId !== undefined && !globMatches(rule.builderId, provenance.builderId))
    problems.push(`builder ${provenance.builderId} does not match ${rule.builderId}`);
  if (rule.sourceRepo !== undefined) {
    if (provenance.sourceRepo === null) problems.push('the provenance names no source repository');
    else if (!globMatches(rule.sourceRepo, provenance.sourceRepo))
      problems.push(`source ${provenance.sourceRepo} does not match ${rule.sourceRepo}`);
  }
  return problems.length > 0
    ? deny(problems.join('; '))
    : allow(`built by ${provenance.builderId} from ${provenance.sourceRepo ?? 'an unnamed source'}`);
}

function celRule(rule: CelRule, subject: EvaluationSubject, context: RuleContext): Verdict {
  const compiled = context.cel.get(rule.name);
  if (compiled === undefined) return deny('the expression was not compiled');
  const variables: Record<string, unknown> = {
    image: {
      digest: subject.digest,
      reference: subject.reference,
      platform: subject.platform === undefined ? null : subject.label,
    },
  };
  for (const name of wellKnownTypeNames()) {
    if (isRecordKind(kindFor(name)!.name)) {
      const records = recordsOf(subject, name, context);
      variables[name] = isVerdict(records) ? null : records.merged;
      continue;
    }
    const present = findVersion(subject, name);
    if (present === undefined || present.content === undefined) {
      variables[name] = null;
      continue;
    }
    const normalised = normalise(present, context);
    variables[name] = normalised.ok ? normalised.value : null;
  }
  const outcome = runCel(compiled, variables);
  if (outcome === true) return allow(`${rule.expression} is true`);
  if (outcome === false) return deny(rule.message ?? `${rule.expression} is false`);
  return deny(`${rule.expression} could not be evaluated: ${outcome}`);
}

function evaluateRule(rule: PolicyRule, subject: EvaluationSubject, context: RuleContext): Verdict {
  switch (rule.type) {
    case 'require':
      return requireRule(rule.types, subject);
    case 'maxAge':
      return maxAgeRule(rule, subject, context);
    case 'signedBy':
      return signedByRule(rule, subject, context);
    case 'vulnerabilities':
      return vulnerabilitiesRule(rule, subject, context);
    case 'approvals':
      return approvalsRule(rule, subject, context);
    case 'provenance':
      return provenanceRule(rule, subject, context);
    case 'cel':
      return celRule(rule, subject, context);
  }
}

export interface SubjectDecision {
  label: string;
  platform: Platform | undefined;
  digest: string;
  allowed: boolean;
  rules: RuleVerdict[];
}

export function evaluateSubject(
  policy: GatePolicy,
  subject: EvaluationSubject,
  context: EvaluationContext,
): SubjectDecision {
  const ruleContext: RuleContext = { ...context, signedTypes: signedTypesOf(policy) };
  const rules = policy.rules.map((rule) => ({
    rule: rule.name,
    type: rule.type,
    ...evaluateRule(rule, subject, ruleContext),
  }));
  return {
    label: subject.label,
    platform: subject.platform,
    digest: subject.digest,
    allowed: rules.every((r) => r.allowed),
    rules,
  };
}
