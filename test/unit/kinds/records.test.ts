// The merge of record kinds' versions (src/kinds/records.ts): latest entry per gate / environment
// and cluster by the entry's own time, ties to the newer version, each entry with its version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval } from '../../../src/kinds/approval.ts';
import type { Deployment } from '../../../src/kinds/deployment.ts';
import { mergeApprovals, mergeDeployments, mergeRecords } from '../../../src/kinds/records.ts';

const approval = (gate: string, status: Approval['status'], approver: string, time: string): Approval => ({
  gate,
  status,
  approver,
  time,
  comment: null,
});

const deployment = (environment: string, cluster: string | null, deployedAt: string, undeployedAt?: string) =>
  ({
    environment,
    cluster,
    address: null,
    deployedAt,
    undeployedAt: undeployedAt ?? null,
    by: 'ci',
    active: undeployedAt === undefined,
  }) satisfies Deployment;

describe('record kinds', () => {
  it('keeps the latest approval of each gate across versions, with its version', () => {
    const merged = mergeApprovals([
      {
        version: 'sha256:v3',
        normalised: { approvals: [approval('security', 'approved', 'bob', '2026-11-23T09:00:00.000Z')] },
      },
      {
        version: 'sha256:v2',
        normalised: {
          approvals: [
            approval('qa', 'approved', 'alice', '2026-11-23T08:00:00.000Z'),
            // Written later but about an earlier time: the v3 entry stays.
            approval('security', 'rejected', 'carol', '2026-11-23T07:00:00.000Z'),
          ],
        },
      },
      {
        version: 'sha256:v1',
        normalised: { approvals: [approval('qa', 'pending', 'alice', '2026-11-23T06:00:00.000Z')] },
      },
    ]);
    assert.deepEqual(
      merged.approvals.map((a) => [a.gate, a.status, a.approver, a.version]),
      [
        ['qa', 'approved', 'alice', 'sha256:v2'],
        ['security', 'approved', 'bob', 'sha256:v3'],
      ],
    );
  });

  it('breaks equal times by the newer version, and within a version by the later entry', () => {
    const t = '2026-11-23T08:00:00.000Z';
    const merged = mergeApprovals([
      { version: 'sha256:new', normalised: { approvals: [approval('qa', 'rejected', 'dave', t)] } },
      {
        version: 'sha256:old',
        normalised: {
          approvals: [approval('qa', 'approved', 'alice', t), approval('qa', 'pending', 'erin', t)],
        },
      },
    ]);
    assert.deepEqual(
      merged.approvals.map((a) => [a.approver, a.version]),
      [['dave', 'sha256:new']],
    );
    const one = mergeApprovals([
      {
        version: 'sha256:one',
        normalised: {
          approvals: [approval('qa', 'approved', 'alice', t), approval('qa', 'pending', 'erin', t)],
        },
      },
    ]);
    assert.deepEqual(
      one.approvals.map((a) => a.approver),
      ['erin'],
    );
  });

  it('keeps the latest deployment per environment and cluster; an undeployment replaces its deployment', () => {
    const merged = mergeDeployments([
      {
        version: 'sha256:v3',
        normalised: { deployments: [deployment('staging', 'eu', '2026-11-24T00:00:00.000Z')] },
      },
      {
        version: 'sha256:v2',
        normalised: {
          deployments: [
            deployment('production', 'eu', '2026-11-20T00:00:00.000Z', '2026-11-25T00:00:00.000Z'),
          ],
        },
      },
      {
        version: 'sha256:v1',
        normalised: {
          deployments: [
            deployment('production', 'eu', '2026-11-20T00:00:00.000Z'),
            deployment('production', 'us', '2026-11-21T00:00:00.000Z'),
            deployment('production', null, '2026-11-21T00:00:00.000Z'),
          ],
        },
      },
    ]);
    assert.deepEqual(
      merged.deployments.map((d) => [d.environment, d.cluster, d.active, d.version]),
      [
        ['production', null, true, 'sha256:v1'],
        ['production', 'eu', false, 'sha256:v2'],
        ['production', 'us', true, 'sha256:v1'],
        ['staging', 'eu', true, 'sha256:v3'],
      ],
    );
  });

  it('merges only record kinds', () => {
    assert.equal(mergeRecords('vuln', []), undefined);
    assert.deepEqual(mergeRecords('approval', []), { approvals: [] });
  });
});
