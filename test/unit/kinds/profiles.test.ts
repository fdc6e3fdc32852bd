import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apparmorKind } from '../../../src/kinds/apparmor.ts';
import { seccompKind } from '../../../src/kinds/seccomp.ts';
import { assertInvalid, at, bytes, fixture, mutated } from './support.ts';

describe('seccomp', () => {
  it('validates and normalises a containers/common style profile', () => {
    const content = fixture('seccomp.json');
    assert.deepEqual(seccompKind.validate(content, 'application/json'), { format: 'seccomp' });
    const profile = seccompKind.normalise(content, 'application/json');
    assert.deepEqual(profile, {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: [
        'SCMP_ARCH_X86_64',
        'SCMP_ARCH_X86',
        'SCMP_ARCH_X32',
        'SCMP_ARCH_AARCH64',
        'SCMP_ARCH_ARM',
      ],
      flags: [],
      ruleCount: 9,
      syscallsByAction: { SCMP_ACT_ERRNO: 36, SCMP_ACT_ALLOW: 100 },
      syscallCount: 135,
    });
    assert.deepEqual(seccompKind.summarise(profile), [
      'default SCMP_ACT_ERRNO (errno 38); 135 syscalls in 9 rules (SCMP_ACT_ALLOW 100, SCMP_ACT_ERRNO 36)',
      'architectures: SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM',
    ]);
  });

  it('accepts the OCI runtime spec form (architectures, flags) and a minimal profile', () => {
    const profile = seccompKind.normalise(
      bytes({
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64'],
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' }],
      }),
      'application/json',
    );
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64']);
    assert.deepEqual(profile.flags, ['SECCOMP_FILTER_FLAG_LOG']);
    assert.equal(seccompKind.normalise(bytes({ defaultAction: 'SCMP_ACT_LOG' }), '').ruleCount, 0);
  });

  it('names the field at fault', () => {
    const bad = (edit: (d: Record<string, unknown>) => void) => () =>
      seccompKind.validate(mutated('seccomp.json', edit), 'application/json');
    assertInvalid(
      bad((d) => {
        delete d.defaultAction;
      }),
      {
        kind: 'seccomp',
        format: 'seccomp',
        pointer: '/defaultAction',
        message: 'seccomp (seccomp): /defaultAction is required',
      },
    );
    assertInvalid(
      bad((d) => {
        at(d, 'syscalls', 1).action = 'SCMP_ACT_ALLOWED';
      }),
      {
        kind: 'seccomp',
        format: 'seccomp',
        pointer: '/syscalls/1/action',
        message: /must be one of SCMP_ACT_KILL, .*SCMP_ACT_NOTIFY \(got "SCMP_ACT_ALLOWED"\)/,
      },
    );
    assertInvalid(
      bad((d) => {
        at(d, 'syscalls', 2).names = [];
      }),
      { kind: 'seccomp', format: 'seccomp', pointer: '/syscalls/2/names', message: /must not be empty/ },
    );
    assertInvalid(
      bad((d) => {
        at(d, 'syscalls', 3, 'args', 0).op = 'SCMP_CMP_EQUAL';
      }),
      {
        kind: 'seccomp',
        format: 'seccomp',
        pointer: '/syscalls/3/args/0/op',
        message: /must be one of SCMP_CMP_NE/,
      },
    );
    assertInvalid(
      bad((d) => {
        at(d, 'archMap', 1).architecture = 'aarch64';
      }),
      {
        kind: 'seccomp',
        format: 'seccomp',
        pointer: '/archMap/1/architecture',
        message: /must be an SCMP_ARCH_\* name/,
      },
    );
    assertInvalid(
      bad((d) => {
        at(d, 'syscalls', 0).action = 'SCMP_ACT_NOTIFY';
      }),
      {
        kind: 'seccomp',
        format: 'seccomp',
        pointer: '/listenerPath',
        message: /is required when an action is SCMP_ACT_NOTIFY/,
      },
    );
  });
});

describe('apparmor', () => {
  it('reads the profile header, includes and rules', () => {
    const content = fixture('apparmor.profile');
    assert.deepEqual(apparmorKind.validate(content, 'text/plain; charset=utf-8'), { format: 'apparmor' });
    const profile = apparmorKind.normalise(content, 'text/plain; charset=utf-8');
    assert.deepEqual(profile.profiles, [
      { name: 'acme-app', attachment: null, flags: ['attach_disconnected', 'mediate_deleted'] },
    ]);
    assert.equal(profile.abi, 'abi/3.0');
    assert.deepEqual(profile.includes, ['tunables/global', 'abstractions/base', 'local/acme-app']);
    assert.equal(profile.ruleCount, 21);
    assert.deepEqual(apparmorKind.summarise(profile), [
      'AppArmor profile acme-app (flags attach_disconnected, mediate_deleted): 21 rules',
      'includes tunables/global, abstractions/base, local/acme-app',
    ]);
  });

  it('reads attachments and quoted names, and ignores braces in comments and strings', () => {
    const text = [
      'profile "my app" /usr/bin/my-app {  # { not a block',
      '  "/srv/odd}dir/**" r,',
      '}',
      'profile helper /usr/lib/helper flags=(complain) {',
      '}',
    ].join('\n');
    assert.deepEqual(apparmorKind.normalise(bytes(text), 'text/plain').profiles, [
      { name: 'my app', attachment: '/usr/bin/my-app', flags: [] },
      { name: 'helper', attachment: '/usr/lib/helper', flags: ['complain'] },
    ]);
  });

  it('reports the line at fault', () => {
    assertInvalid(() => apparmorKind.validate(bytes('profile app {\n  /app r,\n}\n}\n'), 'text/plain'), {
      kind: 'apparmor',
      format: 'apparmor',
      pointer: 'line 4',
      message: 'apparmor (apparmor): line 4 closes a block that was never opened ("}")',
    });
    assertInvalid(
      () => apparmorKind.validate(bytes('profile app {\n  ^hat {\n    /app r,\n}\n'), 'text/plain'),
      {
        kind: 'apparmor',
        format: 'apparmor',
        pointer: 'line 1',
        message: /line 1 opens a block \("\{"\) that is never closed/,
      },
    );
    assertInvalid(
      () => apparmorKind.validate(bytes('#include <tunables/global>\n/usr/bin/app r,\n'), 'text/plain'),
      {
        kind: 'apparmor',
        format: 'apparmor',
        pointer: '',
        message: 'apparmor (apparmor): the document must contain a "profile NAME {" block',
      },
    );
  });
});
