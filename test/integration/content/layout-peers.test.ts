// OCI image layouts that manifesto wrote metadata into stay readable by the tools that take a
// layout's image: skopeo (`oci:DIR`, `oci:DIR:TAG`), crane (`crane push DIR`, one entry only) and
// umoci (ls, stat, unpack), after put, put --sign, delete and prune. Also: layouts without tag names
// (`crane pull --format oci`), `manifesto images`, `oci:DIR` choosing the only image, layouts written
// by the older manifesto (untagged referrer entries) and entries oras adds.
// Real peers throughout; the image is a real one-file tar image pushed with `crane append` to refreg.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PeerName, runPeer } from '../../support/peers.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { type CliResult, runCli } from '../metadata/support/cli.ts';

interface IndexJson {
  manifests: Array<{ digest: string; artifactType?: string; annotations?: Record<string, string> }>;
}

const registry = requireRegistry('refreg');
let dir = '';
let image = ''; // the image in the registry: host/repo:v1
let imageDigest = '';

async function peer(name: PeerName, args: string[], cwd = dir): Promise<string> {
  const result = await runPeer(name, args, { cwd });
  assert.equal(result.code, 0, `${name} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { ...process.env, MANIFESTO_AUTHOR: 'tester@example.com', ...env } });
}

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const result = await cli(args, env);
  assert.equal(result.code, 0, `manifesto ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.toString('utf8');
}

async function indexOf(layout: string): Promise<IndexJson> {
  return JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as IndexJson;
}

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

/** put, put --sign, a second put, delete and prune: every kind of manifesto write. */
async function writeMetadata(ref: string): Promise<void> {
  const info = await file('info.json', '{"build":1}\n');
  const log = await file('build.log', 'built\n');
  await ok(['put', ref, 'build-info', info]);
  await ok(['put', ref, 'build-info', info, '--sign', join(dir, 'k.key')]);
  await ok(['put', ref, 'build-log', log]);
  await ok(['put', ref, 'build-log', log]);
  await ok(['delete', ref, 'build-log']);
  await ok(['prune', ref, '--keep', '1']);
}

/** What other tools need: index.json has the image's entry only, and crane push/skopeo work. */
async function assertReadableByPeers(layout: string, skopeoRef: string): Promise<void> {
  assert.deepEqual(
    (await indexOf(layout)).manifests.map((m) => m.digest),
    [imageDigest],
  );
  const pushed = `${registry.host}/${uniqueRepository('layout-pushed')}:v1`;
  await peer('crane', ['push', '--insecure', layout, pushed]);
  assert.equal((await peer('crane', ['digest', '--insecure', pushed])).trim(), imageDigest);
  const inspected = JSON.parse(await peer('skopeo', ['inspect', skopeoRef])) as { Digest: string };
  assert.equal(inspected.Digest, imageDigest);
  const other = join(dir, `copy-${Date.now()}`);
  await peer('skopeo', ['--insecure-policy', 'copy', '-q', skopeoRef, `oci:${other}:v1`]);
}

describe('OCI layouts after manifesto writes, read by skopeo, crane and umoci', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'manifesto-layout-peers-'));
    await writeFile(join(dir, 'hello.txt'), 'hello from a real layer\n');
    execFileSync('tar', ['-C', dir, '-cf', join(dir, 'layer.tar'), 'hello.txt']);
    image = `${registry.host}/${uniqueRepository('layout-peers')}:v1`;
    await peer('crane', ['append', '--insecure', '--oci-empty-base', '-f', 'layer.tar', '-t', image]);
    // umoci unpack needs the config's platform (the empty base has none).
    await peer('crane', ['mutate', '--insecure', '--set-platform', 'linux/amd64', '-t', image, image]);
    imageDigest = (await peer('crane', ['digest', '--insecure', image])).trim();
    await ok(['key', 'generate', '--out', join(dir, 'k')]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a layout without tag names (crane pull --format oci): images lists it, oci:DIR is its only image, crane push and skopeo oci:DIR work after every write', async () => {
    const layout = join(dir, 'pulled');
    await peer('crane', ['pull', '--insecure', '--format', 'oci', image, layout]);
    assert.equal((await indexOf(layout)).manifests[0]?.annotations, undefined, 'crane writes no ref.name');

    const images = JSON.parse(await ok(['images', `oci:${layout}`, '--json'])) as {
      images: Array<{ digest: string; names: string[] }>;
    };
    assert.deepEqual(
      images.images.map((i) => [i.digest, i.names]),
      [[imageDigest, []]],
    );

    await writeMetadata(`oci:${layout}`);
    const listed = JSON.parse(await ok(['list', `oci:${layout}`, '--json'])) as {
      subject: { digest: string };
      types: Array<{ type: string; count: number }>;
    };
    assert.equal(listed.subject.digest, imageDigest);
    assert.deepEqual(
      listed.types.map((t) => [t.type, t.count]),
      [
        ['build-info', 1],
        ['build-log', 1],
      ],
    );
    await assertReadableByPeers(layout, `oci:${layout}`);
  });

  it('a tagged layout (skopeo copy): umoci ls/stat/unpack, skopeo oci:DIR:TAG and crane push work after every write', async () => {
    const layout = join(dir, 'tagged');
    await peer('skopeo', [
      '--insecure-policy',
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${image}`,
      `oci:${layout}:v1`,
    ]);
    await writeMetadata(`oci:${layout}:v1`);
    await assertReadableByPeers(layout, `oci:${layout}:v1`);

    assert.deepEqual((await peer('umoci', ['ls', '--layout', layout])).trim().split('\n'), ['v1']);
    assert.match(await peer('umoci', ['stat', '--image', `${layout}:v1`]), /hello\.txt|LAYER|Layer/i);
    const bundle = join(dir, 'bundle');
    await peer('umoci', ['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    assert.equal(await readFile(join(bundle, 'rootfs', 'hello.txt'), 'utf8'), 'hello from a real layer\n');
  });

  it('a layout the older manifesto wrote (untagged referrer entries) is migrated by the next write; entries oras adds stay', async () => {
    const layout = join(dir, 'older');
    await peer('crane', ['pull', '--insecure', '--format', 'oci', image, layout]);
    const info = await file('older.json', '{"older":true}\n');
    // As the older manifesto wrote: one untagged index.json entry per referrer (still selectable).
    await ok(['put', `oci:${layout}`, 'build-info', info, '--sign', join(dir, 'k.key')], {
      MANIFESTO_LAYOUT_REFERRERS: 'listed',
    });
    assert.equal((await indexOf(layout)).manifests.length, 3, 'image, version and its signature');
    const refused = await runPeer('crane', ['push', '--insecure', layout, `${registry.host}/x/y:z`]);
    assert.match(refused.stderr, /layout contains 3 entries/);

    // oras attaches with an untagged entry of its own: not manifesto's, so it stays.
    await writeFile(join(dir, 'note.txt'), 'an oras note\n');
    const orasLayout = `${layout}@${imageDigest}`;
    await peer('oras', [
      'attach',
      '--oci-layout',
      '--artifact-type',
      'application/x-note',
      orasLayout,
      'note.txt',
    ]);
    // oras rewrites index.json from a Go map: its entry's position varies from run to run.
    const orasEntry = (await indexOf(layout)).manifests.find(
      (m) => m.artifactType === 'application/x-note',
    )?.digest;
    assert.ok(orasEntry, 'oras added an entry with its artifact type');

    // Still read (tolerated), then migrated by the next write.
    const before = JSON.parse(await ok(['list', `oci:${layout}@${imageDigest}`, '--json'])) as {
      types: Array<{ type: string }>;
    };
    assert.ok(before.types.some((t) => t.type === 'build-info'));
    await ok(['put', `oci:${layout}@${imageDigest}`, 'build-log', await file('l.log', 'log\n')]);
    assert.deepEqual(
      (await indexOf(layout)).manifests.map((m) => m.digest).sort(),
      [imageDigest, orasEntry].sort(),
    );
    const after = JSON.parse(await ok(['list', `oci:${layout}@${imageDigest}`, '--json'])) as {
      types: Array<{ type: string; count: number }>;
    };
    assert.deepEqual(after.types.map((t) => t.type).sort(), [
      'application/x-note',
      'build-info',
      'build-log',
    ]);
    const discovered = JSON.parse(
      await peer('oras', ['discover', '--oci-layout', '--format', 'json', orasLayout]),
    ) as { referrers?: Array<{ digest: string }> };
    assert.deepEqual(
      discovered.referrers?.map((r) => r.digest),
      [orasEntry],
    );
  });

  it('oci:DIR with several images and no latest tag is refused, naming them; images lists them', async () => {
    const layout = join(dir, 'two');
    await peer('skopeo', [
      '--insecure-policy',
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${image}`,
      `oci:${layout}:a`,
    ]);
    const info = await file('two.json', '{"two":1}\n');
    await ok(['put', `oci:${layout}:a`, 'build-info', info]);
    // A second image: the first one's config as a one-layer image of its own, tagged b by oras.
    await writeFile(join(dir, 'other.txt'), 'another artifact\n');
    await peer('oras', [
      'push',
      '--oci-layout',
      `${layout}:b`,
      '--artifact-type',
      'application/x-other',
      'other.txt',
    ]);

    const result = await cli(['list', `oci:${layout}`]);
    assert.equal(result.code, 8, result.stderr);
    assert.match(result.stderr, /names no tag and the layout holds 2 images: /);
    assert.match(result.stderr, /\ba \(sha256:[0-9a-f]{12}\)/);
    assert.match(result.stderr, /\bb \(sha256:[0-9a-f]{12}\)/);
    assert.match(result.stderr, /hint: Name one: oci:.*:TAG or oci:.*@DIGEST/);
    const table = await ok(['images', `oci:${layout}`]);
    assert.match(table, /^DIGEST +TAGS +TYPE +SIZE$/m);
    assert.match(
      table,
      new RegExp(`^${imageDigest} +a +application/vnd\\.oci\\.image\\.manifest\\.v1\\+json`, 'm'),
    );
    assert.match(table, /^sha256:[0-9a-f]{64} +b +application\/x-other/m);

    const artifact = join(dir, 'artifact');
    await peer('oras', [
      'push',
      '--oci-layout',
      `${artifact}:x`,
      '--artifact-type',
      'application/x-e',
      'other.txt',
    ]);
    await ok(['put', `oci:${artifact}:x`, 'build-info', info]);
    const noTag = await cli(['list', `oci:${artifact}`]);
    assert.equal(noTag.code, 0, `the only entry (an oras artifact) is the layout's image: ${noTag.stderr}`);
  });
});
