// The listing is a hint, never the truth: what a pusher can do to the referrers tag schema index of an
// image on a registry without the referrers API (real distribution 2.8, the index rewritten with plain
// HTTP as any pusher could), and what plain reads make of it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pushTestImage } from '../../support/images.ts';
import {
  editReferrersIndex,
  putRawManifest,
  readReferrersIndexEntries,
} from '../../support/referrers-index.ts';
import { metadataBackend } from './support/backends.ts';
import { failsWith, type ListJson, ok, okJson, type PutJson, runCli } from './support/cli.ts';
import { backendCli, scratchDir, sha256 } from './support/suite.ts';

const backend = metadataBackend('distribution');
const registry = backend.registry!;
const cli = backendCli(backend);
const files = scratchDir();
after(() => {
  files.remove();
  backend.cleanup();
});

const SECCOMP = '{"defaultAction":"SCMP_ACT_ERRNO"}';
const OTHER = 'other bytes of the same repository\n';

async function put(image: string, type: string, content: string): Promise<PutJson> {
  const file = files.file(`${type}-${sha256(content).slice(7, 19)}`, content);
  return okJson<PutJson>(await cli.run(['put', image, type, file, '--json']), `put ${type}`);
}

describe('a version digest pins its content (distribution, index edited by a pusher)', () => {
  it('get, get --version and show refuse a listing that names another blob of the repository', async () => {
    const image = await backend.newImage('pin-content');
    const seccomp = await put(image.ref, 'seccomp', SECCOMP);
    const other = await put(image.ref, 'notes', OTHER);
    assert.equal(ok(await cli.run(['get', image.ref, 'seccomp']), 'get before'), SECCOMP);

    await editReferrersIndex(registry, image.name, image.subject.digest, (entries) => {
      const entry = entries.find((e) => e.digest === seccomp.version)!;
      entry.annotations!['dev.manifesto.content.digest'] = other.content.digest;
      entry.annotations!['dev.manifesto.content.size'] = String(other.content.size);
      return undefined;
    });

    for (const args of [
      ['get', image.ref, 'seccomp'],
      ['get', image.ref, 'seccomp', '--version', seccomp.version],
      ['show', image.ref, 'seccomp'],
    ]) {
      const result = await cli.run(args);
      assert.ok(!result.stdout.toString().includes('other bytes'), `${args[0]}: the other blob printed`);
      failsWith(result, 7, args.join(' '), /listing does not match version/);
    }
    // The other version is untouched and still read.
    assert.equal(ok(await cli.run(['get', image.ref, 'notes']), 'get notes'), OTHER);
  });

  it('a listing that relabels a version of another type is refused', async () => {
    const image = await backend.newImage('pin-type');
    await put(image.ref, 'seccomp', SECCOMP);
    const other = await put(image.ref, 'notes', OTHER);
    await editReferrersIndex(registry, image.name, image.subject.digest, (entries) =>
      entries.map((e) =>
        e.digest === other.version
          ? {
              ...e,
              annotations: {
                ...e.annotations,
                'dev.manifesto.type': 'seccomp',
                'org.opencontainers.image.created': '2999-01-01T00:00:00.000Z',
              },
            }
          : e,
      ),
    );
    failsWith(await cli.run(['get', image.ref, 'seccomp']), 7, 'get relabelled', /listing does not match/);
  });
});

describe('versions deleted through the registry API (distribution, entry left in the index)', () => {
  it('get skips them for the newest stored version; get --version says it is gone', async () => {
    const image = await backend.newImage('deleted-version');
    const v1 = await put(image.ref, 'notes', 'first\n');
    const v2 = await put(image.ref, 'notes', 'second\n');
    // What `crane delete` / the registry API does: the manifest goes, the index entry stays.
    const { request } = await import('undici');
    const res = await request(`${registry.baseUrl}/v2/${image.name}/manifests/${v2.version}`, {
      method: 'DELETE',
    });
    await res.body.dump();
    assert.equal(res.statusCode, 202);
    const listed = await readReferrersIndexEntries(registry, image.name, image.subject.digest);
    assert.ok(
      listed.some((e) => e.digest === v2.version),
      'the entry remains',
    );

    assert.equal(ok(await cli.run(['get', image.ref, 'notes']), 'get latest'), 'first\n');
    failsWith(
      await cli.run(['get', image.ref, 'notes', '--version', v2.version]),
      3,
      'get the deleted version',
      /no longer stored/,
    );
    assert.equal(
      ok(await cli.run(['get', image.ref, 'notes', '--version', v1.version]), 'get v1'),
      'first\n',
    );
    // The next write to the index drops the entry (distribution refuses an index naming a missing manifest).
    const v3 = await put(image.ref, 'notes', 'third\n');
    const after = (await readReferrersIndexEntries(registry, image.name, image.subject.digest)).map(
      (e) => e.digest,
    );
    assert.ok(after.includes(v3.version) && !after.includes(v2.version), 'entry cleaned on the next write');
  });
});

describe('get --verify and versions deleted through the registry API (distribution)', () => {
  it('the deleted newest version is neither verified nor served: the newest stored one is', async () => {
    const env = { ...backend.env, MANIFESTO_STATE_DIR: join(files.dir, 'state') };
    const key = join(files.dir, 'qa');
    ok(await runCli(['key', 'generate', '--out', key, '--subject', 'CN=qa, O=Acme'], { env }), 'key');
    const image = await backend.newImage('deleted-verified');
    const policy = files.file(
      'verify-policy.yaml',
      `version: 1\nauthorities:\n  qa:\n    certificates: [qa.crt]\nrules:\n  - repositories: ["${registry.host}/${image.name}"]\n    types: [notes]\n    authorities: [qa]\n`,
    );
    for (const text of ['first\n', 'second\n']) {
      const file = files.file(`signed-${text.trim()}.txt`, text);
      ok(await cli.run(['put', image.ref, 'notes', file, '--sign', `${key}.key`], { env }), `put ${text}`);
    }
    const versions = (await cli.history(image, 'notes')).map((v) => v.version);
    const { request } = await import('undici');
    const res = await request(`${registry.baseUrl}/v2/${image.name}/manifests/${versions[0]}`, {
      method: 'DELETE',
    });
    await res.body.dump();
    assert.equal(res.statusCode, 202);
    const got = await cli.run(['get', image.ref, 'notes', '--verify', '--trust-policy', policy], { env });
    assert.equal(ok(got, 'get --verify'), 'first\n');
    const json = await cli.run(['get', image.ref, 'notes', '--verify', '--trust-policy', policy, '--json'], {
      env,
    });
    assert.equal(okJson<{ trust: string }>(json, 'get --verify --json').trust, 'verified');
  });
});

describe('one bad referrer never hides the others (refreg, referrers API)', () => {
  const api = metadataBackend('refreg');
  const apiCli = backendCli(api);
  after(() => api.cleanup());

  it('a 4.5 MiB foreign referrer is skipped with a warning by list, get and put', async () => {
    const image = await api.newImage('huge-referrer');
    const file = files.file('notes-huge.txt', 'notes\n');
    ok(await apiCli.run(['put', image.ref, 'notes', file]), 'put before');
    // Anyone who can push can attach this: a referrer whose manifest is over the 4 MiB limit.
    const empty = { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 };
    await image.repository.pushBlob(empty, new TextEncoder().encode('{}'));
    const huge = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.junk',
      config: empty,
      layers: [empty],
      subject: { mediaType: image.subject.mediaType, digest: image.subject.digest, size: image.subject.size },
      annotations: { padding: 'x'.repeat(4.5 * 1024 * 1024) },
    });
    const hugeDigest = await putRawManifest(
      api.registry!,
      image.name,
      sha256(huge),
      huge,
      'application/vnd.oci.image.manifest.v1+json',
    );

    const listed = await apiCli.run(['list', image.ref, '--json']);
    assert.deepEqual(
      okJson<ListJson>(listed, 'list').types.map((t) => t.type),
      ['notes'],
    );
    assert.match(
      listed.stderr,
      new RegExp(`warning: skipped referrer ${hugeDigest}.*over the 4194304-byte limit`),
    );
    const got = await apiCli.run(['get', image.ref, 'notes']);
    assert.equal(ok(got, 'get'), 'notes\n');
    assert.match(got.stderr, /warning: skipped referrer/);
    const second = files.file('notes-huge-2.txt', 'notes 2\n');
    const put = okJson<PutJson>(await apiCli.run(['put', image.ref, 'notes', second, '--json']), 'put after');
    assert.equal(ok(await apiCli.run(['get', image.ref, 'notes']), 'get after'), 'notes 2\n');
    assert.ok(put.supersedes !== null, 'the new version supersedes the first');
  });
});

describe('a sha256-<hex> tag that is not a referrers index (distribution)', () => {
  const policy = files.file('require-notes.yaml', 'version: 1\nrules:\n  - require: [notes]\n');
  const tagOf = (digest: string) => `sha256-${digest.slice(7)}`;

  async function tagDigest(name: string, tag: string): Promise<string | undefined> {
    const { request } = await import('undici');
    const res = await request(`${registry.baseUrl}/v2/${name}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json',
      },
    });
    await res.body.dump();
    return res.headers['docker-content-digest'] as string | undefined;
  }

  for (const what of ['an image manifest', 'an image index with platform entries'] as const) {
    it(`holding ${what}: list, get and check read through it (warning), put refuses and leaves it as it was`, async () => {
      const image = await backend.newImage('tag-not-referrers');
      const tag = tagOf(image.subject.digest);
      if (what === 'an image manifest') {
        await pushTestImage(image.repository, { tag, seed: `${image.name}-other` });
      } else {
        const index = {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            {
              mediaType: image.subject.mediaType,
              digest: image.subject.digest,
              size: image.subject.size,
              platform: { architecture: 'amd64', os: 'linux' },
            },
          ],
        };
        await putRawManifest(registry, image.name, tag, JSON.stringify(index), index.mediaType);
      }
      const before = await tagDigest(image.name, tag);
      assert.ok(before !== undefined);

      const listed = await cli.run(['list', image.ref, '--json']);
      assert.deepEqual(okJson<ListJson>(listed, 'list').types, []);
      assert.match(listed.stderr, /warning: the referrers tag .* not a referrers index.*no metadata read/);
      const got = await cli.run(['get', image.ref, 'notes']);
      assert.equal(got.code, 3, `get: no metadata, not exit 5: ${got.stderr}`);
      assert.match(got.stderr, /error: no "notes" metadata/);
      const checked = await cli.run(['check', image.ref, '--policy', policy]);
      assert.equal(checked.code, 10, `check denies (missing notes), not exit 5: ${checked.stderr}`);

      const file = files.file('tag-notes.txt', 'notes\n');
      const put = await cli.run(['put', image.ref, 'notes', file]);
      assert.equal(put.code, 5, `put: ${put.stderr}`);
      assert.match(
        put.stderr,
        /error: the referrers tag .* not a referrers index; manifesto will not overwrite it/,
      );
      assert.match(put.stderr, /hint: Something else uses the tag/);
      assert.equal(await tagDigest(image.name, tag), before, 'the tag is untouched');
    });
  }
});
