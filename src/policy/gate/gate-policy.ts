/**
 * The deployment policy file (docs/policy.md): YAML (or JSON), read with the YAML 1.2 core schema
 * and checked with valibot; a problem names the JSON pointer of the field at fault
 * (`deploy-policy.yaml: /rules/2/maxAge/age must be a duration such as 7d, 12h or 30m`).
 */
import { ManifestoError } from '../../errors/errors.ts';
import { parseJsonOrYaml } from '../../kinds/input.ts';
import { KindInvalidError } from '../../kinds/kind.ts';
import { lazySchema, nonEmpty, parseWith } from '../../kinds/schema.ts';
import { SEVERITIES, type Severity } from '../../kinds/vuln/types.ts';
import { isValidTypeName } from '../../metadata/type-name.ts';
import { parseDuration } from '../../util/duration.ts';

export const RULE_TYPES = [
  'require',
  'maxAge',
  'signedBy',
  'vulnerabilities',
  'approvals',
  'provenance',
  'cel',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

interface RuleBase {
  /** The rule's name in the policy, else `<type>#<position>`. */
  name: string;
}

export interface RequireRule extends RuleBase {
  type: 'require';
  types: string[];
}
export interface MaxAgeRule extends RuleBase {
  type: 'maxAge';
  /** The type whose latest version must be recent. */
  of: string;
  age: string;
  ageMs: number;
  /** `content`: the time the content states (vuln scannedAt) when it has one; `created`: the version's. */
  from: 'content' | 'created';
}
export interface SignedByRule extends RuleBase {
  type: 'signedBy';
  types: string[];
  authorities: string[];
}
export interface VulnerabilitiesRule extends RuleBase {
  type: 'vulnerabilities';
  /** No finding more severe than this. */
  maxSeverity: Severity | undefined;
  /** No finding of these severities that has a fix. */
  noFixable: Severity[];
  /** Vulnerability ids (or aliases) accepted whatever their severity. */
  allow: string[];
  /** Whether the latest `vex` version suppresses findings (default true). */
  vex: boolean;
}
export interface ApprovalsRule extends RuleBase {
  type: 'approvals';
  gates: Array<{ gate: string; approvers: string[] | undefined }>;
}
export interface ProvenanceRule extends RuleBase {
  type: 'provenance';
  builderId: string | undefined;
  sourceRepo: string | undefined;
  /**
   * The statement's subjects must include the evaluated image's digest (the platform image, or the
   * index the provenance is stored for). Default true: provenance of another image never passes.
   */
  subjectMatchesImage: boolean;
}
export interface CelRule extends RuleBase {
  type: 'cel';
  expression: string;
  message: string | undefined;
}

export type PolicyRule =
  | RequireRule
  | MaxAgeRule
  | SignedByRule
  | VulnerabilitiesRule
  | ApprovalsRule
  | ProvenanceRule
  | CelRule;

export interface GatePolicy {
  version: 1;
  name: string | undefined;
  rules: PolicyRule[];
}

const ruleSchema = lazySchema((v) => {
  const typeName = v.pipe(
    v.string(),
    v.check(isValidTypeName, 'must be a type name such as vuln, sbom or qa-approval'),
  );
  const typeNames = v.pipe(v.array(typeName), v.minLength(1, 'must list at least one type'));
  const severity = v.picklist(SEVERITIES);
  const duration = v.pipe(
    v.string(),
    v.check((value) => parseDuration(value) !== undefined, 'must be a duration such as 7d, 12h, 30m or 2w'),
  );
  return v.strictObject({
    name: v.optional(nonEmpty(v)),
    require: v.optional(typeNames),
    maxAge: v.optional(
      v.strictObject({ type: typeName, age: duration, from: v.optional(v.picklist(['content', 'created'])) }),
    ),
    signedBy: v.optional(
      v.strictObject({
        types: typeNames,
        authorities: v.pipe(v.array(nonEmpty(v)), v.minLength(1, 'must list at least one authority')),
      }),
    ),
    vulnerabilities: v.optional(
      v.strictObject({
        maxSeverity: v.optional(severity),
        noFixable: v.optional(v.array(severity)),
        allow: v.optional(v.array(nonEmpty(v))),
        vex: v.optional(v.boolean()),
      }),
    ),
    approvals: v.optional(
      v.pipe(
        v.array(v.strictObject({ gate: nonEmpty(v), approvers: v.optional(v.array(nonEmpty(v))) })),
        v.minLength(1, 'must list at least one gate'),
      ),
    ),
    provenance: v.optional(
      v.strictObject({
        builderId: v.optional(nonEmpty(v)),
        sourceRepo: v.optional(nonEmpty(v)),
        subjectMatchesImage: v.optional(v.boolean()),
      }),
    ),
    cel: v.optional(nonEmpty(v)),
    message: v.optional(nonEmpty(v)),
  });
});

const policySchema = lazySchema((v) =>
  v.strictObject({
    version: v.literal(1),
    name: v.optional(nonEmpty(v)),
    rules: v.pipe(v.array(v.unknown()), v.minLength(1, 'must list at least one rule')),
  }),
);

function policyInvalid(source: string, message: string, hint?: string): ManifestoError {
  return new ManifestoError('POLICY_INVALID', `${source}: ${message}`, {
    category: 'usage',
    hint: hint ?? 'See docs/policy.md for the policy format.',
  });
}

/** Reads a policy document; throws POLICY_INVALID (exit 2) naming the field at fault. */
export function parseGatePolicy(content: Uint8Array, source: string): GatePolicy {
  const context = { kind: 'policy' };
  let document: { version: 1; name?: string | undefined; rules: unknown[] };
  const rules: PolicyRule[] = [];
  try {
    document = parseWith(policySchema(), parseJsonOrYaml(content, 'application/yaml', context), context);
    for (const [index, raw] of document.rules.entries()) {
      const ruleContext = { kind: 'policy', pointer: `/rules/${index}` };
      const rule = parseWith(ruleSchema(), raw, ruleContext);
      const present = RULE_TYPES.filter((type) => rule[type] !== undefined);
      if (present.length !== 1) {
        throw new KindInvalidError(
          ruleContext,
          ruleContext.pointer,
          present.length === 0
            ? `must have one of ${RULE_TYPES.join(', ')}`
            : `must have only one of ${present.join(', ')} (one rule each)`,
        );
      }
      const type = present[0]!;
      if (rule.message !== undefined && type !== 'cel') {
        throw new KindInvalidError(ruleContext, `${ruleContext.pointer}/message`, 'is only for cel rules');
      }
      const name = rule.name ?? `${type}#${index + 1}`;
      rules.push(toRule(name, type, rule));
    }
  } catch (error) {
    if (error instanceof KindInvalidError) {
      throw policyInvalid(source, error.message.replace(/^policy: /, ''));
    }
    throw error;
  }
  const names = new Set<string>();
  for (const rule of rules) {
    if (names.has(rule.name)) throw policyInvalid(source, `rule name "${rule.name}" is used twice`);
    names.add(rule.name);
  }
  return { version: 1, name: document.name, rules };
}

type ParsedRule = {
  require?: string[] | undefined;
  maxAge?: { type: string; age: string; from?: 'content' | 'created' | undefined } | undefined;
  signedBy?: { types: string[]; authorities: string[] } | undefined;
  vulnerabilities?:
    | {
        maxSeverity?: Severity | undefined;
        noFixable?: Severity[] | undefined;
        allow?: string[] | undefined;
        vex?: boolean | undefined;
      }
    | undefined;
  approvals?: Array<{ gate: string; approvers?: string[] | undefined }> | undefined;
  provenance?:
    | {
        builderId?: string | undefined;
        sourceRepo?: string | undefined;
        subjectMatchesImage?: boolean | undefined;
      }
    | undefined;
  cel?: string | undefined;
  message?: string | undefined;
};

function toRule(name: string, type: RuleType, rule: ParsedRule): PolicyRule {
  switch (type) {
    case 'require':
      return { name, type, types: rule.require! };
    case 'maxAge': {
      const m = rule.maxAge!;
      return { name, type, of: m.type, age: m.age, ageMs: parseDuration(m.age)!, from: m.from ?? 'content' };
    }
    case 'signedBy':
      return { name, type, types: rule.signedBy!.types, authorities: rule.signedBy!.authorities };
    case 'vulnerabilities': {
      const v = rule.vulnerabilities!;
      return {
        name,
        type,
        maxSeverity: v.maxSeverity,
        noFixable: v.noFixable ?? [],
        allow: v.allow ?? [],
        vex: v.vex ?? true,
      };
    }
    case 'approvals':
      return { name, type, gates: rule.approvals!.map((g) => ({ gate: g.gate, approvers: g.approvers })) };
    case 'provenance':
      return {
        name,
        type,
        builderId: rule.provenance!.builderId,
        sourceRepo: rule.provenance!.sourceRepo,
        subjectMatchesImage: rule.provenance!.subjectMatchesImage ?? true,
      };
    case 'cel':
      return { name, type, expression: rule.cel!, message: rule.message };
  }
}
