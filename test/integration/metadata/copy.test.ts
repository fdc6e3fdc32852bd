// `manifesto copy SRC DST` on real registries: distribution 2.8 (referrers tag schema), refreg (OCI
// referrers API) and OCI layouts. An image (single or multi-platform) with signed manifesto versions
// and an oras attachment is copied between every kind (dist -> refreg, refreg -> dist, registry ->
// layout -> registry); the destination's referrer tree equals the source's by digest, the signatures
// verify there, and a second run writes nothing and costs one request per referrer listing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fetch as undiciFetch } from 'undici';
import { createClient } from '../../../src/api/client.ts';
import { main } from '../../../src/cli/main.ts';
import type { RepositoryReader } from '../../../src/content/repository.ts';
import type { CopyResult } from '../../../src/metadata/copy/copy-types.ts';
import { OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import type { ClientOptions } from '../../../src/open/client-options.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestMultiPlatformImage } from '../../support/images.ts';
import { runPeer } from '../../support/peers.ts';
import { editReferrersIndex } from '../../support/referrers-index.ts';
import { uniqueRepository } from '../../support/registries.ts';
import { type MetadataBackend, metadataBackend, type TestImage } from './support/backends.ts';
import { BIN, type CliOptions, type ListJson, ok, okJson, runCli, spawnCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-copy-'));
const env = {
  ...process.env,
  HOME: dir,
  DOCKER_CONFIG: join(dir, 'docker'),
  MANIFESTO_AUTHOR: 'ci@example.com',
};
const backends: Record<'distribution' | 'refreg' | 'layout', MetadataBackend> = {
  distribution: metadataBackend('distribution'),
  refreg: metadataBackend('refreg'),
  layout: metadataBackend('layout'),
};
after(() => {
  for (const b of Object.values(backends)) b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: readonly string[], options: CliOptions = {}) =>
  runCli([...args, '--plain-http'], { env, ...options });

const key = join(dir, 'qa.key');
const policy = join(dir, 'policy.yaml');
before(async () => {
  ok(await runCli(['key', 'generate', '--out', join(dir, 'qa')], { env }), 'key generate');
  writeFileSync(
    policy,
    `version: 1
authorities:
  qa:
    certificates: [qa.crt]
    keys: [qa.pub]
rules:
  - repositories: ["**"]
    types: [approvals]
    authorities: [qa]
    enforcement: enforce
  - repositories: ["**"]
    types: ["*"]
    enforcement: skip
`,
  );
});

let files = 0;
function file(text: string): string {
  const path = join(dir, `content-${++files}.json`);
  writeFileSync(path, text);
  return path;
}

/** Every `subject -> referrer` edge below `digest`, recursively, sorted. */
async function referrerTree(repository: RepositoryReader, digests: readonly string[]): Promise<string[]> {
  const edges: string[] = [];
  let level = [...digests];
  while (level.length > 0) {
    const next: string[] = [];
    for (const subject of level) {
      for (const d of (await repository.referrers(subject)).manifests) {
        if (digests.includes(d.digest)) continue;
        edges.push(`${subject} -> ${d.digest}`);
        next.push(d.digest);
      }
    }
    level = next;
  }
  return edges.sort();
}

/** An image in `backend` with two signed approvals versions and, on registries, an oras attachment. */
async function sourceImage(backend: MetadataBackend, prefix: string): Promise<TestImage> {
  const image = await backend.newImage(prefix);
  // Version 1 signed by notation's format, version 2 (the latest, which verify checks) by Sigstore's.
  for (const [n, format] of [
    [1, 'notary'],
    [2, 'sigstore'],
  ] as const) {
    ok(
      await run([
        'put',
        image.ref,
        'approvals',
        file(`{"ok":${n}}`),
        '--no-validate',
        '--sign',
        key,
        '--sign-format',
        format,
      ]),
      `put approvals ${n}`,
    );
  }
  ok(await run(['put', image.ref, 'notes', file('{"note":"unsigned"}'), '--no-validate']), 'put notes');
  if (backend.registry !== undefined) {
    const sbom = `sbom-${++files}.spdx.json`;
    writeFileSync(join(dir, sbom), '{"spdxVersion":"SPDX-2.3"}');
    const attached = await runPeer(
      'oras',
      [
        'attach',
        ...backend.orasFlags,
        '--artifact-type',
        'application/spdx+json',
        image.orasRef,
        `${sbom}:application/spdx+json`,
      ],
      { cwd: dir },
    );
    assert.equal(attached.code, 0, attached.stderr);
  }
  return image;
}

function destination(backend: MetadataBackend, prefix: string): string {
  if (backend.registry !== undefined) return `${backend.registry.host}/${uniqueRepository(prefix)}:v1`;
  return `oci:${mkdtempSync(join(dir, `${prefix}-`))}/layout:v1`;
}

async function copy(
  src: string,
  dst: string,
  extra: string[] = [],
  options: CliOptions = {},
): Promise<CopyResult> {
  return okJson<CopyResult>(await run(['copy', src, dst, '--json', ...extra], options), `copy ${src} ${dst}`);
}

interface OrasNode {
  digest: string;
  referrers?: OrasNode[];
}

/** `oras discover` of a registry image, as sorted `subject -> referrer` digest edges, every depth. */
async function orasTree(backend: MetadataBackend, ref: string): Promise<string[]> {
  const result = await runPeer('oras', ['discover', ...backend.orasFlags, '--format', 'json', ref], {
    cwd: dir,
  });
  assert.equal(result.code, 0, result.stderr);
  const root = JSON.parse(result.stdout) as OrasNode;
  const edges: string[] = [];
  const walk = (node: OrasNode) => {
    for (const child of node.referrers ?? []) {
      edges.push(`${node.digest} -> ${child.digest}`);
      walk(child);
    }
  };
  walk(root);
  return edges.sort();
}

async function openDestination(ref: string) {
  const { createImageOpener } = await import('../../../src/open/open-image.ts');
  return (await createImageOpener({ plainHttp: true, env })(ref)).repository;
}

async function assertSameTree(image: TestImage, dst: string): Promise<string[]> {
  const expected = await referrerTree(image.repository, [image.subject.digest]);
  const actual = await referrerTree(await openDestination(dst), [image.subject.digest]);
  assert.deepEqual(actual, expected);
  return expected;
}

async function assertVerifies(dst: string): Promise<void> {
  const out = ok(
    await run(['get', dst, 'approvals', '--verify', '--trust-policy', policy]),
    'get --verify at DST',
  );
  assert.equal(out, '{"ok":2}');
}

/** A second copy: nothing written, and no more requests than the listings plus two existence checks. */
async function assertNoOp(src: string, dst: string, edges: number): Promise<void> {
  const requests: RequestEvent[] = [];
  const result = await copy(src, dst, [], {
    client: { plainHttp: true, onRequest: (e) => requests.push(e) },
  });
  assert.deepEqual(result.copied, []);
  assert.equal(result.blobs.copied, 0);
  const writes = requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
  assert.deepEqual(writes, [], 'a second run writes nothing');
  // Subjects: the image and every referrer; each has one listing at each end (none on a layout).
  // The image and its platforms also have one tag page each: cosign's legacy tags.
  const listings = requests.filter(
    (r) => r.requestClass === 'referrers' || /\/manifests\/sha256-|\/tags\/list/.test(r.url),
  );
  assert.ok(listings.length <= 2 * (edges + 1), `listings: ${listings.map((r) => r.url).join('\n')}`);
  assert.ok(
    requests.length <= listings.length + 2,
    `${requests.length} requests:\n${requests.map((r) => `${r.method} ${r.url} ${r.status}`).join('\n')}`,
  );
}

for (const [from, to] of [
  ['distribution', 'refreg'],
  ['refreg', 'distribution'],
] as const) {
  describe(`copy ${from} -> ${to}`, () => {
    it('copies the image with every referrer; signatures verify at DST; a second run is a no-op', async () => {
      const image = await sourceImage(backends[from], `copy-${from}`);
      const dst = destination(backends[to], `copy-to-${to}`);
      const first = await copy(image.ref, dst);
      assert.deepEqual(first.differences, []);
      assert.equal(first.image.digest, image.subject.digest);
      const edges = await assertSameTree(image, dst);
      // 2 approvals + their 2 signatures + notes + the oras SBOM.
      assert.equal(edges.length, 6, edges.join('\n'));
      assert.equal(first.copied.filter((m) => m.subject !== undefined).length, 6);
      await assertVerifies(dst);
      // oras sees the same tree at DST as at SRC (every level: versions, signatures, the SBOM).
      const orasAtSource = await orasTree(backends[from], image.ref);
      assert.equal(orasAtSource.length, edges.length, orasAtSource.join('\n'));
      assert.deepEqual(await orasTree(backends[to], dst), orasAtSource);
      await assertNoOp(image.ref, dst, edges.length);
    });
  });
}

describe('copy registry -> OCI layout -> registry (air-gapped transfer)', () => {
  it('carries every referrer through the layout; signatures verify at the end', async () => {
    const image = await sourceImage(backends.refreg, 'copy-airgap');
    const layout = destination(backends.layout, 'airgap');
    await copy(image.ref, layout);
    const edges = await assertSameTree(image, layout);
    assert.equal(edges.length, 6);
    await assertVerifies(layout);
    const dst = destination(backends.distribution, 'copy-from-layout');
    const second = await copy(layout, dst);
    assert.deepEqual(second.differences, []);
    await assertSameTree(image, dst);
    await assertVerifies(dst);
    await assertNoOp(layout, dst, edges.length);
  });
});

describe('copy a multi-platform image', () => {
  it('copies every platform children first, with per-platform metadata; --platform copies one', async () => {
    const src = backends.distribution;
    const name = uniqueRepository('copy-multi');
    const ref = `${src.registry!.host}/${name}:v1`;
    const repository = await openDestination(ref);
    const multi = await pushTestMultiPlatformImage(
      repository,
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      { tag: 'v1', attest: [0, 1] },
    );
    ok(
      await run([
        'put',
        ref,
        'approvals',
        file('{"ok":2}'),
        '--no-validate',
        '--platform',
        'linux/arm64',
        '--sign',
        key,
      ]),
      'put --platform',
    );
    ok(await run(['put', ref, 'notes', file('{"all":1}'), '--no-validate']), 'put on the index');
    ok(
      await run(['get', ref, 'approvals', '--platform', 'linux/arm64', '--verify', '--trust-policy', policy]),
      'verify per-platform at SRC',
    );
    const dst = destination(backends.refreg, 'copy-multi-to');
    const result = await copy(ref, dst);
    assert.deepEqual(result.differences, []);
    const manifests = result.copied.filter((m) => m.subject === undefined).map((m) => m.digest);
    // Children (2 platforms, 2 attestation manifests) before the index.
    assert.equal(manifests.length, 5);
    assert.equal(manifests.at(-1), multi.index.digest);
    const all = [multi.index.digest, ...multi.children.map((c) => c.digest)];
    const target = await openDestination(dst);
    assert.deepEqual(await referrerTree(target, all), await referrerTree(repository, all));
    ok(
      await run(['get', dst, 'approvals', '--platform', 'linux/arm64', '--verify', '--trust-policy', policy]),
      'verify per-platform at DST',
    );

    const one = destination(backends.layout, 'copy-one-platform');
    const single = await copy(ref, one, ['--platform', 'linux/arm64']);
    assert.equal(single.image.digest, multi.children[1]!.digest);
    // The platform's approvals and its signature; not the index's notes.
    assert.equal(single.copied.filter((m) => m.subject !== undefined).length, 2);
  });
});

describe('copy options', () => {
  it('--types, --latest-only, --no-referrers and --dry-run select and write what they say', async () => {
    const image = await sourceImage(backends.refreg, 'copy-options');
    const dry = await copy(image.ref, destination(backends.distribution, 'copy-dry'), ['--dry-run']);
    assert.equal(dry.dryRun, true);
    assert.equal(dry.copied.filter((m) => m.subject !== undefined).length, 6);

    const latest = await copy(image.ref, destination(backends.distribution, 'copy-latest'), [
      '--types',
      'approvals',
      '--latest-only',
    ]);
    // The latest approvals version and its signature.
    const referrers = latest.copied.filter((m) => m.subject !== undefined);
    assert.equal(referrers.length, 2, JSON.stringify(referrers));
    const version = referrers.find((m) => m.type === 'approvals');
    assert.equal(version?.subject, image.subject.digest);
    assert.equal(referrers.find((m) => m !== version)?.subject, version.digest, 'its signature');

    const bare = await copy(image.ref, destination(backends.distribution, 'copy-bare'), ['--no-referrers']);
    assert.equal(bare.copied.length, 1);
    assert.equal(bare.referrers.source, 0);
  });
});

/** A fetch that answers every request after the first `writes` writes (PUT/POST/PATCH) with a 400: a crash. */
function crashingFetch(writes: number): {
  fetch: NonNullable<ClientOptions['fetch']>;
  crashed: () => boolean;
} {
  let sent = 0;
  let crashed = false;
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? 'GET';
    if (crashed || (method !== 'GET' && method !== 'HEAD' && sent >= writes)) {
      crashed = true;
      return new Response('{"errors":[{"code":"UNSUPPORTED","message":"crashed"}]}', {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    }
    if (method !== 'GET' && method !== 'HEAD') sent++;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return (await undiciFetch(url, init as Parameters<typeof undiciFetch>[1])) as unknown as Response;
  };
  return { fetch: wrapped as NonNullable<ClientOptions['fetch']>, crashed: () => crashed };
}

/** Every referrer a destination lists exists there (no dangling listing entry). */
async function assertNoDangling(repository: RepositoryReader, edges: readonly string[]): Promise<void> {
  for (const edge of edges) {
    const digest = edge.split(' -> ')[1]!;
    await repository.resolve(digest);
  }
}

describe('copy interrupted and resumed', () => {
  it('a copy cut off after N writes leaves nothing dangling; the next run completes it (tag schema)', async () => {
    const image = await sourceImage(backends.refreg, 'copy-crash');
    const expected = await referrerTree(image.repository, [image.subject.digest]);
    for (const writes of [2, 5, 9, 14, 20]) {
      const dst = destination(backends.distribution, `copy-crash-${writes}`);
      const crash = crashingFetch(writes);
      const client = createClient({ plainHttp: true, env, fetch: crash.fetch });
      await assert.rejects(client.copy(image.ref, dst), `cut off after ${writes} writes`);
      assert.ok(crash.crashed());
      const target = await openDestination(dst);
      await assertNoDangling(target, await referrerTree(target, [image.subject.digest]).catch(() => []));
      const resumed = await createClient({ plainHttp: true, env }).copy(image.ref, dst);
      assert.deepEqual(resumed.differences, []);
      const edges = await referrerTree(target, [image.subject.digest]);
      assert.deepEqual(edges, expected, `after ${writes} writes and a rerun`);
      await assertNoDangling(target, edges);
    }
  });
});

/** Starts `manifesto copy SRC DST` as a process and SIGKILLs it after `ms` (if still running). */
function killedCopy(src: string, dst: string, ms: number): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'copy', src, dst, '--plain-http'], {
      env: env as Record<string, string>,
      stdio: 'ignore',
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, ms);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, killed });
    });
  });
}

describe('copy killed and run again', () => {
  it('SIGKILL at random points of a copy to the tag schema: the rerun ends with identical referrer sets, nothing dangling', async () => {
    const image = await sourceImage(backends.refreg, 'copy-kill');
    const expected = await referrerTree(image.repository, [image.subject.digest]);
    // Random kill points within a copy's run (about 1-3 s to distribution on this machine); the
    // delays are in the message so a failure can be replayed.
    const delays = [0, 1, 2, 3].map((i) => Math.round(150 + i * 350 + Math.random() * 300));
    let interrupted = 0;
    for (const ms of delays) {
      const dst = destination(backends.distribution, `copy-kill-${ms}`);
      const killed = await killedCopy(image.ref, dst, ms);
      if (killed.killed) interrupted++;
      const target = await openDestination(dst);
      await assertNoDangling(target, await referrerTree(target, [image.subject.digest]).catch(() => []));
      const resumed = await createClient({ plainHttp: true, env }).copy(image.ref, dst);
      assert.deepEqual(resumed.differences, [], `killed after ${ms} ms`);
      const edges = await referrerTree(target, [image.subject.digest]);
      assert.deepEqual(edges, expected, `killed after ${ms} ms (delays ${delays.join(', ')})`);
      await assertNoDangling(target, edges);
    }
    assert.ok(interrupted >= 1, `no copy was still running when killed (delays ${delays.join(', ')} ms)`);
  });
});

describe('copy racing writers at the destination', () => {
  it('10 manifesto puts during a copy to a tag-schema registry: none is lost', async () => {
    const image = await sourceImage(backends.refreg, 'copy-race');
    const dst = destination(backends.distribution, 'copy-race-to');
    await copy(image.ref, dst, ['--no-referrers']);
    const puts = Array.from({ length: 10 }, (_, n) =>
      spawnCli(['put', dst, 'race', file(`{"n":${n}}`), '--no-validate', '--json', '--plain-http'], { env }),
    );
    const copying = copy(image.ref, dst);
    const results = await Promise.all(puts);
    const copied = await copying;
    assert.deepEqual(copied.differences, []);
    const versions = results.map((r, n) => okJson<{ version: string }>(r, `put ${n}`).version);
    const listed = new Set(
      (await (await openDestination(dst)).referrers(image.subject.digest)).manifests.map((d) => d.digest),
    );
    for (const v of versions) assert.ok(listed.has(v), `put version ${v} is listed`);
    for (const edge of await referrerTree(image.repository, [image.subject.digest])) {
      assert.ok(listed.has(edge.split(' -> ')[1]!) || edge.split(' -> ')[0] !== image.subject.digest, edge);
    }
  });
});

describe('copy --verify and the library', () => {
  it('--verify checks the trust policy at DST (exit 9 when a checked type fails); createClient().copy', async () => {
    const image = await sourceImage(backends.distribution, 'copy-verify');
    const dst = destination(backends.refreg, 'copy-verify-to');
    const verified = okJson<CopyResult & { verification: { ok: boolean; types: Array<{ type: string }> } }>(
      await run(['copy', image.ref, dst, '--json', '--verify', '--trust-policy', policy]),
      'copy --verify',
    );
    assert.equal(verified.verification.ok, true);
    assert.ok(verified.verification.types.some((t) => t.type === 'approvals'));

    const strict = join(dir, 'strict.yaml');
    writeFileSync(
      strict,
      `version: 1
authorities:
  qa:
    certificates: [qa.crt]
rules:
  - repositories: ["**"]
    types: [notes]
    authorities: [qa]
    enforcement: enforce
`,
    );
    const refused = await run(['copy', image.ref, dst, '--verify', '--trust-policy', strict]);
    assert.equal(refused.code, 9, refused.stderr);
    assert.match(refused.stderr, /notes/);

    const layout = destination(backends.layout, 'copy-library');
    const result = await createClient({ plainHttp: true, env }).copy(image.ref, layout);
    assert.equal(result.image.digest, image.subject.digest);
    assert.equal(result.tag, 'v1');
    assert.deepEqual(result.differences, []);
    await assertSameTree(image, layout);
  });
});

describe('copy within one registry', () => {
  for (const kind of ['distribution', 'refreg'] as const) {
    it(`${kind}: no blob content is sent (mounted from the source repository, or shared)`, async () => {
      const image = await sourceImage(backends[kind], `copy-mount-${kind}`);
      const dst = destination(backends[kind], `copy-mount-to-${kind}`);
      const requests: RequestEvent[] = [];
      const result = await copy(image.ref, dst, [], {
        client: { plainHttp: true, onRequest: (e) => requests.push(e) },
      });
      assert.deepEqual(result.differences, []);
      assert.equal(result.blobs.copied, 0, JSON.stringify(result.blobs));
      // distribution keeps blobs per repository (mounted); refreg's are shared (present already).
      if (kind === 'distribution') assert.ok(result.blobs.mounted >= 3, JSON.stringify(result.blobs));
      else assert.ok(result.blobs.mounted + result.blobs.present >= 3, JSON.stringify(result.blobs));
      const uploads = requests.filter((r) => r.method === 'PUT' || r.method === 'PATCH');
      assert.deepEqual(
        uploads.filter((r) => r.url.includes('/blobs/uploads/')),
        [],
        'no blob content sent',
      );
      await assertSameTree(image, dst);
      await assertVerifies(dst);
    });
  }
});

describe('copy keeps other tools able to verify', () => {
  it('cosign verify and cosign verify-attestation succeed at DST (tag schema) on what verified at SRC', async () => {
    const image = await sourceImage(backends.refreg, 'copy-cosign');
    const cosignEnv = { COSIGN_PASSWORD: '', COSIGN_YES: 'true', DOCKER_CONFIG: env.DOCKER_CONFIG };
    const http = ['--allow-http-registry', '--allow-insecure-registry'];
    const cosignDir = mkdtempSync(join(dir, 'cosign-'));
    const cosign = async (args: string[]) => {
      const result = await runPeer('cosign', args, { cwd: cosignDir, env: cosignEnv });
      assert.equal(result.code, 0, `cosign ${args[0]}: ${result.stderr}`);
      return result.stdout;
    };
    await cosign(['generate-key-pair']);
    await cosign([
      'sign',
      '--key',
      'cosign.key',
      '--tlog-upload=false',
      '--use-signing-config=false',
      ...http,
      image.byDigest,
    ]);
    const latest = okJson<ListJson>(await run(['list', image.ref, '--json']), 'list').types.find(
      (t) => t.type === 'approvals',
    )!.latest.version;
    const dst = destination(backends.distribution, 'copy-cosign-to');
    const result = await copy(image.ref, dst);
    assert.deepEqual(result.differences, []);
    await assertSameTree(image, dst);
    const at = `${dst.replace(/:v1$/, '')}@${image.subject.digest}`;
    await cosign(['verify', '--key', 'cosign.pub', '--insecure-ignore-tlog=true', ...http, at]);
    const statements = await cosign([
      'verify-attestation',
      '--key',
      join(dir, 'qa.pub'),
      '--insecure-ignore-tlog=true',
      ...http,
      '--type',
      'https://manifesto.dev/metadata/v1',
      `${dst.replace(/:v1$/, '')}@${latest}`,
    ]);
    assert.match(statements, /"payload"/);
  });
});

describe('copy leaves out listing entries that are not referrers', () => {
  it('an index child and another subject’s version listed under the index are not copied as its referrers', async () => {
    const src = backends.distribution;
    const name = uniqueRepository('copy-bogus');
    const ref = `${src.registry!.host}/${name}:v1`;
    const repository = await openDestination(ref);
    const multi = await pushTestMultiPlatformImage(
      repository,
      [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      { tag: 'v1' },
    );
    const own = okJson<{ version: string }>(
      await run(['put', ref, 'notes', file('{"index":1}'), '--no-validate', '--json']),
      'put on the index',
    ).version;
    const childVersion = okJson<{ version: string }>(
      await run([
        'put',
        ref,
        'notes',
        file('{"arm":1}'),
        '--no-validate',
        '--platform',
        'linux/arm64',
        '--json',
      ]),
      'put on a platform',
    ).version;
    // A pusher (or a confused registry) lists a platform image and the platform's version under the index.
    const child = multi.children[0]!;
    await editReferrersIndex(src.registry!, name, multi.index.digest, (entries) => [
      ...entries,
      { mediaType: child.mediaType, digest: child.digest, size: child.size },
      {
        mediaType: OCI_MANIFEST,
        digest: childVersion,
        size: 0,
        artifactType: 'application/vnd.manifesto.notes.v1',
      },
    ]);
    const reported = (await repository.referrers(multi.index.digest)).manifests.map((d) => d.digest);

    const dst = destination(backends.refreg, 'copy-bogus-to');
    const result = await copy(ref, dst);
    assert.deepEqual(result.differences, []);
    // The source lists both (the tag schema's index is what any pusher wrote); copy leaves them out.
    assert.ok(reported.includes(child.digest) && reported.includes(childVersion), reported.join(', '));
    assert.ok(result.ignored.includes(child.digest), 'the index child is ignored');
    assert.ok(result.ignored.includes(childVersion), 'the other subject’s version is ignored');
    const target = await openDestination(dst);
    assert.deepEqual(
      (await target.referrers(multi.index.digest)).manifests.map((d) => d.digest),
      [own],
      'only the index’s own version is its referrer at DST',
    );
    assert.deepEqual(
      (await target.referrers(multi.children[1]!.digest)).manifests.map((d) => d.digest),
      [childVersion],
      'the platform’s version stays the platform’s',
    );
  });
});

describe('copy on a terminal', () => {
  it('draws a progress line on stderr (carriage returns), and the summary on stdout', async () => {
    const image = await sourceImage(backends.refreg, 'copy-progress');
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    const code = await main(
      ['copy', image.ref, destination(backends.distribution, 'copy-progress-to'), '--plain-http'],
      { stdout, stderr, stdin: Readable.from([]), env, interactive: true },
    );
    const progressText = Buffer.concat(err).toString('utf8');
    assert.equal(code, 0, progressText);
    assert.match(progressText, /\rcopy: \d+ manifests, 6 referrers, \d+ blobs \(.+\), \d+ present/);
    assert.match(Buffer.concat(out).toString('utf8'), /copied 1 image manifests, 6 referrers/);
  });
});
