// put validates content stored under a well-known kind's type name before anything is written
// (docs/kinds.md): malformed content exits 2 naming the field at fault and leaves the registry
// untouched; --no-validate stores it as given; free-form types are never validated.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage } from '../../support/images.ts';
import { runCli } from './cli-assertions.ts';
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

    it('warns about a typo of a well-known type name (did you mean?); --strict-types refuses it, writing nothing', async () => {
      const { repository, ref } = await b.newRepository('put-typo');
      await pushTestImage(repository, { tag: 'v1' });
      const events: RequestEvent[] = [];
      const strict = await b.cli(['put', ref('v1'), 'secomp', fixture('seccomp.json'), '--strict-types'], {
        onRequest: (e) => events.push(e),
      });
      assert.equal(strict.code, 2, strict.stderr);
      assert.match(strict.stderr, /"secomp" is not a well-known type; did you mean "seccomp"\?/);
      assert.match(strict.stderr, /TYPE_NAME_TYPO|hint: Use "seccomp"/);
      assert.deepEqual(events, [], 'refused before any request');

      const warned = await b.cli(['put', ref('v1'), 'secomp', fixture('seccomp.json')]);
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(warned.stderr, /^warning: "secomp" is not a well-known type; did you mean "seccomp"\?/m);
      const clean = await b.cli(['put', ref('v1'), 'seccomp', fixture('seccomp.json'), '--strict-types']);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(clean.stderr, '');
      const free = await b.cli([
        'put',
        ref('v1'),
        'qa-notes',
        b.file('notes.txt', 'fine\n'),
        '--strict-types',
      ]);
      assert.equal(free.code, 0, free.stderr);
      assert.equal(free.stderr, '');
      const listed = JSON.parse(ok(await b.cli(['list', ref('v1'), '--json']), 'list')) as {
        types: Array<{ type: string }>;
      };
      assert.deepEqual(listed.types.map((t) => t.type).sort(), ['qa-notes', 'seccomp', 'secomp']);
    });

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

describe('MANIFESTO_STRICT_TYPES', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'manifesto-strict-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('refuses a typo of a well-known type name in put and put --from, writing nothing', async () => {
    const path = join(scratch, 'app');
    await pushTestImage(await openLayout(path, { create: true }), { tag: 'v1' });
    const env = { MANIFESTO_STRICT_TYPES: '1', MANIFESTO_AUTHOR: 'ci@example.com' };
    const single = await runCli(['put', `oci:${path}:v1`, 'provenence', fixture('provenance-slsa-v1.json')], {
      env,
    });
    assert.equal(single.code, 2, single.stderr);
    assert.match(single.stderr, /did you mean "provenance"\?/);
    const ops = join(scratch, 'ops.jsonl');
    writeFileSync(
      ops,
      `${JSON.stringify({ image: `oci:${path}:v1`, type: 'seccomp', file: fixture('seccomp.json') })}\n` +
        `${JSON.stringify({ image: `oci:${path}:v1`, type: 'vulns', file: fixture('trivy.json') })}\n`,
    );
    const bulk = await runCli(['put', '--from', ops], { env });
    assert.equal(bulk.code, 2, bulk.stderr);
    assert.match(bulk.stderr, /did you mean "vuln"\?/);
    const listed = await runCli(['list', `oci:${path}:v1`, '--json'], { env });
    assert.deepEqual((JSON.parse(listed.stdout) as { types: unknown[] }).types, []);
    const off = await runCli(['put', `oci:${path}:v1`, 'vulns', fixture('trivy.json')], {
      env: { ...env, MANIFESTO_STRICT_TYPES: '0' },
    });
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stderr, /^warning: "vulns" is not a well-known type; did you mean "vuln"\?/m);
  });
});
