// Multi-platform images through the CLI, on distribution 2.8 (referrers tag schema), refreg (OCI
// referrers API) and the OCI image layout, with real multi-platform images: an OCI image index with a
// buildx attestation manifest, and a Docker manifest list of Docker schema 2 images.
//
// The rules (docs/format.md, "Multi-platform images"): metadata belongs to the platform manifest it
// describes; without --platform a command acts on the index itself (put says the metadata applies to
// all platforms); get --platform P gives P's own latest version, else the index's (reported as
// inherited, unless --no-inherit), never another platform's; get without --platform on an index with
// only per-platform versions is ambiguous (exit 8); platforms match as container runtimes match them;
// attestation manifests are never platforms; put --all-platforms fans out (exit 11 when some fail);
// list --tree shows the index and each platform for 1 + 1 + N requests, the children's in parallel.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fetch as undiciFetch } from 'undici';
import { main } from '../../../src/cli/main.ts';
import type { Repository } from '../../../src/content/repository.ts';
import type { Descriptor, Platform } from '../../../src/oci/descriptor.ts';
import {
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V2,
  OCI_INDEX,
  OCI_MANIFEST,
} from '../../../src/oci/media-types.ts';
import { formatPlatform, localPlatform } from '../../../src/oci/platform.ts';
import type { ClientOptions } from '../../../src/open/client-options.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import {
  type MultiPlatformFormat,
  type MultiPlatformImage,
  pushTestImage,
  pushTestMultiPlatformImage,
} from '../../support/images.ts';
import type { TestRegistry } from '../../support/registries.ts';
import { layoutRepositories, registryRepositories } from '../../support/repositories.ts';
import { scratchDir } from './support/suite.ts';

// ---------------------------------------------------------------------------------------------------
// Running the CLI in-process

interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

interface RunOptions {
  client?: ClientOptions;
}

function collect(stream: PassThrough): () => Buffer {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer | string) => chunks.push(typeof c === 'string' ? Buffer.from(c) : c));
  return () => Buffer.concat(chunks);
}

async function runMain(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  options: RunOptions = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  // These tests store synthetic per-platform reports under well-known type names (vuln, sbom,
  // seccomp...): what they check is where metadata goes, not kind validation (test/integration/policy).
  const args = argv[0] === 'put' && !argv.includes('--no-validate') ? [...argv, '--no-validate'] : [...argv];
  const code = await main(
    args,
    { stdout, stderr, stdin: Readable.from([]), env, interactive: false },
    options.client === undefined ? {} : { client: options.client },
  );
  stdout.end();
  stderr.end();
  return { code, stdout: out(), stderr: err().toString('utf8') };
}

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout.toString('utf8');
}

function okJson<T>(result: CliResult, what: string): T {
  return JSON.parse(ok(result, what)) as T;
}

/** Asserts exit `code`, an empty stdout, and returns the error line and hint line of stderr. */
function fails(result: CliResult, code: number, what: string): { error: string; hint: string } {
  assert.equal(
    result.code,
    code,
    `${what}: expected exit ${code}, got ${result.code}; stderr: ${result.stderr}`,
  );
  assert.equal(result.stdout.byteLength, 0, `${what}: nothing on stdout, got ${result.stdout.toString()}`);
  const lines = result.stderr.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^manifesto: error: \S/, `${what}: ${result.stderr}`);
  return { error: lines[0]!, hint: lines.find((l) => l.startsWith('  hint: ')) ?? '' };
}

// ---------------------------------------------------------------------------------------------------
// JSON outputs (README, "JSON output")

interface SubjectJson {
  mediaType: string;
  digest: string;
  size: number;
}

interface VersionJson {
  version: string;
  type: string;
  content: { digest: string; size: number; mediaType: string } | null;
  manifesto?: boolean;
}

interface PutJson {
  image: string;
  platform?: string;
  subject: SubjectJson;
  type: string;
  version: string;
  content: { digest: string; size: number; mediaType: string };
}

interface PutAllJson {
  image: string;
  index: SubjectJson;
  results: Array<
    | (PutJson & { ok: true })
    | { ok: false; platform: string; error: { code: string; category: string; message: string } }
  >;
}

interface GetJson {
  image: string;
  subject: SubjectJson;
  platform?: string;
  inherited: boolean;
  version: VersionJson;
  content: { mediaType: string; digest: string; size: number; text?: string };
}

interface TypeJson {
  type: string;
  count: number;
  inherited: boolean;
  latest: VersionJson;
}

interface ListJson {
  image: string;
  platform?: string;
  subject: SubjectJson;
  types: TypeJson[];
  platforms?: Array<{ platform: string; subject: SubjectJson; types: TypeJson[] }>;
}

interface HistoryJson {
  platform?: string;
  subject: SubjectJson;
  versions: VersionJson[];
}

interface RemovalJson {
  subject: SubjectJson;
  deleted: VersionJson[];
  kept: VersionJson[];
}

interface ErrorJson {
  error: { code: string; category: string; message: string; hint?: string };
}

// ---------------------------------------------------------------------------------------------------
// Backends and images

type BackendKind = 'distribution' | 'refreg' | 'layout';

interface Backend {
  kind: BackendKind;
  label: string;
  registry: TestRegistry | undefined;
  /** A fresh repository (registry) or layout directory, and how the CLI names a tag or digest in it. */
  newRepository(prefix: string): Promise<{ repository: Repository; ref(tagOrDigest: string): string }>;
  /** Runs the CLI with the backend's flags and environment. */
  cli(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  cleanup(): void;
}

function makeBackend(kind: BackendKind): Backend {
  const scratch = mkdtempSync(join(tmpdir(), `manifesto-multiarch-${kind}-`));
  const env = { ...process.env, DOCKER_CONFIG: join(scratch, 'docker'), MANIFESTO_AUTHOR: 'ci@example.com' };
  const repositories =
    kind === 'layout' ? layoutRepositories(scratch) : registryRepositories(kind, env.DOCKER_CONFIG);
  return {
    kind,
    label: repositories.label,
    registry: repositories.registry,
    newRepository: (prefix) => repositories.newRepository(prefix),
    cli: (args, options) => runMain([...args, ...repositories.flags], env, options),
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const ARMV7: Platform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const PLATFORMS = [AMD64, ARM64, ARMV7];
const PLATFORM_NAMES = ['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7'];
const AVAILABLE_HINT = '  hint: Available platforms: linux/amd64, linux/arm64/v8, linux/arm/v7.';

interface TestIndex extends MultiPlatformImage {
  format: MultiPlatformFormat;
  /** The index by tag. */
  ref: string;
  /** A manifest of the same repository by digest. */
  at(digest: string): string;
  repository: Repository;
}

/**
 * A new multi-platform image tagged v1 in a new repository: an OCI index (linux/amd64 with a buildx
 * attestation manifest, linux/arm64/v8, linux/arm/v7) or a Docker manifest list of the same platforms.
 */
async function newIndex(
  backend: Backend,
  format: MultiPlatformFormat,
  platforms: Platform[] = PLATFORMS,
): Promise<TestIndex> {
  const { repository, ref } = await backend.newRepository(`multiarch-${format}`);
  const pushed = await pushTestMultiPlatformImage(repository, platforms, {
    format,
    tag: 'v1',
    attest: format === 'oci' ? [0] : [],
  });
  const children = new Set(pushed.children.map((c) => c.digest));
  assert.equal(children.size, platforms.length, 'each platform has its own digest');
  assert.ok(!children.has(pushed.index.digest));
  return { ...pushed, format, ref: ref('v1'), at: ref, repository };
}

const subjectOf = (d: Descriptor): SubjectJson => ({
  mediaType: d.mediaType,
  digest: d.digest,
  size: d.size,
});

/** What a per-platform scanner would write: distinct for every platform and every run. */
function scanReport(image: string, platform: string, digest: string): string {
  const findings = Array.from({ length: 3 }, (_, i) => ({
    id: `CVE-2026-${randomBytes(2).readUInt16BE() + i}`,
    package: `lib-${platform.replaceAll('/', '-')}-${i}`,
    severity: ['LOW', 'MEDIUM', 'HIGH'][i],
  }));
  return `${JSON.stringify({ scanner: 'trivy', image, platform, digest, findings }, null, 2)}\n`;
}

const INHERITED_NOTE = (platform: string, type: string, indexDigest: string) =>
  `note: ${platform} has no "${type}" of its own; using the index's version (${indexDigest}), which applies to all platforms\n`;

// ---------------------------------------------------------------------------------------------------

const backends = (['distribution', 'refreg', 'layout'] as const).map(makeBackend);

for (const backend of backends) {
  describe(`multi-platform images on ${backend.label}`, () => {
    const files = scratchDir('manifesto-multiarch-files-');
    const cli = backend.cli;
    after(() => {
      files.remove();
      backend.cleanup();
    });

    for (const format of ['oci', 'docker'] as const) {
      const kindText = format === 'oci' ? 'OCI index with an attestation manifest' : 'Docker manifest list';

      it(`scenario (${kindText}): scan per platform, put per platform, get each back; provenance on the index is inherited; get without --platform is ambiguous`, async () => {
        const image = await newIndex(backend, format);
        assert.equal(image.index.mediaType, format === 'oci' ? OCI_INDEX : DOCKER_MANIFEST_LIST);
        for (const child of image.children)
          assert.equal(child.mediaType, format === 'oci' ? OCI_MANIFEST : DOCKER_MANIFEST_V2);

        // 1. "Scan" every platform image: a distinct report each.
        const reports = new Map<string, { text: string; file: string; child: Descriptor }>();
        image.children.forEach((child, i) => {
          const name = PLATFORM_NAMES[i]!;
          const text = scanReport(image.ref, name, child.digest);
          reports.set(name, { text, file: files.file(`${format}-scan-${i}.json`, text), child });
        });
        assert.equal(new Set([...reports.values()].map((r) => r.text)).size, 3);

        // 2. put vuln --platform P for each (as written by a user: arm64 and arm without variants).
        const spelled = ['linux/amd64', 'linux/arm64', 'linux/arm'];
        for (const [i, name] of PLATFORM_NAMES.entries()) {
          const report = reports.get(name)!;
          const result = await cli([
            'put',
            image.ref,
            'vuln',
            report.file,
            '--platform',
            spelled[i]!,
            '--json',
          ]);
          assert.equal(result.stderr, '', 'no note: the metadata is for one platform');
          const put = okJson<PutJson>(result, `put vuln --platform ${spelled[i]}`);
          assert.deepEqual(put.subject, subjectOf(report.child), `stored on the ${name} image`);
          assert.equal(put.platform, name);
          assert.equal(put.type, 'vuln');
        }

        // 3. get vuln --platform P: exactly that platform's report, for every spelling, never another's.
        const spellings: Record<string, string[]> = {
          'linux/amd64': ['linux/amd64', 'linux/x86_64', 'linux/amd64/v1'],
          'linux/arm64/v8': ['linux/arm64', 'linux/arm64/v8', 'linux/aarch64'],
          'linux/arm/v7': ['linux/arm', 'linux/arm/v7', 'linux/armhf'],
        };
        for (const [name, wants] of Object.entries(spellings)) {
          for (const want of wants) {
            const result = await cli(['get', image.ref, 'vuln', '--platform', want]);
            assert.equal(
              ok(result, `get vuln --platform ${want}`),
              reports.get(name)!.text,
              `${want} → ${name}`,
            );
            assert.equal(result.stderr, '', 'its own version: no inherited note');
          }
          const json = okJson<GetJson>(
            await cli(['get', image.ref, 'vuln', '--platform', name, '--json']),
            'get --json',
          );
          assert.equal(json.platform, name);
          assert.equal(json.inherited, false);
          assert.deepEqual(json.subject, subjectOf(reports.get(name)!.child));
          assert.equal(json.content.text, reports.get(name)!.text);
        }
        // The child by digest is a plain image: the same report without --platform.
        for (const { child, text } of reports.values()) {
          assert.equal(ok(await cli(['get', image.at(child.digest), 'vuln']), 'get child by digest'), text);
        }

        // 4. provenance on the index applies to all platforms.
        const provenance = `${JSON.stringify({ builder: 'buildkit', source: 'git+https://example.com/app@abc' })}\n`;
        const putIndex = await cli([
          'put',
          image.ref,
          'provenance',
          files.file(`${format}-prov.json`, provenance),
        ]);
        ok(putIndex, 'put provenance on the index');
        assert.equal(
          putIndex.stderr,
          `note: ${image.ref} is a multi-platform index: this provenance applies to all its platforms (use --platform to store it for one)\n`,
        );
        const indexVersion = okJson<GetJson>(
          await cli(['get', image.ref, 'provenance', '--json']),
          'get provenance',
        );
        assert.deepEqual(indexVersion.subject, subjectOf(image.index));
        assert.equal(indexVersion.inherited, false);
        for (const [i, name] of PLATFORM_NAMES.entries()) {
          const result = await cli(['get', image.ref, 'provenance', '--platform', name]);
          assert.equal(ok(result, `get provenance --platform ${name}`), provenance);
          assert.equal(result.stderr, INHERITED_NOTE(name, 'provenance', image.index.digest));
          const json = okJson<GetJson>(
            await cli(['get', image.ref, 'provenance', '--platform', name, '--json']),
            'get provenance --json',
          );
          assert.equal(json.inherited, true);
          assert.equal(json.platform, name);
          assert.deepEqual(
            json.subject,
            subjectOf(image.index),
            'the subject the version belongs to: the index',
          );
          assert.equal(json.version.version, indexVersion.version.version);
          // --no-inherit: the platform's own, which for amd64 of the OCI index is the provenance in
          // its buildx attestation manifest (read as that platform's, docs/kinds.md); others have none.
          const attested = image.attestations.some(
            (a) => a.annotations?.['vnd.docker.reference.digest'] === image.children[i]!.digest,
          );
          if (attested) {
            const own = await cli(['get', image.ref, 'provenance', '--platform', name, '--no-inherit']);
            const statement = JSON.parse(ok(own, 'get --no-inherit (buildx)')) as { predicateType: string };
            assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v0.2');
            continue;
          }
          const strict = fails(
            await cli(['get', image.ref, 'provenance', '--platform', name, '--no-inherit']),
            3,
            'get --no-inherit',
          );
          assert.equal(
            strict.error,
            `manifesto: error: no "provenance" metadata for ${image.ref} [${name}] (${image.children[i]!.digest})`,
          );
        }

        // 5. get vuln without --platform: ambiguous, naming every platform.
        const ambiguous = fails(await cli(['get', image.ref, 'vuln']), 8, 'get vuln without --platform');
        assert.equal(
          ambiguous.error,
          `manifesto: error: "vuln" is stored per platform for ${image.ref} (linux/amd64, linux/arm64/v8, linux/arm/v7), not for the index`,
        );
        assert.equal(ambiguous.hint, '  hint: Choose one with --platform, e.g. --platform linux/amd64.');
        const ambiguousJson = await cli(['get', image.ref, 'vuln', '--json']);
        assert.equal(ambiguousJson.code, 8);
        const errorJson = JSON.parse(ambiguousJson.stderr) as ErrorJson;
        assert.equal(errorJson.error.code, 'PLATFORM_REQUIRED');
        assert.equal(errorJson.error.category, 'ambiguous');

        // 6. The tree: the index's provenance, each platform's own vuln; no attestation manifest.
        const tree = okJson<ListJson>(await cli(['list', image.ref, '--tree', '--json']), 'list --tree');
        assert.deepEqual(tree.subject, subjectOf(image.index));
        assert.deepEqual(
          tree.types.map((t) => [t.type, t.count, t.inherited]),
          [['provenance', 1, false]],
        );
        assert.deepEqual(
          tree.platforms?.map((p) => p.platform),
          PLATFORM_NAMES,
        );
        tree.platforms!.forEach((p, i) => {
          assert.deepEqual(p.subject, subjectOf(image.children[i]!));
          assert.deepEqual(
            p.types.map((t) => [t.type, t.count, t.inherited]),
            [['vuln', 1, false]],
          );
          assert.equal(
            p.types[0]!.latest.content?.digest,
            `sha256:${sha256Hex(reports.get(p.platform)!.text)}`,
          );
        });
      });
    }

    it('put on the index without --platform: a note on stderr; get, list and history act on the index itself', async () => {
      const image = await newIndex(backend, 'oci');
      const file = files.file('contact.json', '{"team":"platform","oncall":"#platform"}\n');
      const result = await cli(['put', image.ref, 'contact', file, '--json']);
      const put = okJson<PutJson>(result, 'put contact');
      assert.deepEqual(put.subject, subjectOf(image.index));
      assert.equal(put.platform, undefined);
      assert.match(
        result.stderr,
        /^note: .* is a multi-platform index: this contact applies to all its platforms/,
      );

      const list = okJson<ListJson>(await cli(['list', image.ref, '--json']), 'list');
      assert.deepEqual(list.subject, subjectOf(image.index));
      assert.equal(list.platforms, undefined, 'no tree without --tree');
      assert.deepEqual(
        list.types.map((t) => [t.type, t.inherited]),
        [['contact', false]],
      );
      const history = okJson<HistoryJson>(await cli(['history', image.ref, 'contact', '--json']), 'history');
      assert.deepEqual(history.subject, subjectOf(image.index));
      assert.deepEqual(
        history.versions.map((v) => v.version),
        [put.version],
      );

      // The platforms have nothing of their own; list --platform shows the index's as inherited.
      for (const [i, name] of PLATFORM_NAMES.entries()) {
        const own = okJson<ListJson>(
          await cli(['list', image.at(image.children[i]!.digest), '--json']),
          'list child',
        );
        assert.deepEqual(own.types, []);
        const platformList = okJson<ListJson>(
          await cli(['list', image.ref, '--platform', name, '--json']),
          'list --platform',
        );
        assert.equal(platformList.platform, name);
        assert.deepEqual(platformList.subject, subjectOf(image.children[i]!));
        // amd64 also lists the provenance of its buildx attestation manifest (not manifesto's).
        assert.deepEqual(
          platformList.types.map((t) => [t.type, t.inherited, t.latest.manifesto]),
          [['contact', true, true], ...(i === 0 ? [['provenance', false, false]] : [])],
        );
        assert.equal(platformList.types[0]!.latest.version, put.version);
        // history --platform is the platform's own history: none.
        fails(await cli(['history', image.ref, 'contact', '--platform', name]), 3, 'history --platform');
      }
      // put --platform says nothing on stderr.
      // (Flags may come before FILE: `put app:v2 vuln --platform linux/arm64 ./arm64-scan.json`.)
      const perPlatform = await cli(['put', image.ref, 'contact', '--platform', 'linux/arm64', file]);
      ok(perPlatform, 'put --platform');
      assert.equal(perPlatform.stderr, '');
      assert.match(perPlatform.stdout.toString(), /^Stored contact for .* \[linux\/arm64\/v8\] \(sha256:/);
    });

    it('get --platform: the platform’s own version beats the index’s; a platform without one never gets another platform’s', async () => {
      const image = await newIndex(backend, 'docker');
      const indexSbom = files.file('sbom-index.json', '{"sbom":"index"}\n');
      const armSbom = files.file('sbom-arm64.json', '{"sbom":"arm64"}\n');
      const amdVuln = files.file('vuln-amd64.json', '{"vuln":"amd64 only"}\n');
      ok(await cli(['put', image.ref, 'sbom', indexSbom]), 'put sbom on the index');
      ok(await cli(['put', image.ref, 'sbom', armSbom, '--platform', 'linux/arm64']), 'put sbom arm64');
      ok(await cli(['put', image.ref, 'vuln', amdVuln, '--platform', 'linux/amd64']), 'put vuln amd64');

      const own = await cli(['get', image.ref, 'sbom', '--platform', 'linux/arm64']);
      assert.equal(ok(own, 'own'), '{"sbom":"arm64"}\n');
      assert.equal(own.stderr, '');
      const inherited = await cli(['get', image.ref, 'sbom', '--platform', 'linux/amd64']);
      assert.equal(ok(inherited, 'inherited'), '{"sbom":"index"}\n');
      assert.equal(inherited.stderr, INHERITED_NOTE('linux/amd64', 'sbom', image.index.digest));
      // Without --platform: the index's own, even though a platform has one too (not ambiguous).
      assert.equal(ok(await cli(['get', image.ref, 'sbom']), 'index sbom'), '{"sbom":"index"}\n');

      // --no-inherit: own versions still come back; inherited ones do not.
      assert.equal(
        ok(
          await cli(['get', image.ref, 'sbom', '--platform', 'linux/arm64', '--no-inherit']),
          'own, no-inherit',
        ),
        '{"sbom":"arm64"}\n',
      );
      const noInherit = fails(
        await cli(['get', image.ref, 'sbom', '--platform', 'linux/amd64', '--no-inherit']),
        3,
        'no-inherit',
      );
      assert.match(noInherit.error, /no "sbom" metadata for .*\[linux\/amd64\] \(sha256:/);
      assert.ok(noInherit.error.includes(image.children[0]!.digest), 'names the platform image');

      // vuln exists only for amd64: arm64 and arm/v7 get nothing (not amd64's), with or without --no-inherit.
      for (const want of ['linux/arm64', 'linux/arm/v7']) {
        for (const extra of [[], ['--no-inherit']]) {
          const missing = fails(
            await cli(['get', image.ref, 'vuln', '--platform', want, ...extra]),
            3,
            `vuln for ${want}`,
          );
          assert.match(missing.error, /no "vuln" metadata for /);
          assert.ok(!missing.error.includes(image.children[0]!.digest));
        }
      }
      // --version of amd64's vuln asked through arm64: not found, not amd64's content.
      const amdVersion = okJson<GetJson>(
        await cli(['get', image.ref, 'vuln', '--platform', 'linux/amd64', '--json']),
        'amd64 vuln',
      ).version.version;
      fails(
        await cli(['get', image.ref, 'vuln', '--platform', 'linux/arm64', '--version', amdVersion]),
        3,
        'another platform’s version',
      );
      // Only amd64 has vuln: the ambiguity error names just the platforms that have it.
      const ambiguous = fails(await cli(['get', image.ref, 'vuln']), 8, 'ambiguous');
      assert.match(
        ambiguous.error,
        /"vuln" is stored per platform for .* \(linux\/amd64\), not for the index$/,
      );
      // Nobody has it: plain not found (exit 3), not ambiguous.
      const none = fails(await cli(['get', image.ref, 'seccomp']), 3, 'nobody has seccomp');
      assert.match(none.error, /no "seccomp" metadata for /);
    });

    it('a platform the index does not have: exit 3 listing the available platforms, for every command; attestation manifests are never chosen', async () => {
      const image = await newIndex(backend, 'oci');
      const file = files.file('x.json', '{}\n');
      const commands: string[][] = [
        ['put', image.ref, 'vuln', file],
        ['get', image.ref, 'vuln'],
        ['list', image.ref],
        ['history', image.ref, 'vuln'],
        ['delete', image.ref, 'vuln'],
        ['prune', image.ref, '--keep', '1'],
      ];
      for (const command of commands) {
        for (const want of [
          'linux/s390x',
          'linux/arm/v6',
          'linux/arm64/v9',
          'unknown/unknown',
          'windows/amd64',
        ]) {
          const failure = fails(
            await cli([...command, '--platform', want]),
            3,
            `${command[0]} --platform ${want}`,
          );
          assert.ok(
            failure.error.endsWith(`${image.ref} has no image for platform ${want}`),
            `${command[0]} ${want}: ${failure.error}`,
          );
          assert.equal(failure.hint, AVAILABLE_HINT);
        }
      }
      // The attestation manifest got nothing.
      const attestation = image.attestations[0]!;
      assert.deepEqual(
        okJson<ListJson>(await cli(['list', image.at(attestation.digest), '--json']), 'list attestation')
          .types,
        [],
      );
      // An invalid platform is a usage error.
      const invalid = fails(
        await cli(['get', image.ref, 'vuln', '--platform', 'linux']),
        2,
        'invalid platform',
      );
      assert.match(invalid.error, /invalid platform "linux"/);
    });

    it('--platform local is the platform of this machine', async () => {
      const local = localPlatform();
      const other: Platform =
        local.architecture === 's390x'
          ? { os: 'linux', architecture: 'riscv64' }
          : { os: 'linux', architecture: 's390x' };
      const image = await newIndex(backend, 'oci', [other, local]);
      const file = files.file('local.json', `{"for":"${formatPlatform(local)}"}\n`);
      const put = okJson<PutJson>(
        await cli(['put', image.ref, 'vuln', file, '--platform', 'local', '--json']),
        'put local',
      );
      assert.deepEqual(put.subject, subjectOf(image.children[1]!));
      assert.equal(put.platform, formatPlatform(local));
      assert.equal(
        ok(await cli(['get', image.ref, 'vuln', '--platform', 'local']), 'get local'),
        `{"for":"${formatPlatform(local)}"}\n`,
      );
      assert.equal(
        ok(await cli(['get', image.ref, 'vuln', '--platform', formatPlatform(local)]), 'get explicit'),
        `{"for":"${formatPlatform(local)}"}\n`,
      );
      fails(await cli(['get', image.ref, 'vuln', '--platform', formatPlatform(other)]), 3, 'other platform');
      // An index without this machine's platform: not found, listing what there is.
      const foreign = await newIndex(backend, 'oci', [other]);
      const failure = fails(await cli(['get', foreign.ref, 'vuln', '--platform', 'local']), 3, 'no local');
      assert.ok(failure.error.endsWith(`has no image for platform ${formatPlatform(local)}`), failure.error);
      assert.equal(failure.hint, `  hint: Available platforms: ${formatPlatform(other)}.`);
    });

    it('Windows images are matched by os.version (major.minor.build)', async () => {
      const ltsc2019: Platform = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5329' };
      const ltsc2022: Platform = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' };
      const image = await newIndex(backend, 'docker', [AMD64, ltsc2019, ltsc2022]);
      const f2019 = files.file('win2019.json', '{"os":"ltsc2019"}\n');
      const f2022 = files.file('win2022.json', '{"os":"ltsc2022"}\n');
      const put2019 = okJson<PutJson>(
        await cli(['put', image.ref, 'vuln', f2019, '--platform', 'windows/amd64:10.0.17763', '--json']),
        'put 2019',
      );
      assert.deepEqual(put2019.subject, subjectOf(image.children[1]!));
      assert.equal(put2019.platform, 'windows/amd64:10.0.17763.5329');
      const put2022 = okJson<PutJson>(
        await cli(['put', image.ref, 'vuln', f2022, '--platform', 'windows(10.0.20348)/amd64', '--json']),
        'put 2022',
      );
      assert.deepEqual(put2022.subject, subjectOf(image.children[2]!));
      const cases: [string, string][] = [
        ['windows/amd64:10.0.17763.5329', '{"os":"ltsc2019"}\n'],
        ['windows/amd64:10.0.17763.1234', '{"os":"ltsc2019"}\n'],
        ['windows(10.0.17763)/amd64', '{"os":"ltsc2019"}\n'],
        ['windows/amd64:10.0.20348', '{"os":"ltsc2022"}\n'],
        ['windows/amd64:10.0.20348.9', '{"os":"ltsc2022"}\n'],
        // Without an OS version: the first Windows image of the index.
        ['windows/amd64', '{"os":"ltsc2019"}\n'],
      ];
      for (const [want, content] of cases) {
        assert.equal(ok(await cli(['get', image.ref, 'vuln', '--platform', want]), want), content, want);
      }
      fails(await cli(['get', image.ref, 'vuln', '--platform', 'linux/amd64']), 3, 'linux has none');
      const failure = fails(
        await cli(['get', image.ref, 'vuln', '--platform', 'windows/amd64:10.0.26100']),
        3,
        '2025',
      );
      assert.equal(
        failure.hint,
        '  hint: Available platforms: linux/amd64, windows/amd64:10.0.17763.5329, windows/amd64:10.0.20348.2227.',
      );
      const tree = okJson<ListJson>(await cli(['list', image.ref, '--tree', '--json']), 'tree');
      assert.deepEqual(
        tree.platforms?.map((p) => [p.platform, p.types.map((t) => t.type)]),
        [
          ['linux/amd64', []],
          ['windows/amd64:10.0.17763.5329', ['vuln']],
          ['windows/amd64:10.0.20348.2227', ['vuln']],
        ],
      );
    });

    it('history, delete and prune --platform act on that platform’s image only', async () => {
      const image = await newIndex(backend, 'oci');
      const versions = new Map<string, string[]>();
      // Two versions for the index and for each platform.
      for (const round of [1, 2]) {
        const file = files.file(`seccomp-index-${round}.json`, `{"round":${round},"for":"index"}\n`);
        const put = okJson<PutJson>(await cli(['put', image.ref, 'seccomp', file, '--json']), 'put index');
        versions.set('index', [put.version, ...(versions.get('index') ?? [])]);
        for (const name of PLATFORM_NAMES) {
          const pf = files.file(
            `seccomp-${name.replaceAll('/', '-')}-${round}.json`,
            `{"round":${round},"for":"${name}"}\n`,
          );
          const p = okJson<PutJson>(
            await cli(['put', image.ref, 'seccomp', pf, '--platform', name, '--json']),
            `put ${name}`,
          );
          versions.set(name, [p.version, ...(versions.get(name) ?? [])]);
        }
      }
      for (const name of PLATFORM_NAMES) {
        const history = okJson<HistoryJson>(
          await cli(['history', image.ref, 'seccomp', '--platform', name, '--json']),
          'history',
        );
        assert.equal(history.platform, name);
        assert.deepEqual(
          history.versions.map((v) => v.version),
          versions.get(name),
        );
      }
      // delete --platform arm64: its latest goes, its previous is latest again; nobody else changes.
      const deleted = okJson<RemovalJson>(
        await cli(['delete', image.ref, 'seccomp', '--platform', 'linux/arm64', '--json']),
        'delete',
      );
      assert.deepEqual(deleted.subject, subjectOf(image.children[1]!));
      assert.deepEqual(
        deleted.deleted.map((v) => v.version),
        [versions.get('linux/arm64/v8')![0]],
      );
      assert.equal(
        ok(await cli(['get', image.ref, 'seccomp', '--platform', 'linux/arm64']), 'after delete'),
        '{"round":1,"for":"linux/arm64/v8"}\n',
      );
      // prune --platform arm/v7 --keep 1: one version left there; amd64 and the index keep two.
      const pruned = okJson<RemovalJson>(
        await cli(['prune', image.ref, '--keep', '1', '--platform', 'linux/arm/v7', '--json']),
        'prune',
      );
      assert.deepEqual(pruned.subject, subjectOf(image.children[2]!));
      assert.deepEqual(
        pruned.deleted.map((v) => v.version),
        [versions.get('linux/arm/v7')![1]],
      );
      const tree = okJson<ListJson>(await cli(['list', image.ref, '--tree', '--json']), 'tree');
      assert.deepEqual(
        [tree.types[0]!.count, ...tree.platforms!.map((p) => p.types[0]!.count)],
        [2, 2, 1, 1],
      );
      assert.deepEqual(
        [tree.types[0]!.latest.version, ...tree.platforms!.map((p) => p.types[0]!.latest.version)],
        [
          versions.get('index')![0],
          versions.get('linux/amd64')![0],
          versions.get('linux/arm64/v8')![1],
          versions.get('linux/arm/v7')![0],
        ],
      );
    });

    it('put --all-platforms: the same file for every platform, in parallel; attestation manifests get nothing', async () => {
      const image = await newIndex(backend, 'oci');
      const file = files.file('policy.json', '{"policy":"all"}\n');
      const result = await cli(['put', image.ref, 'policy', file, '--all-platforms', '--json']);
      const json = okJson<PutAllJson>(result, 'put --all-platforms');
      assert.deepEqual(json.index, subjectOf(image.index));
      assert.deepEqual(
        json.results.map((r) => r.ok && [r.platform, r.subject.digest]),
        image.children.map((c, i) => [PLATFORM_NAMES[i], c.digest]),
      );
      for (const name of PLATFORM_NAMES) {
        const got = await cli(['get', image.ref, 'policy', '--platform', name]);
        assert.equal(ok(got, name), '{"policy":"all"}\n');
        assert.equal(got.stderr, '', 'stored for the platform itself');
      }
      // Nothing for the index or the attestation manifest.
      fails(await cli(['get', image.ref, 'policy']), 8, 'ambiguous on the index');
      assert.deepEqual(
        okJson<ListJson>(
          await cli(['list', image.at(image.attestations[0]!.digest), '--json']),
          'attestation',
        ).types,
        [],
      );
      // Text output: one line per platform.
      const text = ok(await cli(['put', image.ref, 'policy', file, '--all-platforms']), 'text');
      assert.deepEqual(
        text
          .trimEnd()
          .split('\n')
          .map((l) => /\[(.*)\]/.exec(l)?.[1]),
        PLATFORM_NAMES,
      );
    });

    it('put --all-platforms --file-per-platform: a missing file fails that platform only (exit 11), the others are stored', async () => {
      const image = await newIndex(backend, 'docker');
      const dir = mkdtempSync(join(files.dir, 'per-platform-'));
      const template = join(dir, 'scan-{os}-{arch}{variant}.json');
      // Reports for amd64 and arm/v7 only: scan-linux-amd64.json, scan-linux-armv7.json.
      const amd = scanReport(image.ref, 'linux/amd64', image.children[0]!.digest);
      const arm = scanReport(image.ref, 'linux/arm/v7', image.children[2]!.digest);
      writeFileSync(join(dir, 'scan-linux-amd64.json'), amd);
      writeFileSync(join(dir, 'scan-linux-armv7.json'), arm);

      const result = await cli([
        'put',
        image.ref,
        'vuln',
        '--all-platforms',
        '--file-per-platform',
        template,
      ]);
      assert.equal(result.code, 11, `exit 11 (partial), stderr: ${result.stderr}`);
      const stored = result.stdout.toString().trimEnd().split('\n');
      assert.equal(stored.length, 2, result.stdout.toString());
      assert.match(stored[0]!, /^Stored vuln for .* \[linux\/amd64\] /);
      assert.match(stored[1]!, /^Stored vuln for .* \[linux\/arm\/v7\] /);
      const errors = result.stderr.trimEnd().split('\n');
      assert.match(errors[0]!, /^manifesto: linux\/arm64\/v8: error: .*scan-linux-arm64v8\.json/);
      assert.equal(errors[1], 'manifesto: error: 1 of 3 platforms failed: linux/arm64/v8');
      assert.match(errors[2]!, /^ {2}hint: The platforms not listed were stored/);

      assert.equal(ok(await cli(['get', image.ref, 'vuln', '--platform', 'linux/amd64']), 'amd64'), amd);
      assert.equal(ok(await cli(['get', image.ref, 'vuln', '--platform', 'linux/arm/v7']), 'arm'), arm);
      fails(await cli(['get', image.ref, 'vuln', '--platform', 'linux/arm64']), 3, 'arm64 has none');

      // JSON: one result per platform, ok or not, and the same exit code.
      const again = await cli([
        'put',
        image.ref,
        'vuln',
        '--all-platforms',
        '--file-per-platform',
        template,
        '--json',
      ]);
      assert.equal(again.code, 11);
      const json = JSON.parse(again.stdout.toString()) as PutAllJson;
      assert.deepEqual(
        json.results.map((r) => [r.ok, r.platform]),
        [
          [true, 'linux/amd64'],
          [false, 'linux/arm64/v8'],
          [true, 'linux/arm/v7'],
        ],
      );
      const failed = json.results[1]!;
      assert.ok(!failed.ok && failed.error.category === 'usage', JSON.stringify(failed));
      const errorJson = JSON.parse(again.stderr.trimEnd().split('\n').at(-1)!) as ErrorJson;
      assert.equal(errorJson.error.code, 'PLATFORMS_FAILED');
      assert.equal(errorJson.error.category, 'partial');

      // Every platform failing: that error's exit code (2: the files are missing), nothing stored.
      const empty = mkdtempSync(join(files.dir, 'none-'));
      const allMissing = await cli([
        'put',
        image.ref,
        'sbom',
        '--all-platforms',
        '--file-per-platform',
        join(empty, 'sbom-{os}-{arch}{variant}.json'),
      ]);
      assert.equal(allMissing.code, 2, allMissing.stderr);
      assert.match(
        allMissing.stderr,
        /3 of 3 platforms failed: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v7/,
      );
      const tree = okJson<ListJson>(await cli(['list', image.ref, '--tree', '--json']), 'tree');
      assert.ok(tree.platforms!.every((p) => p.types.every((t) => t.type !== 'sbom')));
    });

    it('flags that do not go together, and --all-platforms on a single-platform image, are usage errors', async () => {
      const image = await newIndex(backend, 'oci');
      const file = files.file('u.json', '{}\n');
      fails(
        await cli(['put', image.ref, 'vuln', file, '--platform', 'linux/amd64', '--all-platforms']),
        2,
        '--platform with --all-platforms',
      );
      fails(
        await cli(['put', image.ref, 'vuln', '--file-per-platform', join(files.dir, '{os}.json')]),
        2,
        '--file-per-platform without --all-platforms',
      );
      const { repository, ref } = await backend.newRepository('single');
      const single = await pushTestImage(repository, { tag: 'v1', platform: ARM64 });
      const notIndex = fails(await cli(['put', ref('v1'), 'vuln', file, '--all-platforms']), 2, 'single');
      assert.match(notIndex.error, /is a single-platform image/);
      // --platform on a single-platform image: its own platform works, another is not found.
      const put = okJson<PutJson>(
        await cli(['put', ref('v1'), 'vuln', file, '--platform', 'linux/arm64', '--json']),
        'own platform',
      );
      assert.deepEqual(put.subject, subjectOf(single));
      const wrong = fails(
        await cli(['get', ref('v1'), 'vuln', '--platform', 'linux/amd64']),
        3,
        'other platform',
      );
      assert.match(wrong.error, /is a single-platform image for linux\/arm64\/v8, not linux\/amd64$/);
      // list --tree of a single-platform image is its plain list.
      const tree = okJson<ListJson>(await cli(['list', ref('v1'), '--tree', '--json']), 'tree of single');
      assert.equal(tree.platforms, undefined);
      assert.deepEqual(
        tree.types.map((t) => t.type),
        ['vuln'],
      );
    });

    it('list --tree (and its alias --all-platforms): the index, then each platform with its own metadata', async () => {
      const image = await newIndex(backend, 'oci');
      ok(await cli(['put', image.ref, 'provenance', files.file('p.json', '{"p":1}\n')]), 'index');
      ok(
        await cli(['put', image.ref, 'vuln', files.file('v.json', '{"v":1}\n'), '--platform', 'linux/arm64']),
        'arm64',
      );
      const text = ok(await cli(['list', image.ref, '--tree']), 'list --tree');
      const lines = text.trimEnd().split('\n');
      assert.equal(lines[0], `${image.ref} (${image.index.digest}, an index of 3 platforms)`);
      assert.match(lines[1]!, /^ {2}TYPE +VERSIONS +LATEST/);
      assert.match(lines[2]!, /^ {2}provenance +1 +sha256:/);
      assert.equal(lines[3], `linux/amd64 (${image.children[0]!.digest})`);
      assert.equal(lines[4], '  no metadata');
      assert.equal(lines[5], `linux/arm64/v8 (${image.children[1]!.digest})`);
      assert.match(lines[7]!, /^ {2}vuln +1 +sha256:/);
      assert.equal(lines[8], `linux/arm/v7 (${image.children[2]!.digest})`);
      assert.equal(lines[9], '  no metadata');
      assert.equal(lines.length, 10, text);
      assert.doesNotMatch(text, /unknown/);

      const tree = okJson<ListJson>(await cli(['list', image.ref, '--tree', '--json']), 'tree json');
      const alias = okJson<ListJson>(await cli(['list', image.ref, '--all-platforms', '--json']), 'alias');
      assert.deepEqual(alias, tree);
      assert.equal(tree.image, image.ref);
      assert.deepEqual(
        tree.platforms!.map((p) => [p.platform, p.subject.digest, p.types.map((t) => t.type)]),
        [
          ['linux/amd64', image.children[0]!.digest, []],
          ['linux/arm64/v8', image.children[1]!.digest, ['vuln']],
          ['linux/arm/v7', image.children[2]!.digest, []],
        ],
      );
      // list --platform: the platform's own types and the index's, marked inherited.
      const arm = okJson<ListJson>(
        await cli(['list', image.ref, '--platform', 'linux/arm64', '--json']),
        'arm',
      );
      assert.deepEqual(
        arm.types.map((t) => [t.type, t.inherited]),
        [
          ['provenance', true],
          ['vuln', false],
        ],
      );
      const armText = ok(await cli(['list', image.ref, '--platform', 'linux/arm64']), 'arm text');
      assert.match(armText, /^.* \[linux\/arm64\/v8\] \(sha256:/);
      assert.match(armText, /provenance .*\(from the index\)/);
    });
  });
}

describe('command help documents the platform flags', () => {
  const flags: Record<string, string[]> = {
    put: ['--platform P', '--all-platforms', '--file-per-platform TEMPLATE', '{variant}'],
    get: ['--platform P', '--no-inherit', 'exit 8'],
    list: ['--platform P', '--tree', '--all-platforms'],
    history: ['--platform P'],
    delete: ['--platform P'],
    prune: ['--platform P'],
  };
  for (const [command, expected] of Object.entries(flags)) {
    it(`${command} --help`, async () => {
      const text = ok(await runMain([command, '--help'], process.env), `${command} --help`);
      for (const flag of expected)
        assert.ok(text.includes(flag), `${command} --help mentions ${flag}:\n${text}`);
      assert.match(text, /linux\/arm64 = linux\/arm64\/v8/);
      assert.match(text, /local \(this machine\)/);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Request counts of list --tree

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface TimedRequest {
  method: string;
  url: string;
  started: number;
  ended: number;
}

/** A fetch that records when each request started and when its response headers came back. */
function timingFetch(log: TimedRequest[]): NonNullable<ClientOptions['fetch']> {
  const timed = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const record: TimedRequest = {
      method: init?.method ?? 'GET',
      url,
      started: performance.now(),
      ended: Number.NaN,
    };
    log.push(record);
    try {
      return (await undiciFetch(url, init as Parameters<typeof undiciFetch>[1])) as unknown as Response;
    } finally {
      record.ended = performance.now();
    }
  };
  return timed as NonNullable<ClientOptions['fetch']>;
}

/** The largest number of `requests` in flight at the same moment. */
function maxInFlight(requests: readonly TimedRequest[]): number {
  let max = 0;
  for (const r of requests) {
    const overlapping = requests.filter((o) => o.started <= r.started && o.ended > r.started).length;
    max = Math.max(max, overlapping);
  }
  return max;
}

const pathOf = (url: string): string =>
  new URL(url).pathname.replace(/^\/v2\/.*?\/(manifests|referrers|blobs)\//, '$1/');

for (const kind of ['refreg', 'distribution'] as const) {
  describe(`list --tree request budget on ${kind}`, () => {
    const backend = makeBackend(kind);
    const files = scratchDir('manifesto-multiarch-files-');
    after(() => {
      files.remove();
      backend.cleanup();
    });

    it('index with 3 platforms (and an attestation manifest): index GET + 1 + 3 referrers requests, the children’s in parallel', async (t) => {
      const image = await newIndex(backend, 'oci');
      // Metadata on the index and on every platform, and a listing in between so that this process has
      // seen every version once (refreg's listing repair cache is warm, see referrers-api.ts).
      ok(await backend.cli(['put', image.ref, 'provenance', files.file('p.json', '{"p":1}\n')]), 'put index');
      ok(
        await backend.cli(['put', image.ref, 'vuln', files.file('v.json', '{"v":1}\n'), '--all-platforms']),
        'put all',
      );

      const measure = async () => {
        const events: RequestEvent[] = [];
        const timings: TimedRequest[] = [];
        const result = await backend.cli(['list', image.ref, '--tree', '--json'], {
          client: { onRequest: (e) => events.push(e), fetch: timingFetch(timings) },
        });
        const tree = okJson<ListJson>(result, 'list --tree');
        assert.deepEqual(
          tree.platforms!.map((p) => p.types.map((x) => x.type)),
          [['vuln'], ['vuln'], ['vuln']],
        );
        return { events, timings, summary: events.map((e) => `${e.method} ${pathOf(e.url)} ${e.status}`) };
      };

      const first = await measure();
      const steady = await measure();
      t.diagnostic(
        `${kind} list --tree, first in this process: ${first.events.length} (${first.summary.join(', ')})`,
      );
      t.diagnostic(`${kind} list --tree, steady: ${steady.events.length} (${steady.summary.join(', ')})`);

      const subjects = [image.index, ...image.children].map((d) => d.digest);
      for (const { events } of [first, steady]) {
        // One GET of the index (by tag), nothing for the attestation manifest.
        const manifestGets = events.filter(
          (e) => e.requestClass === 'manifest' && e.url.endsWith('/manifests/v1'),
        );
        assert.equal(manifestGets.length, 1, 'one GET of the index');
        assert.equal(manifestGets[0]!.method, 'GET');
        assert.ok(
          !events.some((e) => e.url.includes(image.attestations[0]!.digest.slice(7))),
          'attestation not listed',
        );
        assert.ok(
          events.every((e) => e.method === 'GET' && e.attempt === 1),
          'GETs only, no retries',
        );
      }

      if (kind === 'refreg') {
        for (const { events } of [first, steady]) {
          const referrers = events.filter((e) => e.requestClass === 'referrers');
          assert.deepEqual(
            referrers.map((e) => e.url.split('/referrers/')[1]).sort(),
            [...subjects].sort(),
            'one referrers request per subject',
          );
        }
        // Steady state: exactly the budget. The first listing in a process may add one GET per version
        // refreg lists with the empty config media type as artifactType (the repair, cached per digest).
        assert.ok(steady.events.length <= 1 + 1 + 3, steady.summary.join(', '));
        assert.equal(steady.events.length, 5, steady.summary.join(', '));
        assert.ok(first.events.length <= 5 + 4, first.summary.join(', '));
      } else {
        // Tag schema: one GET of the referrers tag (sha256-<hex>) per subject, and no referrers API
        // probe: the puts above cached this repository's answer (no API) for the process.
        for (const { events } of [first, steady]) {
          const tagGets = events.filter((e) => /\/manifests\/sha256-[a-f0-9]{64}$/.test(e.url));
          assert.deepEqual(
            tagGets.map((e) => e.url.split('/manifests/sha256-')[1]).sort(),
            subjects.map((s) => s.slice('sha256:'.length)).sort(),
            'one tag GET per subject',
          );
          assert.ok(tagGets.every((e) => e.requestClass === 'referrers' && e.status === 200));
          assert.ok(
            !events.some((e) => e.url.includes('/referrers/')),
            'no probe once the capability is known',
          );
        }
        assert.equal(first.events.length, 1 + 1 + 3, first.summary.join(', '));
        assert.equal(steady.events.length, 1 + 1 + 3, steady.summary.join(', '));
      }

      // The children's listings are requested in parallel: every child request starts before any of
      // them has answered.
      const childRequests = (timings: TimedRequest[]) =>
        timings.filter((r) =>
          image.children.some((c) =>
            r.url.includes(kind === 'refreg' ? c.digest : `sha256-${c.digest.slice(7)}`),
          ),
        );
      for (const { timings } of [first, steady]) {
        const children = childRequests(timings);
        assert.equal(children.length, 3, children.map((c) => c.url).join(', '));
        const lastStart = Math.max(...children.map((r) => r.started));
        const firstEnd = Math.min(...children.map((r) => r.ended));
        assert.ok(
          lastStart < firstEnd,
          `all 3 started (last at ${lastStart}) before the first answered (${firstEnd})`,
        );
        assert.equal(maxInFlight(children), 3);
        // The index's own listing runs alongside them too.
        const indexListing = timings.find((r) =>
          r.url.includes(kind === 'refreg' ? image.index.digest : `sha256-${image.index.digest.slice(7)}`),
        )!;
        assert.ok(indexListing.started < firstEnd, 'the index listing is not waited for');
      }
    });

    it('put --all-platforms uploads each blob once, then pushes the platforms’ manifests in parallel', async (t) => {
      // Regression: every platform's put uploaded the shared content and the empty config itself, in
      // parallel. distribution 2.8 writes a repository's blob link non-atomically, so a manifest PUT
      // racing another upload of the same blob failed now and then (MANIFEST_BLOB_UNKNOWN, reported as
      // DIGEST_INVALID: exit 7 or 11 for a put that should have succeeded).
      const image = await newIndex(backend, 'oci');
      const shared = files.file('shared.json', '{"shared":true}\n');
      const events: RequestEvent[] = [];
      const result = await backend.cli(['put', image.ref, 'policy', shared, '--all-platforms', '--json'], {
        client: { onRequest: (e) => events.push(e) },
      });
      okJson<PutAllJson>(result, 'put --all-platforms');
      const summary = events.map((e) => `${e.method} ${pathOf(e.url)} ${e.status}`);
      t.diagnostic(
        `${kind} put --all-platforms, 3 platforms, shared file: ${events.length} (${summary.join(', ')})`,
      );
      const uploadsStarted = events.filter((e) => e.method === 'POST' && e.requestClass === 'upload');
      // The content once, and the empty config once unless the registry has it already (refreg keeps
      // blobs for all repositories together).
      assert.equal(
        uploadsStarted.length,
        kind === 'refreg' ? 1 : 2,
        `content and empty config uploaded once each: ${summary.join(', ')}`,
      );
      const manifestPuts = events.filter(
        (e) => e.method === 'PUT' && e.requestClass === 'manifest' && /\/manifests\/sha256:/.test(e.url),
      );
      assert.equal(manifestPuts.length, 3, 'one version manifest per platform');

      // Per-platform files: each content once, the empty config once (none was there before).
      const dir = mkdtempSync(join(files.dir, 'once-'));
      for (const name of ['linux-amd64', 'linux-arm64v8', 'linux-armv7']) {
        writeFileSync(join(dir, `sbom-${name}.json`), `{"sbom":"${name}"}\n`);
      }
      const fresh = await newIndex(backend, 'docker');
      events.length = 0;
      ok(
        await backend.cli(
          [
            'put',
            fresh.ref,
            'sbom',
            '--all-platforms',
            '--file-per-platform',
            join(dir, 'sbom-{os}-{arch}{variant}.json'),
          ],
          { client: { onRequest: (e) => events.push(e) } },
        ),
        'put --file-per-platform',
      );
      const perPlatform = events.filter((e) => e.method === 'POST' && e.requestClass === 'upload');
      assert.equal(
        perPlatform.length,
        kind === 'refreg' ? 3 : 3 + 1,
        events.map((e) => `${e.method} ${pathOf(e.url)} ${e.status}`).join(', '),
      );
    });

    it('a repository this process has not seen (as in every new CLI process): what list --tree costs', async (t) => {
      // A new repository: the referrers capability of this repository is not cached yet.
      const image = await newIndex(backend, 'oci');
      const events: RequestEvent[] = [];
      const tree = okJson<ListJson>(
        await backend.cli(['list', image.ref, '--tree', '--json'], {
          client: { onRequest: (e) => events.push(e) },
        }),
        'list --tree',
      );
      assert.equal(tree.platforms?.length, 3);
      const summary = events.map((e) => `${e.method} ${pathOf(e.url)} ${e.status}`);
      t.diagnostic(`${kind} list --tree, cold capability: ${events.length} (${summary.join(', ')})`);
      if (kind === 'refreg') {
        // The probe is the listing itself: index GET + 4 referrers GETs.
        assert.equal(events.length, 5, summary.join(', '));
        assert.equal(events.filter((e) => e.url.includes('/referrers/')).length, 4);
      } else {
        // Nothing cached for this repository yet: the first of the 4 listings, started in parallel,
        // probes the referrers API (404: no API); the others wait for its answer (the same round trip)
        // and each reads its referrers tag (404: no referrers yet). 1 + 1 + 4 = 6 (9 when each probed).
        const probes = events.filter((e) => e.url.includes('/referrers/'));
        const tagGets = events.filter((e) => /\/manifests\/sha256-[a-f0-9]{64}$/.test(e.url));
        assert.equal(probes.length, 1, summary.join(', '));
        assert.ok(probes.every((e) => e.status === 404));
        assert.equal(tagGets.length, 4, summary.join(', '));
        assert.equal(events.length, 1 + 1 + 4, summary.join(', '));
      }
    });
  });
}
