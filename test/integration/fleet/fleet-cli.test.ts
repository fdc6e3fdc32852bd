// `manifesto index sync|status|query|drop` against distribution 2.8: a prefix crawled through
// /v2/_catalog, two repositories with metadata put by manifesto, queries answered from the index
// with freshness, invalid queries refused with exit 2 and the column, a second sync that reads no
// version again, a deleted repository's image gone after the next sync, and drop.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistry, uniqueRepository } from '../../support/registries.ts';
import { failsWith, ok, okJson, runCli } from '../metadata/support/cli.ts';

const distribution = testRegistry('distribution');
const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);

if (distribution !== undefined) {
  describe('manifesto index (distribution 2.8, catalog crawl)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-cli-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const env = {
      ...process.env,
      DOCKER_CONFIG: join(dir, 'docker'),
      MANIFESTO_STATE_DIR: join(dir, 'state'),
    };
    const index = join(dir, 'fleet.db');
    const cli = (args: string[]) => runCli([...args, '--plain-http'], { env });

    it('syncs a prefix, answers queries with freshness, refuses unknown fields, revalidates cheaply', async () => {
      const prefix = uniqueRepository('fleetcli');
      const opener = createImageOpener({ plainHttp: true, manifestCacheDir: '' });
      const images: Record<string, string> = {};
      for (const name of ['api', 'web']) {
        const { repository } = await opener(`${distribution.host}/${prefix}/${name}:v1`);
        images[name] = (await pushTestImage(repository, { tag: 'v1', seed: `${prefix}-${name}` })).digest;
      }
      const ref = (name: string) => `${distribution.host}/${prefix}/${name}:v1`;
      ok(await cli(['put', ref('api'), 'vuln', fixture('trivy.json')]), 'put vuln');
      ok(await cli(['put', ref('web'), 'lifecycle', fixture('lifecycle.yaml')]), 'put lifecycle');

      const first = okJson<{ synced: Array<{ location: string; changed: number }>; requests: number }>(
        await cli(['index', 'sync', `${distribution.host}/${prefix}/`, '--index', index, '--json']),
        'index sync',
      );
      assert.deepEqual(
        first.synced.map((r) => [r.location, r.changed]),
        [
          [`${distribution.host}/${prefix}/api`, 1],
          [`${distribution.host}/${prefix}/web`, 1],
        ],
      );

      const lines = (text: Buffer) =>
        text
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map(
            (l) =>
              JSON.parse(l) as { repository: string; digest: string; checkedAt: string; types: string[] },
          );
      const critical = lines(
        Buffer.from(
          ok(await cli(['index', 'query', 'vuln.critical > 0', '--index', index, '--json']), 'query'),
        ),
      );
      assert.deepEqual(
        critical.map((i) => [i.repository, i.digest, i.types]),
        [[`${distribution.host}/${prefix}/api`, images.api, ['vuln']]],
      );
      assert.ok(!Number.isNaN(Date.parse(critical[0]!.checkedAt)), 'each row says when it was checked');
      assert.equal(
        ok(
          await cli(['index', 'query', 'lifecycle.status == "deprecated"', '--index', index, '--count']),
          'count',
        ).trim(),
        '1',
      );
      const table = ok(
        await cli([
          'index',
          'query',
          `repository.startsWith("${distribution.host}/${prefix}/")`,
          '--index',
          index,
        ]),
        'table',
      );
      assert.match(table, /^REPOSITORY\s+DIGEST\s+PLATFORM\s+TAGS\s+CHECKED/);
      assert.ok(table.includes(images.web!) && table.includes(images.api!));
      const explain = ok(
        await cli(['index', 'query', '"CVE-2024-0727" in vuln.ids && vuln.age > 1', '--explain']),
        'explain',
      );
      assert.match(explain, /sql: {8}"CVE-2024-0727" in vuln\.ids/);
      assert.match(explain, /in process: vuln\.age > 1/);

      // check --query: the gate over every image the query selects, in one process.
      const policy = join(dir, 'policy.yaml');
      writeFileSync(policy, 'version: 1\nrules:\n  - require: [vuln]\n');
      const fleetCheck = await cli([
        'check',
        '--query',
        `repository.startsWith("${distribution.host}/${prefix}/")`,
        '--policy',
        policy,
        '--index',
        index,
      ]);
      assert.equal(fleetCheck.code, 10, fleetCheck.stderr);
      assert.match(
        fleetCheck.stdout.toString(),
        new RegExp(`allow: ${distribution.host}/${prefix}/api@${images.api}`),
      );
      assert.match(
        fleetCheck.stdout.toString(),
        new RegExp(`deny: ${distribution.host}/${prefix}/web@${images.web}`),
      );
      assert.match(fleetCheck.stderr, /checked 2 images of the index: 1 allowed, 1 denied/);
      ok(
        await cli(['check', '--query', '"vuln" in types', '--policy', policy, '--index', index]),
        'check --query',
      );

      // Saved questions: flags that are CEL expressions (ANDed with each other and with EXPR).
      const digests = async (args: string[]) =>
        lines(
          Buffer.from(ok(await cli(['index', 'query', ...args, '--index', index, '--json']), args.join(' '))),
        )
          .map((i) => i.digest)
          .sort();
      assert.deepEqual(await digests(['--vulnerability', 'CVE-2024-0727']), [images.api]);
      assert.deepEqual(await digests(['--missing', 'vuln']), [images.web]);
      assert.deepEqual(await digests(['--prunable', '30']), [images.web]);
      assert.deepEqual(await digests(['--package', 'pkg:deb/debian/libssl3']), [images.api]);
      assert.deepEqual(await digests(['vuln.critical > 0', '--missing', 'vuln']), []);
      assert.match(
        ok(await cli(['index', 'query', '--missing', 'sbom', '--explain']), 'explain saved'),
        /query: {6}!\("sbom" in types\)/,
      );

      // An unknown field or a malformed expression: exit 2, the column named, nothing run.
      failsWith(
        await cli(['index', 'query', 'vuln.criticals > 0', '--index', index]),
        2,
        'unknown field',
        /column 6/,
      );
      failsWith(
        await cli(['index', 'query', 'vuln.critical >', '--index', index]),
        2,
        'malformed',
        /column 16/,
      );
      const fields = ok(await cli(['index', 'query', '--fields']), 'fields');
      assert.match(fields, /vuln\.critical\s+int/);

      // Unchanged: nothing read again; a deleted image disappears.
      const second = okJson<{ synced: Array<{ changed: number; unchanged: number }>; requests: number }>(
        await cli(['index', 'sync', `${distribution.host}/${prefix}/`, '--index', index, '--json']),
        'second sync',
      );
      assert.deepEqual(
        second.synced.map((r) => [r.changed, r.unchanged]),
        [
          [0, 1],
          [0, 1],
        ],
      );
      assert.ok(second.requests < first.requests, `${first.requests} -> ${second.requests} requests`);
      const { repository: web } = await opener(ref('web'));
      await web.deleteManifest(images.web!);
      ok(await cli(['index', 'sync', `${distribution.host}/${prefix}/web`, '--index', index]), 'sync web');
      assert.equal(
        ok(await cli(['index', 'query', 'true', '--index', index, '--count']), 'count').trim(),
        '1',
      );

      const status = okJson<{ registries: Array<{ name: string; syncedAt: string; error: string | null }> }>(
        await cli(['index', 'status', '--index', index, '--json']),
        'status',
      );
      assert.deepEqual(
        status.registries.map((r) => [r.name, r.error]),
        [[distribution.host, null]],
      );

      // A registry that fails: exit 11, its error in status; what was indexed stays.
      const failing = await cli([
        'index',
        'sync',
        `${distribution.host}/${prefix}/api`,
        '127.0.0.1:1/gone/app',
        '--index',
        index,
      ]);
      assert.equal(failing.code, 11, failing.stderr);
      assert.match(failing.stderr, /127\.0\.0\.1:1\/gone\/app: failed: REGISTRY_UNREACHABLE/);
      const after = okJson<{ registries: Array<{ name: string; error: string | null }> }>(
        await cli(['index', 'status', '--index', index, '--json']),
        'status after a failure',
      );
      assert.deepEqual(
        after.registries.map((r) => [
          r.name,
          r.error === null ? null : r.error.includes('REGISTRY_UNREACHABLE'),
        ]),
        [
          ['127.0.0.1:1', true],
          [distribution.host, null],
        ],
      );
      assert.equal(
        ok(await cli(['index', 'query', 'true', '--index', index, '--count']), 'count').trim(),
        '1',
      );
      ok(await cli(['index', 'drop', '--index', index]), 'drop');
      assert.throws(() => readFileSync(index));
      failsWith(await cli(['index', 'frobnicate']), 2, 'unknown action', /unknown action/);
    });
  });
}
