// put validates content stored under a well-known kind's type name before anything is written
// (docs/kinds.md): malformed content exits 2 naming the field at fault and leaves the registry
// untouched; --no-validate stores it as given; free-form types are never validated.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage } from '../../support/images.ts';
import { backend, fixture, ok } from './support.ts';

const BAD_TRIVY = JSON.stringify({
  SchemaVersion: 2,
  Results: [
    {
      Target: 'debian 12',
      Vulnerabilities: [
        { VulnerabilityID: 'CVE-2023-1', PkgName: 'zlib', InstalledVersion: '1', Severity: 'SEVERE' },
      ],
    },
  ],
});

for (const kind of ['layout', 'distribution', 'refreg'] as const) {
  describe(`put validation on ${kind}`, () => {
    const b = backend(kind);
    after(() => b.cleanup());

    it('refuses malformed vuln content with exit 2 naming the field, and writes nothing', async () => {
      const { repository, ref } = await b.newRepository('put-invalid');
      await pushTestImage(repository, { tag: 'v1' });
      const events: RequestEvent[] = [];
      const result = await b.cli(['put', ref('v1'), 'vuln', b.file('bad.json', BAD_TRIVY)], {
        onRequest: (e) => events.push(e),
      });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /vuln \(trivy\): \/Results\/0\/Vulnerabilities\/0\/Severity must be one of/,
      );
      assert.match(result.stderr, /--no-validate/);
      assert.deepEqual(
        events.filter((e) => e.method !== 'GET' && e.method !== 'HEAD'),
        [],
        'no write request',
      );
      const listed = JSON.parse(ok(await b.cli(['list', ref('v1'), '--json']), 'list')) as {
        types: unknown[];
      };
      assert.deepEqual(listed.types, []);
    });

    it('stores malformed content with --no-validate, and valid content without it', async () => {
      const { repository, ref } = await b.newRepository('put-novalidate');
      await pushTestImage(repository, { tag: 'v1' });
      ok(
        await b.cli(['put', ref('v1'), 'vuln', b.file('bad.json', BAD_TRIVY), '--no-validate']),
        'put --no-validate',
      );
      ok(await b.cli(['put', ref('v1'), 'approvals', fixture('approvals.yaml')]), 'put approvals');
      const bad = await b.cli(['put', ref('v1'), 'approval', b.file('a.yaml', 'gate: qa\nstatus: ok\n')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /approval \(approval\): \/status must be one of approved, rejected, pending/);
      // Free-form types are stored as given.
      ok(await b.cli(['put', ref('v1'), 'vuln.raw', b.file('bad.json', BAD_TRIVY)]), 'put free-form');
      const listed = JSON.parse(ok(await b.cli(['list', ref('v1'), '--json']), 'list')) as {
        types: Array<{ type: string }>;
      };
      assert.deepEqual(listed.types.map((t) => t.type).sort(), ['approvals', 'vuln', 'vuln.raw']);
    });
  });
}
