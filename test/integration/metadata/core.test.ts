// The metadata core through the CLI — put, get, list, history, delete, prune — on every backend:
// distribution 2.8 (referrers tag schema), refreg (OCI referrers API), the OCI image layout, and the
// external registry when MANIFESTO_TEST_REGISTRY is set. Real values are asserted: bytes, digests,
// JSON fields, orders, exit codes, and what is (not) left in the registry after a failure.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  EMPTY_JSON_BYTES,
  EMPTY_JSON_DIGEST,
  OCI_EMPTY,
  OCI_MANIFEST,
} from '../../../src/oci/media-types.ts';
import { type MetadataBackend, metadataBackends, type TestImage } from './support/backends.ts';
import {
  assertVersionJson,
  failsWith,
  type GetJson,
  type ListJson,
  median,
  ok,
  okJson,
  type PutJson,
  type RemovalJson,
} from './support/cli.ts';
import { backendCli, binaryContent, scratchDir, sha256, snapshot } from './support/suite.ts';

const AUTHOR = 'tester@example.com';
const SECCOMP = `${JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }, null, 2)}\n`;

/** Pushes a referrer written by another tool (an SPDX SBOM as oras attaches it) through the backend. */
async function pushForeignReferrer(image: TestImage, label: string): Promise<string> {
  const { repository } = image;
  const layer = new TextEncoder().encode(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: label }));
  const layerDescriptor = {
    mediaType: 'application/spdx+json',
    digest: sha256(layer),
    size: layer.byteLength,
  };
  const empty = { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: EMPTY_JSON_BYTES.byteLength };
  await repository.pushBlob(layerDescriptor, layer);
  await repository.pushBlob(empty, EMPTY_JSON_BYTES);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/spdx+json',
    config: empty,
    layers: [layerDescriptor],
    subject: { mediaType: image.subject.mediaType, digest: image.subject.digest, size: image.subject.size },
    annotations: { 'org.opencontainers.image.created': '2026-01-01T00:00:00Z' },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return (await repository.pushManifest(bytes, { mediaType: OCI_MANIFEST })).digest;
}

function describeBackend(backend: MetadataBackend): void {
  const cli = backendCli(backend);
  const files = scratchDir();
  /** `put --json` that must succeed. */
  const put = async (
    image: string,
    type: string,
    file: string,
    options: { stdin?: Uint8Array | string; now?: () => Date; extra?: string[] } = {},
  ): Promise<PutJson> => {
    const result = await cli.run(['put', image, type, file, '--json', ...(options.extra ?? [])], options);
    return okJson<PutJson>(result, `put ${type}`);
  };

  describe(backend.label, () => {
    after(() => files.remove());

    it('put → list → get round trip: text, binary and stdin content byte for byte, with every JSON field', async () => {
      const image = await backend.newImage('md-roundtrip');
      const jsonFile = files.file('seccomp.json', SECCOMP);
      const binary = binaryContent(1536 * 1024); // above 1 MiB: streamed, existence-checked upload
      const binaryFile = files.file('firmware.bin', binary);
      const notes = 'release notes\nüñí©ødé ✓\n';

      const seccomp = await put(image.ref, 'seccomp', jsonFile);
      assert.equal(seccomp.image, image.ref);
      assert.deepEqual(seccomp.subject, {
        mediaType: image.subject.mediaType,
        digest: image.subject.digest,
        size: image.subject.size,
      });
      assert.equal(seccomp.type, 'seccomp');
      assert.match(seccomp.version, /^sha256:[a-f0-9]{64}$/);
      assert.equal(seccomp.artifactType, 'application/vnd.manifesto.seccomp.v1');
      assert.deepEqual(seccomp.content, {
        digest: sha256(SECCOMP),
        size: Buffer.byteLength(SECCOMP),
        mediaType: 'application/json',
      });
      assert.ok(Math.abs(Date.parse(seccomp.created) - Date.now()) < 60_000, `created ${seccomp.created}`);
      assert.equal(seccomp.author, AUTHOR);
      assert.equal(seccomp.supersedes, null);

      const firmware = await put(image.ref, 'firmware', binaryFile);
      assert.deepEqual(firmware.content, {
        digest: sha256(binary),
        size: binary.byteLength,
        mediaType: 'application/octet-stream',
      });
      assert.equal(firmware.artifactType, 'application/vnd.manifesto.firmware.v1');

      const fromStdin = await put(image.ref, 'notes', '-', {
        stdin: notes,
        extra: ['--author', 'alice@example.com', '-a', 'org.example.build=42'],
      });
      assert.deepEqual(fromStdin.content, {
        digest: sha256(notes),
        size: Buffer.byteLength(notes),
        mediaType: 'text/plain; charset=utf-8',
      });
      assert.equal(fromStdin.author, 'alice@example.com');

      // list --json: one entry per type, sorted, with the latest version and every documented field.
      const listed = okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list');
      assert.equal(listed.image, image.ref);
      assert.equal(listed.subject.digest, image.subject.digest);
      assert.deepEqual(
        listed.types.map((t) => [t.type, t.label, t.count, t.latest.version]),
        [
          ['firmware', 'firmware', 1, firmware.version],
          ['notes', 'notes', 1, fromStdin.version],
          ['seccomp', 'seccomp', 1, seccomp.version],
        ],
      );
      for (const t of listed.types) assertVersionJson(t.latest, { type: t.type, supersedes: null });
      const notesLatest = listed.types[1]!.latest;
      assert.equal(notesLatest.author, 'alice@example.com');
      assert.equal(notesLatest.annotations['org.example.build'], '42');
      assert.equal(notesLatest.created, fromStdin.created);
      assert.deepEqual(notesLatest.content, fromStdin.content);
      assert.equal(listed.types[2]!.latest.annotations['dev.manifesto.author'], AUTHOR);

      // list for people: a header, one row per type with its short digest.
      const table = ok(await cli.run(['list', image.ref]), 'list');
      assert.ok(table.startsWith(`${image.ref} (${image.subject.digest})\n`), table);
      for (const v of [seccomp, firmware, fromStdin]) {
        assert.match(table, new RegExp(`\\n${v.type} +1 +${v.version.slice(0, 19)} `), table);
      }

      // get: the bytes as stored, for text, binary and stdin content.
      for (const [type, expected] of [
        ['seccomp', Buffer.from(SECCOMP)],
        ['firmware', binary],
        ['notes', Buffer.from(notes)],
      ] as const) {
        const got = await cli.run(['get', image.ref, type]);
        assert.equal(got.code, 0, got.stderr);
        assert.ok(got.stdout.equals(expected), `get ${type}: ${got.stdout.byteLength} bytes`);
        assert.equal(got.stderr, '');
      }

      // get --json: text content as text, binary as base64, and the version.
      const text = okJson<GetJson>(await cli.run(['get', image.ref, 'notes', '--json']), 'get --json');
      assert.equal(text.content.text, notes);
      assert.equal(text.content.base64, undefined);
      assert.equal(text.content.digest, sha256(notes));
      assertVersionJson(text.version, { type: 'notes', supersedes: null });
      assert.equal(text.version.version, fromStdin.version);
      assert.equal(text.subject.digest, image.subject.digest);
      const bin = okJson<GetJson>(await cli.run(['get', image.ref, 'firmware', '--json']), 'get --json');
      assert.equal(bin.content.text, undefined);
      assert.ok(Buffer.from(bin.content.base64 ?? '', 'base64').equals(binary));
      assert.equal(bin.content.mediaType, 'application/octet-stream');

      // get -o FILE: the file holds the bytes; nothing on stdout; a note on stderr.
      const outFile = join(files.dir, 'out.bin');
      const written = await cli.run(['get', image.ref, 'firmware', '-o', outFile]);
      assert.equal(written.code, 0, written.stderr);
      assert.equal(written.stdout.byteLength, 0);
      assert.match(written.stderr, new RegExp(`^Wrote firmware version ${firmware.version} of .+ to `));
      assert.ok(readFileSync(outFile).equals(binary));
      const outJson = join(files.dir, 'out.json');
      const described = okJson<GetJson>(
        await cli.run(['get', image.ref, 'seccomp', '--output', outJson, '--json']),
        'get -o --json',
      );
      assert.equal(described.output, outJson);
      assert.equal(described.version.version, seccomp.version);
      assert.equal(readFileSync(outJson, 'utf8'), SECCOMP);

      // Digest references: the same metadata, since it belongs to the digest.
      const byDigest = await cli.run(['get', image.byDigest, 'seccomp']);
      assert.equal(byDigest.code, 0, byDigest.stderr);
      assert.equal(byDigest.stdout.toString(), SECCOMP);
      const putByDigest = await put(image.byDigest, 'owner', '-', { stdin: 'team@example.com\n' });
      assert.equal(putByDigest.subject.digest, image.subject.digest);
      assert.equal(putByDigest.image, image.byDigest);
      const owner = await cli.run(['get', image.ref, 'owner']);
      assert.equal(owner.stdout.toString(), 'team@example.com\n');
    });

    it('a real process: put from a piped stdin and get to stdout keep binary bytes', async () => {
      const image = await backend.newImage('md-process');
      const content = binaryContent(200 * 1024);
      const stored = await cli.spawn(['put', image.ref, 'blob', '-', '--json'], { stdin: content });
      const version = okJson<PutJson>(stored, 'put -').version;
      assert.equal(okJson<PutJson>(stored, 'put -').content.digest, sha256(content));
      const got = await cli.spawn(['get', image.ref, 'blob']);
      assert.equal(got.code, 0, got.stderr);
      assert.ok(got.stdout.equals(content), `got ${got.stdout.byteLength} bytes`);
      const history = await cli.history(image, 'blob');
      assert.deepEqual(
        history.map((v) => v.version),
        [version],
      );
    });

    it('an image without a tag is image:latest', async () => {
      const image = await backend.newImage('md-latest', 'latest');
      const stored = await put(image.untagged, 'seccomp', files.file('latest.json', SECCOMP));
      assert.equal(stored.subject.digest, image.subject.digest);
      const viaTag = await cli.run(['get', `${image.untagged}:latest`, 'seccomp']);
      assert.equal(viaTag.stdout.toString(), SECCOMP);
      const viaDefault = okJson<ListJson>(await cli.run(['list', image.untagged, '--json']), 'list');
      assert.equal(viaDefault.subject.digest, image.subject.digest);
      assert.deepEqual(
        viaDefault.types.map((t) => t.latest.version),
        [stored.version],
      );
    });

    it('history newest first, get --version, a writer with its clock behind still supersedes, delete latest / --version / --all', async () => {
      const image = await backend.newImage('md-history');
      const contents = ['v1', 'v2', 'v3', 'v4'].map((v) => `{"scanner":"grype","run":"${v}"}`);
      const paths = contents.map((c, i) => files.file(`scan-${i + 1}.json`, c));
      const v1 = await put(image.ref, 'scan', paths[0]!);
      const v2 = await put(image.ref, 'scan', paths[1]!);
      const v3 = await put(image.ref, 'scan', paths[2]!);
      assert.equal(v1.supersedes, null);
      assert.equal(v2.supersedes, v1.version);
      assert.equal(v3.supersedes, v2.version);
      const owner = await put(image.ref, 'owner', '-', { stdin: 'ops@example.com' });

      const history = await cli.history(image, 'scan');
      assert.deepEqual(
        history.map((v) => [v.version, v.supersedes]),
        [
          [v3.version, v2.version],
          [v2.version, v1.version],
          [v1.version, null],
        ],
      );
      for (const v of history) assertVersionJson(v, { type: 'scan' });
      const humanHistory = ok(await cli.run(['history', image.ref, 'scan']), 'history');
      const rows = humanHistory.trimEnd().split('\n');
      assert.match(rows[0]!, /^VERSION +CREATED +AUTHOR +SIZE$/);
      assert.deepEqual(
        rows.slice(1).map((r) => r.split(/ +/)[0]),
        [v3.version, v2.version, v1.version],
      );
      assert.match(rows[1]!, / latest$/);

      const older = await cli.run(['get', image.ref, 'scan', '--version', v1.version]);
      assert.equal(older.stdout.toString(), contents[0]);
      assert.equal((await cli.run(['get', image.ref, 'scan'])).stdout.toString(), contents[2]);

      // A writer whose clock is an hour behind: its version is older by the clock, but supersedes v3.
      const behind = new Date(Date.now() - 3600_000);
      const v4 = await put(image.ref, 'scan', paths[3]!, { now: () => behind });
      assert.equal(v4.created, behind.toISOString());
      assert.equal(v4.supersedes, v3.version);
      assert.ok(Date.parse(v4.created) < Date.parse(v3.created));
      assert.equal((await cli.run(['get', image.ref, 'scan'])).stdout.toString(), contents[3]);
      assert.deepEqual(
        (await cli.history(image, 'scan')).map((v) => v.version),
        [v4.version, v3.version, v2.version, v1.version],
      );

      // delete (the latest): the version it superseded is the latest again.
      const deleted = okJson<RemovalJson>(await cli.run(['delete', image.ref, 'scan', '--json']), 'delete');
      assert.deepEqual(
        deleted.deleted.map((v) => v.version),
        [v4.version],
      );
      assert.deepEqual(
        deleted.kept.map((v) => v.version),
        [v3.version, v2.version, v1.version],
      );
      assert.equal((await cli.run(['get', image.ref, 'scan'])).stdout.toString(), contents[2]);

      // delete --version: exactly that one.
      const human = ok(
        await cli.run(['delete', image.ref, 'scan', '--version', v2.version]),
        'delete --version',
      );
      assert.match(human, new RegExp(`^Deleted scan version ${v2.version} of `));
      assert.deepEqual(
        (await cli.history(image, 'scan')).map((v) => v.version),
        [v3.version, v1.version],
      );
      failsWith(await cli.run(['get', image.ref, 'scan', '--version', v2.version]), 3, 'deleted version');
      assert.equal((await cli.run(['get', image.ref, 'scan'])).stdout.toString(), contents[2]);

      // delete --all: the type is gone; the other type stays, and so does the tag-schema index.
      const all = okJson<RemovalJson>(
        await cli.run(['delete', image.ref, 'scan', '--all', '--json']),
        'delete --all',
      );
      assert.deepEqual(
        all.deleted.map((v) => v.version),
        [v3.version, v1.version],
      );
      assert.deepEqual(all.kept, []);
      failsWith(await cli.run(['get', image.ref, 'scan']), 3, 'get after delete --all', /no "scan" metadata/);
      failsWith(await cli.run(['history', image.ref, 'scan']), 3, 'history after delete --all');
      assert.deepEqual(
        (await cli.list(image)).types.map((t) => [t.type, t.latest.version]),
        [['owner', owner.version]],
      );
      if (backend.tagSchema) assert.equal(await backend.referrersTagStatus(image), 200);

      // Nothing else refers to the image: on the tag schema the index and its tag disappear.
      ok(await cli.run(['delete', image.ref, 'owner', '--all']), 'delete --all owner');
      const empty = ok(await cli.run(['list', image.ref]), 'list');
      assert.match(empty, /\nno metadata\n$/);
      if (backend.tagSchema) assert.equal(await backend.referrersTagStatus(image), 404);
    });

    it('prune --keep 2 keeps the two newest of each type; --dry-run deletes nothing; other tools’ referrers stay', async () => {
      const image = await backend.newImage('md-prune');
      const stored: Record<string, PutJson[]> = { alpha: [], beta: [], gamma: [] };
      for (const [type, n] of [
        ['alpha', 3],
        ['beta', 3],
        ['gamma', 1],
      ] as const) {
        for (let i = 1; i <= n; i++)
          stored[type]!.push(await put(image.ref, type, '-', { stdin: `${type} ${i}` }));
      }
      const foreign = await pushForeignReferrer(image, 'prune');
      const newest = (type: string) => stored[type]!.map((p) => p.version).reverse();
      const before = await snapshot(cli, image);
      assert.deepEqual(before, {
        alpha: newest('alpha'),
        beta: newest('beta'),
        gamma: newest('gamma'),
        sbom: [foreign],
      });

      const dry = okJson<RemovalJson>(
        await cli.run(['prune', image.ref, '--keep', '2', '--dry-run', '--json']),
        'prune --dry-run',
      );
      const expectedDeleted = [stored.alpha![0]!.version, stored.beta![0]!.version];
      assert.deepEqual(
        dry.deleted.map((v) => v.version),
        expectedDeleted,
      );
      assert.deepEqual(
        dry.kept.map((v) => v.version),
        [...newest('alpha').slice(0, 2), ...newest('beta').slice(0, 2), ...newest('gamma')],
      );
      const dryHuman = ok(await cli.run(['prune', image.ref, '--keep', '2', '--dry-run']), 'prune --dry-run');
      assert.match(dryHuman, new RegExp(`^Would delete alpha version ${expectedDeleted[0]}`));
      assert.deepEqual(await snapshot(cli, image), before, 'a dry run deletes nothing');

      const pruned = okJson<RemovalJson>(
        await cli.run(['prune', image.ref, '--keep', '2', '--json']),
        'prune',
      );
      assert.deepEqual(
        pruned.deleted.map((v) => v.version),
        expectedDeleted,
      );
      assert.deepEqual(await snapshot(cli, image), {
        alpha: newest('alpha').slice(0, 2),
        beta: newest('beta').slice(0, 2),
        gamma: newest('gamma'),
        sbom: [foreign],
      });
      assert.equal((await cli.run(['get', image.ref, 'alpha'])).stdout.toString(), 'alpha 3');

      // --type: only that type; prune again with the same --keep: nothing to do.
      const one = okJson<RemovalJson>(
        await cli.run(['prune', image.ref, '--keep', '1', '--type', 'beta', '--json']),
        'prune --type',
      );
      assert.deepEqual(
        one.deleted.map((v) => v.version),
        [stored.beta![1]!.version],
      );
      assert.equal(
        ok(await cli.run(['prune', image.ref, '--keep', '2']), 'prune again'),
        'nothing to delete\n',
      );
      assert.deepEqual(await snapshot(cli, image), {
        alpha: newest('alpha').slice(0, 2),
        beta: newest('beta').slice(0, 1),
        gamma: newest('gamma'),
        sbom: [foreign],
      });
    });

    it('bad input: one clear error line, the documented exit code, and nothing half-written', async (t) => {
      const image = await backend.newImage('md-errors');
      const good = files.file('good.json', SECCOMP);
      await put(image.ref, 'seccomp', good);
      const other = await backend.newImage('md-errors-other');
      const before = await snapshot(cli, image);
      const tooBig = 'x'.repeat(2048);
      const tooBigFile = files.file('big.txt', tooBig);
      const unreadable = files.file('unreadable.json', SECCOMP);
      chmodSync(unreadable, 0o000);

      const missingImage = image.ref.replace(/:v1$/, ':no-such-tag');
      const cases: Array<{ what: string; args: string[]; code: number; stdin?: string; pattern?: RegExp }> = [
        { what: 'put to a missing image', args: ['put', missingImage, 'seccomp', good], code: 3 },
        { what: 'get of a missing image', args: ['get', missingImage, 'seccomp'], code: 3 },
        { what: 'list of a missing image', args: ['list', missingImage], code: 3 },
        {
          what: 'get of an unknown type',
          args: ['get', image.ref, 'nosuchtype'],
          code: 3,
          pattern: /nosuchtype/,
        },
        { what: 'history of an unknown type', args: ['history', image.ref, 'nosuchtype'], code: 3 },
        { what: 'delete of an unknown type', args: ['delete', image.ref, 'nosuchtype'], code: 3 },
        {
          what: 'get of an unknown version',
          args: ['get', image.ref, 'seccomp', '--version', sha256('no such version')],
          code: 3,
        },
        {
          what: 'an invalid type name',
          args: ['put', image.ref, 'Bad_Type', good],
          code: 2,
          pattern: /Bad_Type/,
        },
        { what: 'a type name with two separators', args: ['put', image.ref, 'a--b', good], code: 2 },
        {
          what: 'a missing file',
          args: ['put', image.ref, 'seccomp', join(files.dir, 'missing.json')],
          code: 2,
          pattern: /does not exist/,
        },
        {
          what: 'an empty file',
          args: ['put', image.ref, 'seccomp', files.file('empty.json', '')],
          code: 2,
          pattern: /empty/,
        },
        { what: 'empty stdin', args: ['put', image.ref, 'seccomp', '-'], code: 2, stdin: '' },
        {
          what: 'a directory',
          args: ['put', image.ref, 'seccomp', files.dir],
          code: 2,
          pattern: /directory/,
        },
        {
          what: 'a path through a file (unreadable for root too)',
          args: ['put', image.ref, 'seccomp', join(good, 'child')],
          code: 2,
          pattern: /cannot read/,
        },
        {
          what: 'a file over --max-size',
          args: ['put', image.ref, 'seccomp', tooBigFile, '--max-size', '1k'],
          code: 2,
          pattern: /larger than the limit of 1024 bytes/,
        },
        {
          what: 'stdin over --max-size',
          args: ['put', image.ref, 'seccomp', '-', '--max-size', '1024'],
          code: 2,
          stdin: tooBig,
        },
        {
          what: 'an invalid reference',
          args: ['put', 'Bad Ref!', 'seccomp', good],
          code: 2,
          pattern: /invalid reference/,
        },
        { what: 'an invalid --version', args: ['get', image.ref, 'seccomp', '--version', 'v1'], code: 2 },
        {
          what: '--all with --version',
          args: ['delete', image.ref, 'seccomp', '--all', '--version', before.seccomp![0]!],
          code: 2,
        },
        { what: 'prune --keep 0', args: ['prune', image.ref, '--keep', '0'], code: 2 },
        { what: 'prune without --keep', args: ['prune', image.ref], code: 2 },
        {
          what: 'a reserved annotation',
          args: ['put', image.ref, 'seccomp', good, '-a', 'dev.manifesto.type=x'],
          code: 2,
        },
        {
          what: 'content a well-known kind refuses (seccomp without defaultAction)',
          args: ['put', image.ref, 'seccomp', files.file('bad-seccomp.json', '{"syscalls":[]}')],
          code: 2,
        },
        { what: 'an unknown flag', args: ['put', image.ref, 'seccomp', good, '--bogus'], code: 2 },
        { what: 'a missing argument', args: ['put', image.ref, 'seccomp'], code: 2 },
      ];
      if (backend.registry !== undefined)
        cases.push({
          what: 'an upper-case repository',
          args: ['get', `${image.untagged}X:v1`, 'seccomp'],
          code: 2,
        });
      // Root reads a chmod 000 file: the case is only meaningful for other users.
      if (process.getuid?.() !== 0)
        cases.push({ what: 'a chmod 000 file', args: ['put', image.ref, 'seccomp', unreadable], code: 2 });
      else t.diagnostic('running as root: chmod 000 is readable, covered by the directory and ENOTDIR cases');

      for (const c of cases) {
        const result = await cli.run(c.args, c.stdin === undefined ? {} : { stdin: c.stdin });
        failsWith(result, c.code, c.what, c.pattern);
        assert.deepEqual(await snapshot(cli, image), before, `${c.what}: nothing written`);
      }
      assert.deepEqual((await cli.list(other)).types, [], 'the other image has no metadata');

      // The oversized content was not uploaded either.
      assert.equal(await backend.hasBlob(image, sha256(tooBig)), false, 'no blob of rejected content');
      // --json errors: one JSON object on stderr.
      const asJson = await cli.run(['get', image.ref, 'nosuchtype', '--json']);
      assert.equal(asJson.code, 3);
      const error = (JSON.parse(asJson.stderr) as { error: Record<string, unknown> }).error;
      assert.equal(error.code, 'METADATA_NOT_FOUND');
      assert.equal(error.category, 'not-found');
      assert.equal(typeof error.message, 'string');
    });
  });
}

const backends = metadataBackends();
after(() => {
  for (const backend of backends) backend.cleanup();
});

describe('metadata core (put, get, list, history, delete, prune) on every backend', {
  concurrency: true,
}, () => {
  for (const backend of backends) describeBackend(backend);
});

// After the concurrent suites, one backend at a time, so that the numbers mean something.
describe('timing: one put, median of 5', () => {
  const files = scratchDir();
  after(() => files.remove());
  for (const backend of backends) {
    it(`${backend.label}: in-process and as a process; every put visible`, async (t) => {
      const cli = backendCli(backend);
      const image = await backend.newImage('md-timing');
      const file = files.file(`timing-${backend.kind}.json`, SECCOMP);
      const inProcess: number[] = [];
      const processes: number[] = [];
      const versions: string[] = [];
      for (let i = 0; i < 5; i++) {
        const a = await cli.run(['put', image.ref, 'timing', file, '--json']);
        versions.unshift(okJson<PutJson>(a, 'put').version);
        inProcess.push(a.ms);
        const b = await cli.spawn(['put', image.ref, 'timing', file, '--json']);
        versions.unshift(okJson<PutJson>(b, 'put').version);
        processes.push(b.ms);
      }
      assert.deepEqual(
        (await cli.history(image, 'timing')).map((v) => v.version),
        versions,
      );
      const show = (xs: number[]) =>
        `${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`;
      t.diagnostic(`${backend.label}: put in-process ${show(inProcess)}; as a process ${show(processes)}`);
    });
  }
});
