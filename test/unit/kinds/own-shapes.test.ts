import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalKind, latestPerGate } from '../../../src/kinds/approval.ts';
import { contactKind } from '../../../src/kinds/contact.ts';
import { deploymentKind } from '../../../src/kinds/deployment.ts';
import { lifecycleKind } from '../../../src/kinds/lifecycle.ts';
import { assertInvalid, bytes, fixture } from './support.ts';

const YAML = 'application/yaml';

describe('approval', () => {
  it('reads a YAML list of approvals for several gates', () => {
    const content = fixture('approvals.yaml');
    assert.deepEqual(approvalKind.validate(content, YAML), { format: 'approval' });
    const { approvals } = approvalKind.normalise(content, YAML);
    assert.deepEqual(approvals[1], {
      gate: 'security',
      status: 'pending',
      approver: 'security-bot@example.com',
      time: '2026-11-23T05:21:00.000Z',
      comment: null,
    });
    assert.equal(approvals.length, 4);
    assert.deepEqual(
      [...latestPerGate(approvals).values()].map((a) => [a.gate, a.status, a.approver]),
      [
        ['qa', 'approved', 'alice@example.com'],
        ['security', 'approved', 'bob@example.com'],
        ['release', 'rejected', 'carol@example.com'],
      ],
    );
    assert.deepEqual(approvalKind.summarise({ approvals }), [
      'qa: approved by alice@example.com at 2026-11-23T06:20:11.000Z (regression suite green (run 4711))',
      'security: approved by bob@example.com at 2026-11-23T09:45:00.000Z (VEX for CVE-2023-45853 reviewed)',
      'release: rejected by carol@example.com at 2026-11-23T10:02:30.250Z (waiting for the change freeze to end)',
    ]);
  });

  it('reads a single JSON approval and a bare list, whatever the media type says', () => {
    assert.deepEqual(approvalKind.normalise(fixture('approval.json'), 'application/json').approvals, [
      {
        gate: 'qa',
        status: 'approved',
        approver: 'ci@runner-7',
        time: '2026-11-23T06:20:11.482Z',
        comment: null,
      },
    ]);
    const list = '- {gate: qa, status: rejected, approver: dave, time: "2026-11-23T06:20:11Z"}\n';
    assert.equal(
      approvalKind.normalise(bytes(list), 'text/plain; charset=utf-8').approvals[0]!.status,
      'rejected',
    );
  });

  it('names the field at fault', () => {
    const bad = (text: string) => () => approvalKind.validate(bytes(text), YAML);
    assertInvalid(
      bad(
        'approvals:\n  - {gate: qa, status: approved, approver: a, time: 2026-11-23T06:20:11Z}\n  - {gate: qa, status: ok, approver: a, time: 2026-11-23T06:20:11Z}\n',
      ),
      {
        kind: 'approval',
        format: 'approval',
        pointer: '/approvals/1/status',
        message:
          'approval (approval): /approvals/1/status must be one of approved, rejected, pending (got "ok")',
      },
    );
    assertInvalid(bad('gate: qa\nstatus: approved\naprover: alice\ntime: 2026-11-23T06:20:11Z\n'), {
      kind: 'approval',
      format: 'approval',
      pointer: '/approver',
      message: /\/approver is required/,
    });
    assertInvalid(
      bad('gate: qa\nstatus: approved\napprover: alice\naprover: alice\ntime: 2026-11-23T06:20:11Z\n'),
      {
        kind: 'approval',
        format: 'approval',
        pointer: '/aprover',
        message: /\/aprover is not a known field/,
      },
    );
    assertInvalid(bad('gate: qa\nstatus: approved\napprover: alice\ntime: 2026-11-23\n'), {
      kind: 'approval',
      format: 'approval',
      pointer: '/time',
      message: /must be an RFC 3339 timestamp/,
    });
    assertInvalid(bad('approvals: []\n'), {
      kind: 'approval',
      format: 'approval',
      pointer: '/approvals',
      message: /must not be empty/,
    });
    assertInvalid(bad('gate: qa\n  status: approved\n'), {
      kind: 'approval',
      format: 'approval',
      pointer: '',
      message: /^approval \(approval\): the document is not valid JSON or YAML: /,
    });
    assertInvalid(bad('gate: qa\ngate: security\n'), {
      kind: 'approval',
      format: 'approval',
      pointer: '',
      message: /not valid JSON or YAML: .*unique/i,
    });
  });
});

describe('contact', () => {
  it('reads a contact with every way to reach the team', () => {
    const contact = contactKind.normalise(fixture('contact.yaml'), YAML);
    assert.deepEqual(contact, {
      team: 'payments',
      email: 'payments-oncall@example.com',
      chat: '#payments-oncall',
      oncall: 'https://oncall.example.com/schedules/payments',
      url: 'https://wiki.example.com/teams/payments/app',
    });
    assert.deepEqual(contactKind.summarise(contact), [
      'team payments: email payments-oncall@example.com, chat #payments-oncall, on-call https://oncall.example.com/schedules/payments, see https://wiki.example.com/teams/payments/app',
    ]);
    assert.deepEqual(contactKind.validate(bytes('{"team":"db","chat":"#db"}'), 'application/json'), {
      format: 'contact',
    });
  });

  it('requires a team and one way to reach it', () => {
    assertInvalid(() => contactKind.validate(bytes('team: payments\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '/email',
      message: 'contact (contact): /email is required: give at least one of email, chat, oncall, url',
    });
    assertInvalid(() => contactKind.validate(bytes('email: a@example.com\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '/team',
      message: /\/team is required/,
    });
    assertInvalid(() => contactKind.validate(bytes('team: payments\nemail: payments\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '/email',
      message: /must be an email address/,
    });
    assertInvalid(() => contactKind.validate(bytes('team: payments\nurl: wiki/payments\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '/url',
      message: /must be an http\(s\) URL/,
    });
    assertInvalid(() => contactKind.validate(bytes('team: payments\noncall: 5550100\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '/oncall',
      message: /must be a string \(got 5550100\)/,
    });
    assertInvalid(() => contactKind.validate(bytes('- team: payments\n'), YAML), {
      kind: 'contact',
      format: 'contact',
      pointer: '',
      message: /the document must be an object/,
    });
  });
});

describe('deployment', () => {
  it('reads deployments, active or not', () => {
    const { deployments } = deploymentKind.normalise(fixture('deployment.yaml'), YAML);
    assert.deepEqual(deployments[1], {
      environment: 'production',
      cluster: 'eu-west-1-prod',
      address: 'https://app.example.com',
      deployedAt: '2026-11-24T08:30:00.000Z',
      undeployedAt: '2026-12-01T17:00:00.000Z',
      by: 'argocd@prod',
      active: false,
    });
    assert.equal(deployments[0]!.active, true);
    assert.deepEqual(deploymentKind.summarise({ deployments }), [
      'staging (eu-west-1-staging, https://app.staging.example.com): deployed since 2026-11-23T08:00:00.000Z by argocd@staging',
      'production (eu-west-1-prod, https://app.example.com): deployed 2026-11-24T08:30:00.000Z to 2026-12-01T17:00:00.000Z by argocd@prod',
    ]);
    const single = deploymentKind.normalise(
      bytes('environment: dev\ndeployedAt: 2026-11-23T08:00:00Z\nby: me\n'),
      YAML,
    );
    assert.deepEqual(single.deployments[0], {
      environment: 'dev',
      cluster: null,
      address: null,
      deployedAt: '2026-11-23T08:00:00.000Z',
      undeployedAt: null,
      by: 'me',
      active: true,
    });
  });

  it('names the field at fault', () => {
    assertInvalid(
      () =>
        deploymentKind.validate(
          bytes(
            'environment: dev\ndeployedAt: 2026-11-23T08:00:00Z\nundeployedAt: 2026-11-22T08:00:00Z\nby: me\n',
          ),
          YAML,
        ),
      {
        kind: 'deployment',
        format: 'deployment',
        pointer: '/undeployedAt',
        message: /must not be before deployedAt/,
      },
    );
    assertInvalid(
      () =>
        deploymentKind.validate(
          bytes('deployments:\n  - environment: dev\n    deployedAt: 2026-11-23T08:00:00Z\n'),
          YAML,
        ),
      { kind: 'deployment', format: 'deployment', pointer: '/deployments/0/by', message: /is required/ },
    );
  });
});

describe('lifecycle', () => {
  it('reads the status, end of life and note', () => {
    const lifecycle = lifecycleKind.normalise(fixture('lifecycle.yaml'), YAML);
    assert.deepEqual(lifecycle, {
      status: 'deprecated',
      endOfLife: '2027-01-31',
      note: 'use registry.example.com/team/app:v2 (same API, distroless base)',
    });
    assert.deepEqual(lifecycleKind.summarise(lifecycle), [
      'deprecated, end of life 2027-01-31 (use registry.example.com/team/app:v2 (same API, distroless base))',
    ]);
    assert.deepEqual(
      lifecycleKind.normalise(
        bytes('{"status":"end-of-life","endOfLife":"2026-11-01T00:00:00+02:00"}'),
        'application/json',
      ),
      {
        status: 'end-of-life',
        endOfLife: '2026-10-31T22:00:00.000Z',
        note: null,
      },
    );
  });

  it('names the field at fault', () => {
    assertInvalid(() => lifecycleKind.validate(bytes('status: retired\n'), YAML), {
      kind: 'lifecycle',
      format: 'lifecycle',
      pointer: '/status',
      message:
        'lifecycle (lifecycle): /status must be one of active, deprecated, end-of-life, prunable (got "retired")',
    });
    assertInvalid(() => lifecycleKind.validate(bytes('status: deprecated\nendOfLife: 2027-02-30\n'), YAML), {
      kind: 'lifecycle',
      format: 'lifecycle',
      pointer: '/endOfLife',
      message: /must be a date \(2026-01-31\) or an RFC 3339 timestamp/,
    });
  });
});
