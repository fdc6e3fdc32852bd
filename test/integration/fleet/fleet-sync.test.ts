// index sync against real backends (distribution = referrers tag schema, refreg = referrers API, an
// OCI layout): a repository with a single image, a multi-platform index with index-level and
// per-platform metadata, signed and unsigned versions, approvals, deployments and lifecycle, put by
// manifesto itself. After a sync, queries return exactly the expected digests per platform; a second
// sync of the unchanged repository reads no version again (requests counted through the transport's
// onRequest hook); a put is reflected and a deleted image disappears on the next sync.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { prepareQuery, runQuery } from '../../../src/fleet/query.ts';
import { openSqliteStore } from '../../../src/fleet/sqlite-store.ts';
import type { IndexStore } from '../../../src/fleet/store.ts';
import { type RepositorySyncResult, syncRepository } from '../../../src/fleet/sync.ts';
import { vulnKind } from '../../../src/kinds/index.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';
import { type BackendKind, metadataBackend } from '../metadata/support/backends.ts';
import { ok, runCli } from '../metadata/support/cli.ts';
import { backendCli, scratchDir } from '../metadata/support/suite.ts';

const fixture = (name: string) => join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);
const trivy = vulnKind.normalise(readFileSync(fixture('trivy.json')), 'application/json');
const grype = vulnKind.normalise(readFileSync(fixture('grype.json')), 'application/json');
const criticalIn = (report: typeof trivy) => report.findings.filter((f) => f.severity === 'critical').length;

for (const kind of ['distribution', 'refreg', 'layout'] as BackendKind[]) {
  const backend = metadataBackend(kind);
  const files = scratchDir('manifesto-fleet-files-');
  const state = mkdtempSync(join(tmpdir(), 'manifesto-fleet-state-'));
  describe(`index sync (${backend.label})`, () => {
    after(() => {
      files.remove();
      backend.cleanup();
      rmSync(state, { recursive: true, force: true });
    });

    it('indexes images per platform with inherited metadata; a second sync reads no version again', async () => {
      const cli = backendCli(backend);
      const single = await backend.newImage('fleet', 'v1');
      const repository = single.repository;
      const ref = (tag: string) => single.ref.replace(/:v1$/, `:${tag}`);
      const multi = await pushTestMultiPlatformImage(
        repository,
        [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
        { tag: 'multi', seed: `${single.name}-multi` },
      );
      const other = await pushTestImage(repository, { tag: 'v2', seed: `${single.name}-v2` });
      ok(
        await runCli(['key', 'generate', '--out', join(files.dir, 'ci')], { env: backend.env }),
        'key generate',
      );
      const put = async (target: string, type: string, file: string, extra: string[] = []) =>
        ok(await cli.run(['put', target, type, file, ...extra]), `put ${type} ${target}`);
      // The single image: a signed Trivy report, in production, approved by QA.
      await put(single.ref, 'vuln', fixture('trivy.json'), ['--sign', join(files.dir, 'ci.key')]);
      await put(
        single.ref,
        'deployment',
        files.file('prod.yaml', 'environment: production\ndeployedAt: 2026-12-01T00:00:00Z\nby: argocd\n'),
      );
      await put(single.ref, 'approval', fixture('approval.json'));
      // The index: an SBOM and a lifecycle for both platforms; arm64 alone has a (unsigned) Grype report.
      await put(ref('multi'), 'sbom', fixture('spdx.json'));
      await put(ref('multi'), 'lifecycle', fixture('lifecycle.yaml'));
      await put(ref('multi'), 'vuln', fixture('grype.json'), ['--platform', 'linux/arm64']);
      // Provenance and contact on the index, inherited by both platforms.
      await put(ref('multi'), 'provenance', fixture('provenance-slsa-v1.json'));
      await put(ref('multi'), 'contact', fixture('contact.yaml'));

      const store = openSqliteStore(join(state, 'index.db'));
      const location = single.untagged;
      const target = {
        registry: backend.kind === 'layout' ? location : backend.registry!.host,
        name: backend.kind === 'layout' ? '' : single.name,
        location,
      };
      const sync = async (): Promise<{ result: RepositorySyncResult; requests: RequestEvent[] }> => {
        const requests: RequestEvent[] = [];
        const opener = createImageOpener({
          plainHttp: backend.registry?.plainHttp,
          env: backend.env,
          manifestCacheDir: join(state, 'cache'),
          onRequest: (event) => requests.push(event),
        });
        const { repository: opened } = await opener(single.ref);
        // Pages of 2 tags: the tag list is read page by page (n/last, Link followed by the backend).
        const result = await syncRepository({
          store,
          target: { ...target, repository: opened },
          tagPageSize: 2,
        });
        return { result, requests };
      };
      const answer = async (expression: string) => {
        const result = runQuery(store, await prepareQuery(expression), { limit: 100 });
        return result.images.map((i) => `${i.digest} ${i.platform}`).sort();
      };
      const [amd64, arm64] = multi.children.map((c) => c.digest);
      const row = (digest: string | undefined, platform: string) => `${digest} ${platform}`;

      const first = await sync();
      assert.deepEqual(first.result.problems, []);
      assert.equal(first.result.images, 4);
      // v1, v2, multi and (distribution) the referrers tags: ceil(tags / 2) pages, the last one short.
      const allTags = (await single.repository.listTags()).tags;
      assert.ok(allTags.length >= 3);
      assert.equal(first.result.tagPages, Math.floor(allTags.length / 2) + 1);
      assert.equal(first.result.tags, 3);
      assert.equal(first.result.changed, 4);

      // Every image, per platform; the referrers tags are never images.
      assert.deepEqual(
        await answer('true'),
        [
          row(single.subject.digest, 'linux/amd64'),
          row(other.digest, 'linux/amd64'),
          row(amd64, 'linux/amd64'),
          row(arm64, 'linux/arm64'),
        ].sort(),
      );
      assert.deepEqual(await answer('tags.exists(t, t.startsWith("sha256-"))'), []);
      // A manifest outside an index has the platform its config records.
      assert.deepEqual(
        await answer('parent == "" && platform == "linux/amd64"'),
        [row(single.subject.digest, 'linux/amd64'), row(other.digest, 'linux/amd64')].sort(),
      );
      assert.deepEqual(
        await answer(`parent == "${multi.index.digest}" && "multi" in tags`),
        [row(amd64, 'linux/amd64'), row(arm64, 'linux/arm64')].sort(),
      );
      // Seed questions.
      assert.ok(criticalIn(trivy) > 0 && criticalIn(grype) > 0);
      assert.deepEqual(
        await answer('vuln.critical > 0'),
        [row(single.subject.digest, 'linux/amd64'), row(arm64, 'linux/arm64')].sort(),
      );
      assert.deepEqual(await answer('"CVE-2024-0727" in vuln.ids'), [
        row(single.subject.digest, 'linux/amd64'),
      ]);
      assert.deepEqual(await answer('"production" in deployment.environments && vuln.critical > 0'), [
        row(single.subject.digest, 'linux/amd64'),
      ]);
      assert.deepEqual(await answer('approvals["qa"] == "approved"'), [
        row(single.subject.digest, 'linux/amd64'),
      ]);
      // Index-level metadata is inherited by every platform.
      assert.deepEqual(
        await answer('lifecycle.status == "deprecated" && sbom.packages.exists(p, p.name == "libssl3")'),
        [row(amd64, 'linux/amd64'), row(arm64, 'linux/arm64')].sort(),
      );
      assert.deepEqual(
        await answer(
          'provenance.source == "https://github.com/acme/app" && provenance.commit.startsWith("7f3e1c9a") && contact.team == "payments"',
        ),
        [row(amd64, 'linux/amd64'), row(arm64, 'linux/arm64')].sort(),
      );
      // Which images lack a signed scan: no vuln at all, or an unsigned one.
      assert.deepEqual(
        await answer('!("vuln" in signed)'),
        [row(other.digest, 'linux/amd64'), row(amd64, 'linux/amd64'), row(arm64, 'linux/arm64')].sort(),
      );
      assert.deepEqual(await answer('"vuln" in types && !("vuln" in signed)'), [row(arm64, 'linux/arm64')]);

      // A second sync of the unchanged repository: every image revalidated, no version read again.
      const second = await sync();
      assert.equal(second.result.changed, 0);
      assert.equal(second.result.unchanged, 4);
      const blobs = (events: RequestEvent[]) => events.filter((e) => e.requestClass === 'blob').length;
      if (backend.kind !== 'layout') {
        assert.ok(
          second.requests.length * 2 <= first.requests.length,
          `second sync ${second.requests.length} requests, first ${first.requests.length}`,
        );
        assert.ok(blobs(first.requests) > 0);
        assert.equal(blobs(second.requests), 0);
        console.log(
          `# ${backend.label}: first sync ${first.requests.length} requests, second (unchanged) ${second.requests.length}`,
        );
      }

      // A put is reflected by the next sync; a deleted image disappears.
      await put(ref('v2'), 'lifecycle', files.file('eol.yaml', 'status: end-of-life\n'));
      await repository.deleteManifest(single.subject.digest);
      if (backend.kind === 'refreg') {
        // refreg keeps a tag that points at a manifest deleted by digest; untag it as well.
        const untag = await fetch(`${backend.registry!.baseUrl}/v2/${single.name}/manifests/v1`, {
          method: 'DELETE',
        });
        assert.ok(untag.status < 300, `DELETE tag: ${untag.status}`);
      }
      // A VEX statement about the arm64 image: its critical zlib1g finding is suppressed (kept, not counted).
      const vex = readFileSync(fixture('openvex.json'), 'utf8').replace(
        /sha256%3A[0-9a-f]{64}/,
        `sha256%3A${arm64!.slice('sha256:'.length)}`,
      );
      await put(ref('multi'), 'vex', files.file('vex.json', vex), ['--platform', 'linux/arm64']);
      const third = await sync();
      assert.equal(third.result.changed, 2);
      assert.deepEqual(await answer('lifecycle.status == "end-of-life"'), [row(other.digest, 'linux/amd64')]);
      assert.deepEqual(await answer(`digest == "${single.subject.digest}"`), []);
      assert.deepEqual(await answer('vuln.critical > 0'), []);
      assert.deepEqual(await answer('"CVE-2023-45853" in vuln.ids'), []);
      assert.deepEqual(await answer('vuln.findings.exists(f, f.id == "CVE-2023-45853" && f.suppressed)'), [
        row(arm64, 'linux/arm64'),
      ]);
      store.close();
    });
  });
}

export type { IndexStore };
