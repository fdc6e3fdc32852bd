/**
 * The `seccomp` kind: seccomp profiles as Docker, Podman (containers/common seccomp.json) and the
 * OCI runtime spec write them: `defaultAction` (required), `syscalls[]` with `names[]` and `action`,
 * `architectures` or `archMap` (optional), argument filters, `includes`/`excludes`.
 */
import { parseJson } from './input.ts';
import { type KindContext, type KindDefinition, kindInvalid } from './kind.ts';
import { lazySchema, parseWith } from './schema.ts';

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

export interface SeccompProfile {
  defaultAction: (typeof SECCOMP_ACTIONS)[number];
  defaultErrnoRet: number | null;
  /** SCMP_ARCH_* from `architectures`, or from `archMap` (with sub-architectures). */
  architectures: string[];
  flags: string[];
  /** Number of syscall rules. */
  ruleCount: number;
  /** Syscall names per action (a name may appear under several actions, with conditions). */
  syscallsByAction: Record<string, number>;
  /** Distinct syscall names across all rules. */
  syscallCount: number;
}

const seccompSchema = lazySchema((v) => {
  const whole = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(0, 'must be >= 0'));
  const arch = v.pipe(
    v.string(),
    v.check((value) => /^SCMP_ARCH_[A-Z0-9_]+$/.test(value), 'must be an SCMP_ARCH_* name'),
  );
  const filter = v.object({
    caps: v.optional(v.array(v.string())),
    arches: v.optional(v.array(v.string())),
    minKernel: v.optional(v.string()),
  });
  return v.object({
    defaultAction: v.picklist(SECCOMP_ACTIONS),
    defaultErrnoRet: v.optional(whole),
    architectures: v.optional(v.array(arch)),
    archMap: v.nullish(v.array(v.object({ architecture: arch, subArchitectures: v.nullish(v.array(arch)) }))),
    flags: v.nullish(
      v.array(
        v.pipe(
          v.string(),
          v.check(
            (value) => value.startsWith('SECCOMP_FILTER_FLAG_'),
            'must be a SECCOMP_FILTER_FLAG_* name',
          ),
        ),
      ),
    ),
    listenerPath: v.optional(v.string()),
    syscalls: v.nullish(
      v.array(
        v.object({
          names: v.pipe(
            v.array(
              v.pipe(
                v.string(),
                v.check(
                  (value) => /^[a-z0-9_]+$/.test(value),
                  'must be a syscall name (lower case, digits, _)',
                ),
              ),
            ),
            v.minLength(1, 'must not be empty'),
          ),
          action: v.picklist(SECCOMP_ACTIONS),
          errnoRet: v.optional(whole),
          args: v.nullish(
            v.array(
              v.object({
                index: v.pipe(whole, v.maxValue(5, 'must be between 0 and 5')),
                value: whole,
                valueTwo: v.optional(whole),
                op: v.picklist(SECCOMP_OPERATORS),
              }),
            ),
          ),
          comment: v.optional(v.string()),
          includes: v.optional(filter),
          excludes: v.optional(filter),
        }),
      ),
    ),
  });
});

export const seccompKind: KindDefinition<SeccompProfile> = {
  name: 'seccomp',
  aliases: [],
  description: 'seccomp profile (Docker/Podman/OCI JSON)',
  formats: ['seccomp'],
  validate(content, mediaType) {
    seccompKind.normalise(content, mediaType);
    return { format: 'seccomp' };
  },
  normalise(content) {
    const context: KindContext = { kind: 'seccomp', format: 'seccomp' };
    const profile = parseWith(seccompSchema(), parseJson(content, context), context);
    const syscalls = profile.syscalls ?? [];
    const notifies =
      profile.defaultAction === 'SCMP_ACT_NOTIFY' ||
      syscalls.some((rule) => rule.action === 'SCMP_ACT_NOTIFY');
    if (notifies && (profile.listenerPath ?? '') === '') {
      throw kindInvalid(context, ['listenerPath'], 'is required when an action is SCMP_ACT_NOTIFY');
    }
    const architectures = new Set(profile.architectures ?? []);
    for (const entry of profile.archMap ?? []) {
      architectures.add(entry.architecture);
      for (const sub of entry.subArchitectures ?? []) architectures.add(sub);
    }
    const byAction: Record<string, number> = {};
    const names = new Set<string>();
    for (const rule of syscalls) {
      byAction[rule.action] = (byAction[rule.action] ?? 0) + rule.names.length;
      for (const name of rule.names) names.add(name);
    }
    return {
      defaultAction: profile.defaultAction,
      defaultErrnoRet: profile.defaultErrnoRet ?? null,
      architectures: [...architectures],
      flags: profile.flags ?? [],
      ruleCount: syscalls.length,
      syscallsByAction: byAction,
      syscallCount: names.size,
    };
  },
  summarise(profile) {
    const errno = profile.defaultErrnoRet === null ? '' : ` (errno ${profile.defaultErrnoRet})`;
    const actions = Object.entries(profile.syscallsByAction)
      .sort((a, b) => b[1] - a[1])
      .map(([action, count]) => `${action} ${count}`)
      .join(', ');
    return [
      `default ${profile.defaultAction}${errno}; ${profile.syscallCount} syscalls in ${profile.ruleCount} rules` +
        `${actions === '' ? '' : ` (${actions})`}`,
      `architectures: ${profile.architectures.length === 0 ? 'any' : profile.architectures.join(', ')}`,
    ];
  },
};
