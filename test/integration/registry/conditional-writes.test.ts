// What the registries manifesto is tested against do with conditional manifest writes, the
// compare-and-swap that would make tag-schema index updates safe without timing (docs/format.md,
// "Conditional writes"): distribution 2.8 sends an ETag (the digest) on GET/HEAD and honours
// If-None-Match on GET (304), but ignores If-Match on PUT; refreg (go-containerregistry) sends no
// ETag and ignores If-Match. manifesto sends If-Match with the ETag it read and treats a 412 as a
// stale read; should a registry here start to honour it, this test says so (and the docs change).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { registryAgent, testRegistry, uniqueRepository } from '../../support/registries.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const index = (n: number) =>
  JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], annotations: { n: String(n) } });

for (const kind of ['distribution', 'refreg'] as const) {
  const registry = testRegistry(kind);
  if (registry === undefined) continue;
  describe(`conditional manifest writes (${kind})`, () => {
    it('a PUT with a stale If-Match is accepted: no compare-and-swap', async () => {
      const dispatcher = registryAgent(registry);
      const url = `${registry.baseUrl}/v2/${uniqueRepository('conditional')}/manifests/sha256-${'c'.repeat(64)}`;
      const put = async (n: number, headers: Record<string, string> = {}) => {
        const res = await request(url, {
          method: 'PUT',
          headers: { 'Content-Type': OCI_INDEX, ...headers },
          body: index(n),
          ...(dispatcher ? { dispatcher } : {}),
        });
        await res.body.text();
        return res.statusCode;
      };
      assert.equal(await put(1), 201);
      const head = await request(url, {
        method: 'HEAD',
        headers: { Accept: OCI_INDEX },
        ...(dispatcher ? { dispatcher } : {}),
      });
      await head.body.text();
      const etag = head.headers.etag;
      if (kind === 'distribution') assert.match(String(etag), /^"sha256:[0-9a-f]{64}"$/);
      else assert.equal(etag, undefined);
      assert.equal(await put(2), 201);
      // The ETag read before the second write is stale now: a registry with compare-and-swap says 412.
      assert.equal(await put(3, { 'If-Match': String(etag ?? '"sha256:stale"') }), 201);
    });
  });
}
