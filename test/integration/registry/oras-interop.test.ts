// Interop with oras: `oras discover` sees the referrers manifesto pushed (tag schema on distribution,
// referrers API on refreg), and manifesto's referrers() sees what `oras attach` pushed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import { runPeer } from '../../support/peers.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { pushSubject, referrerManifest } from '../behaviour/content.ts';
import { registryRepository } from './support/registry-repositories.ts';

const TYPE_OURS = 'application/vnd.example.manifesto+json';
const TYPE_OTHER = 'application/vnd.example.other+json';
const TYPE_ORAS = 'application/vnd.example.oras+json';

const work = mkdtempSync(join(tmpdir(), 'manifesto-oras-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface DiscoverNode {
  digest?: string;
  artifactType?: string;
  referrers?: DiscoverNode[];
}

async function orasDiscover(reference: string, extra: string[] = []): Promise<DiscoverNode[]> {
  const result = await runPeer('oras', [
    'discover',
    '--plain-http',
    '--format',
    'json',
    '--depth',
    '1',
    ...extra,
    reference,
  ]);
  assert.equal(result.code, 0, result.stderr);
  const tree = JSON.parse(result.stdout) as DiscoverNode;
  return tree.referrers ?? [];
}

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`oras interop on ${kind}`, () => {
    const registry = requireRegistry(kind);

    it('oras discover lists the referrers manifesto pushed, filtered by artifact type too', async () => {
      const repository = uniqueRepository(`oras-discover-${kind}`);
      const repo = registryRepository(registry, repository);
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
      const ours = await repo.pushManifest(referrerManifest(subject, TYPE_OURS, 'ours'), {
        mediaType: OCI_MANIFEST,
      });
      const other = await repo.pushManifest(referrerManifest(subject, TYPE_OTHER, 'other'), {
        mediaType: OCI_MANIFEST,
      });
      const reference = `${registry.host}/${repository}@${subject.digest}`;

      const all = await orasDiscover(reference);
      assert.deepEqual(all.map((r) => r.digest).sort(), [ours.digest, other.digest].sort());
      if (kind === 'refreg') {
        // refreg's referrers API reports the config media type as artifactType (a registry bug that
        // manifesto repairs on its side, see referrers-api.ts); oras shows the registry's answer as is.
        assert.equal(
          all.find((r) => r.digest === ours.digest)?.artifactType,
          'application/vnd.oci.empty.v1+json',
        );
        return;
      }
      // distribution: oras reads the tag schema index manifesto maintains.
      assert.equal(all.find((r) => r.digest === ours.digest)?.artifactType, TYPE_OURS);
      const filtered = await orasDiscover(reference, ['--artifact-type', TYPE_OURS]);
      assert.deepEqual(
        filtered.map((r) => r.digest),
        [ours.digest],
      );
      const viaTag = await orasDiscover(reference, ['--distribution-spec', 'v1.1-referrers-tag']);
      assert.equal(viaTag.length, 2);
    });

    it('manifesto lists what oras attach pushed, next to its own referrers', async () => {
      const repository = uniqueRepository(`oras-attach-${kind}`);
      const repo = registryRepository(registry, repository);
      const { descriptor: subject } = await pushSubject(repo, 'subject', 'v1');
      const ours = await repo.pushManifest(referrerManifest(subject, TYPE_OURS, 'before'), {
        mediaType: OCI_MANIFEST,
      });
      const file = join(work, `${repository}.txt`);
      writeFileSync(file, 'attached by oras\n');
      const attached = await runPeer(
        'oras',
        [
          'attach',
          '--plain-http',
          '--artifact-type',
          TYPE_ORAS,
          '--annotation',
          'test.label=oras',
          `${registry.host}/${repository}@${subject.digest}`,
          `${repository}.txt:text/plain`,
        ],
        { cwd: work },
      );
      assert.equal(attached.code, 0, attached.stderr);

      const listing = await repo.referrers(subject.digest);
      assert.equal(listing.manifests.length, 2, JSON.stringify(listing.manifests));
      const oras = listing.manifests.find((d) => d.digest !== ours.digest);
      assert.ok(oras);
      assert.equal(oras.artifactType, TYPE_ORAS);
      assert.equal(oras.annotations?.['test.label'], 'oras');

      const onlyOras = await repo.referrers(subject.digest, { artifactType: TYPE_ORAS });
      assert.deepEqual(
        onlyOras.manifests.map((d) => d.digest),
        [oras.digest],
      );

      // And manifesto adds after oras without dropping its entry.
      const after = await repo.pushManifest(referrerManifest(subject, TYPE_OURS, 'after'), {
        mediaType: OCI_MANIFEST,
        referrersState: listing.state,
      });
      const final = await orasDiscover(`${registry.host}/${repository}@${subject.digest}`);
      assert.deepEqual(final.map((r) => r.digest).sort(), [ours.digest, oras.digest, after.digest].sort());
    });
  });
}
