// `manifesto mirror --query EXPR DST-PREFIX` on real registries: the fleet index of a distribution 2.8
// prefix picks the images with a critical vulnerability; each is copied to refreg under the prefix
// with its metadata (the scan, a signed approval and its signature); a second run copies nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { ok, runCli } from '../metadata/support/cli.ts';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);

interface MirrorLine {
  source: string;
  destination: string;
  ok: boolean;
  copied: number;
  referrers: number;
}

describe('manifesto mirror --query (distribution -> refreg)', () => {
  const distribution = requireRegistry('distribution');
  const refreg = requireRegistry('refreg');
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-mirror-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = {
    ...process.env,
    HOME: dir,
    DOCKER_CONFIG: join(dir, 'docker'),
    MANIFESTO_STATE_DIR: join(dir, 'state'),
    MANIFESTO_AUTHOR: 'ci@example.com',
  };
  const cli = (args: string[]) => runCli([...args, '--plain-http'], { env });
  const index = join(dir, 'fleet.db');

  it('copies the matching images with their metadata; a second run copies nothing', async () => {
    const prefix = uniqueRepository('mirror');
    const opener = createImageOpener({ plainHttp: true, manifestCacheDir: '' });
    for (const name of ['api', 'web']) {
      const { repository } = await opener(`${distribution.host}/${prefix}/${name}:v1`);
      await pushTestImage(repository, { tag: 'v1', seed: `${prefix}-${name}` });
    }
    const ref = (name: string) => `${distribution.host}/${prefix}/${name}:v1`;
    ok(await runCli(['key', 'generate', '--out', join(dir, 'qa')], { env }), 'key');
    ok(await cli(['put', ref('api'), 'vuln', fixture('trivy.json')]), 'put vuln');
    const approval = join(dir, 'approval.json');
    writeFileSync(approval, '{"ok":true}');
    ok(
      await cli(['put', ref('api'), 'approvals', approval, '--no-validate', '--sign', join(dir, 'qa.key')]),
      'put approvals',
    );
    ok(await cli(['put', ref('web'), 'lifecycle', fixture('lifecycle.yaml')]), 'put lifecycle');
    ok(await cli(['index', 'sync', `${distribution.host}/${prefix}/`, '--index', index]), 'index sync');

    const target = `${refreg.host}/${uniqueRepository('mirrored')}`;
    const mirror = async () =>
      ok(await cli(['mirror', '--query', 'vuln.critical > 0', target, '--index', index, '--json']), 'mirror')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as MirrorLine);
    const first = await mirror();
    assert.deepEqual(
      first.map((l) => [l.source.split('@')[0], l.destination, l.ok]),
      [[`${distribution.host}/${prefix}/api`, `${target}/${prefix}/api:v1`, true]],
    );
    // The scan, the approval and the approval's signature.
    assert.equal(first[0]!.referrers, 3);
    const listed = JSON.parse(
      ok(await cli(['list', `${target}/${prefix}/api:v1`, '--json']), 'list at DST'),
    ) as {
      types: Array<{ type: string }>;
    };
    assert.deepEqual(listed.types.map((t) => t.type).sort(), ['approvals', 'vuln']);

    const second = await mirror();
    assert.equal(second.length, 1);
    assert.equal(second[0]!.copied, 0);
    assert.equal(second[0]!.ok, true);
  });
});
