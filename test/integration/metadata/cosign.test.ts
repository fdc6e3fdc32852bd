// A real cosign signature next to manifesto's metadata: cosign (new bundle format) attaches a Sigstore
// bundle referrer, and `manifesto list` shows it as `sigstore-bundle` on every registry. On the
// referrers tag schema cosign writes the index entry with the config media type as artifactType
// (application/vnd.oci.empty.v1+json) and no annotations, so manifesto reads the manifest to tell.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPeer } from '../../support/peers.ts';
import { metadataBackends } from './support/backends.ts';
import { type ListJson, ok, okJson, type PutJson } from './support/cli.ts';
import { backendCli, scratchDir } from './support/suite.ts';

describe('cosign signatures in manifesto list', { concurrency: true }, () => {
  const files = scratchDir();
  const backends = metadataBackends().filter((b) => b.registry !== undefined);
  after(() => {
    files.remove();
    for (const backend of backends) backend.cleanup();
  });

  for (const backend of backends) {
    it(`${backend.label}: cosign sign → sigstore-bundle, next to manifesto's own metadata`, async () => {
      const registry = backend.registry!;
      const cli = backendCli(backend);
      const image = await backend.newImage('md-cosign');
      const mine = okJson<PutJson>(
        await cli.run(['put', image.ref, 'owner', '-', '--json'], { stdin: 'ops@example.com' }),
        'put',
      );
      const env = { COSIGN_PASSWORD: '', DOCKER_CONFIG: backend.env.DOCKER_CONFIG };
      const dir = join(files.dir, backend.kind);
      mkdirSync(dir);
      const keys = await runPeer('cosign', ['generate-key-pair'], { cwd: dir, env });
      assert.equal(keys.code, 0, keys.stderr);
      const signed = await runPeer(
        'cosign',
        [
          'sign',
          '--key',
          'cosign.key',
          '--tlog-upload=false',
          '--use-signing-config=false',
          '--yes',
          ...(registry.plainHttp ? ['--allow-http-registry', '--allow-insecure-registry'] : []),
          ...(registry.caFile === undefined ? [] : ['--registry-cacert', registry.caFile]),
          image.byDigest,
        ],
        { cwd: dir, env },
      );
      assert.equal(signed.code, 0, signed.stderr);

      const listed = okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list');
      assert.deepEqual(
        listed.types.map((x) => [x.type, x.label, x.count, x.latest.manifesto]),
        [
          ['owner', 'owner', 1, true],
          ['sigstore-bundle', 'Sigstore bundle (cosign)', 1, false],
        ],
      );
      assert.equal(listed.types[0]!.latest.version, mine.version);
      const bundle = listed.types[1]!.latest;
      assert.match(bundle.artifactType ?? '', /^application\/vnd\.dev\.sigstore\.bundle\.v0\.3\+json$/);
      assert.match(bundle.created ?? '', /^\d{4}-\d\d-\d\dT/);
      const table = ok(await cli.run(['list', image.ref]), 'list');
      assert.match(table, /\nsigstore-bundle +1 .* Sigstore bundle \(cosign\)\n/);

      // The signature is not manifesto's to prune, and the listing repair does not touch writes.
      ok(await cli.run(['prune', image.ref, '--keep', '1']), 'prune');
      const second = okJson<PutJson>(
        await cli.run(['put', image.ref, 'owner', '-', '--json'], { stdin: 'dev@example.com' }),
        'put',
      );
      assert.deepEqual(
        okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list').types.map((x) => [
          x.type,
          x.count,
          x.latest.version,
        ]),
        [
          ['owner', 2, second.version],
          ['sigstore-bundle', 1, bundle.version],
        ],
      );
    });
  }
});
