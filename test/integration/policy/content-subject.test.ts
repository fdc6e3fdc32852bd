// Content that contradicts the image it is stored for (docs/kinds.md, "Content about another
// image"), on an OCI layout, distribution 2.8 and refreg: a Trivy report of linux/amd64 put for
// linux/arm64, a report whose RepoDigests name another image, provenance about another digest. put
// warns on stderr and stores; --strict-content (MANIFESTO_STRICT_CONTENT=1) refuses before writing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { Platform } from '../../../src/oci/descriptor.ts';
import type { RequestEvent } from '../../../src/registry/http/types.ts';
import { pushTestImage, pushTestMultiPlatformImage } from '../../support/images.ts';
import { backend, fixture, ok, provenanceAbout } from './support.ts';

const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const FIXTURE_DIGEST = 'sha256:6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d';

/** The Trivy fixture rewritten to be a scan of `digest` (by its RepoDigests). */
function trivyOf(digest: string): string {
  return readFileSync(fixture('trivy.json'), 'utf8').replaceAll(FIXTURE_DIGEST, digest);
}

for (const kind of ['layout', 'distribution', 'refreg'] as const) {
  describe(`content about another image on ${kind}`, () => {
    const b = backend(kind);
    after(() => b.cleanup());

    it("warns when a platform's report is of another platform; --strict-content refuses it, writing nothing", async () => {
      const { repository, ref } = await b.newRepository('content-platform');
      const image = await pushTestMultiPlatformImage(repository, [AMD64, ARM64], { tag: 'v1' });
      // Scanned by tag: RepoDigests name the index; ImageConfig says linux/amd64.
      const report = b.file('trivy-amd64.json', trivyOf(image.index.digest));
      const events: RequestEvent[] = [];
      const strict = await b.cli(
        ['put', ref('v1'), 'vuln', report, '--platform', 'linux/arm64', '--strict-content'],
        { onRequest: (e) => events.push(e) },
      );
      assert.equal(strict.code, 2, strict.stderr);
      assert.match(
        strict.stderr,
        /vuln content is about platform linux\/amd64 \(Metadata\.ImageConfig\), not linux\/arm64\/v8/,
      );
      assert.deepEqual(
        events.filter((e) => e.method !== 'GET' && e.method !== 'HEAD'),
        [],
        'no write request',
      );
      const listed = JSON.parse(
        ok(await b.cli(['list', ref('v1'), '--platform', 'linux/arm64', '--json']), 'list'),
      ) as { types: unknown[] };
      assert.deepEqual(listed.types, []);

      const warned = await b.cli(['put', ref('v1'), 'vuln', report, '--platform', 'linux/arm64']);
      assert.equal(warned.code, 0, warned.stderr);
      assert.match(
        warned.stderr,
        /^warning: vuln content is about platform linux\/amd64 .*--strict-content refuses it\)$/m,
      );
      // One report for every platform: the other platform is warned about (strict: it fails, exit 11).
      const all = await b.cli(['put', ref('v1'), 'vuln', report, '--all-platforms']);
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stderr, /^warning: linux\/arm64\/v8: vuln content is about platform linux\/amd64 /m);
      assert.doesNotMatch(all.stderr, /warning: linux\/amd64:/);
      const allStrict = await b.cli([
        'put',
        ref('v1'),
        'vuln',
        report,
        '--all-platforms',
        '--strict-content',
      ]);
      assert.equal(allStrict.code, 11, allStrict.stderr);
      assert.match(allStrict.stderr, /linux\/arm64\/v8: error: vuln content is about platform linux\/amd64/);
      // The amd64 platform: no warning.
      const fine = await b.cli([
        'put',
        ref('v1'),
        'vuln',
        report,
        '--platform',
        'linux/amd64',
        '--strict-content',
      ]);
      assert.equal(fine.code, 0, fine.stderr);
      assert.doesNotMatch(fine.stderr, /warning/);
    });

    it('warns about a report or provenance naming another digest; none for content about this image', async () => {
      const { repository, ref } = await b.newRepository('content-digest');
      const image = await pushTestImage(repository, { tag: 'v1' });
      const other = `sha256:${'ab'.repeat(32)}`;
      const report = await b.cli(['put', ref('v1'), 'vuln', b.file('trivy-other.json', trivyOf(other))]);
      assert.equal(report.code, 0, report.stderr);
      assert.match(
        report.stderr,
        new RegExp(
          `^warning: vuln content is about ${other} \\(Metadata\\.RepoDigests\\), not ${image.digest}`,
          'm',
        ),
      );
      const provenance = await b.cli([
        'put',
        ref('v1'),
        'provenance',
        fixture('provenance-slsa-v1.json'),
        '--strict-content',
      ]);
      assert.equal(provenance.code, 2, provenance.stderr);
      assert.match(
        provenance.stderr,
        new RegExp(
          `provenance content is about ${FIXTURE_DIGEST} \\(the in-toto subject\\), not ${image.digest}`,
        ),
      );
      assert.match(provenance.stderr, /CONTENT_MISMATCH|--strict-content/);
      const own = await b.cli([
        'put',
        ref('v1'),
        'provenance',
        provenanceAbout(b, image.digest),
        '--strict-content',
      ]);
      assert.equal(own.code, 0, own.stderr);
      const ownReport = await b.cli([
        'put',
        ref('v1'),
        'vuln',
        b.file('trivy-own.json', trivyOf(image.digest)),
        '--strict-content',
      ]);
      assert.equal(ownReport.code, 0, ownReport.stderr);
      assert.equal(ownReport.stderr, '');
    });
  });
}
