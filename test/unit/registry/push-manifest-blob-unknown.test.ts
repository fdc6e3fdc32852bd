// distribution rewrites a repository's blob link non-atomically (truncate, then write) whenever the blob
// is uploaded, so while another client uploads the same blob — the empty config every artifact shares —
// a manifest PUT can be refused with MANIFEST_BLOB_UNKNOWN for a blob that is there. Seen with 20
// concurrent `manifesto put` processes on a fresh repository (test/integration/metadata/race.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { digestOf } from '../../../src/oci/digest.ts';
import { EMPTY_JSON_DIGEST, OCI_EMPTY, OCI_MANIFEST } from '../../../src/oci/media-types.ts';
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';
import { RegistryRepository } from '../../../src/registry/registry-repository.ts';

const manifest = new TextEncoder().encode(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_EMPTY, digest: EMPTY_JSON_DIGEST, size: 2 },
    layers: [],
  }),
);

/** distribution's reply when the config blob's link is momentarily empty. */
function blobUnknown(): Response {
  return new Response(
    JSON.stringify({
      errors: [
        { code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' },
        { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: EMPTY_JSON_DIGEST },
      ],
    }),
    { status: 400, headers: { 'Content-Type': 'application/json' } },
  );
}

/** Answers manifest PUTs with `replies` in turn (then 201), recording each request. */
function transport(replies: Array<() => Response>): {
  transport: RegistryTransport;
  puts: RegistryRequest[];
} {
  const puts: RegistryRequest[] = [];
  return {
    puts,
    transport: {
      registry: '127.0.0.1:5000',
      baseUrl: 'http://127.0.0.1:5000',
      async request(request) {
        assert.equal(request.method, 'PUT');
        puts.push(request);
        const reply = replies.shift();
        if (reply !== undefined) return reply();
        return new Response(null, { status: 201, headers: { 'Docker-Content-Digest': digestOf(manifest) } });
      },
    },
  };
}

const clock = { now: () => performance.now(), sleep: async () => undefined, random: () => 0.5 };

describe('RegistryRepository.pushManifest on a transient MANIFEST_BLOB_UNKNOWN', () => {
  it('pushes the manifest again and succeeds once the blob link is readable', async () => {
    const fake = transport([blobUnknown, blobUnknown]);
    const repository = new RegistryRepository({
      transport: fake.transport,
      repository: 'app',
      options: { tagSchema: { clock } },
    });
    const pushed = await repository.pushManifest(manifest, { mediaType: OCI_MANIFEST });
    assert.equal(pushed.digest, digestOf(manifest));
    assert.equal(fake.puts.length, 3);
  });

  it('gives up with the registry error when the blob stays unknown', async () => {
    const fake = transport(Array.from({ length: 10 }, () => blobUnknown));
    const repository = new RegistryRepository({
      transport: fake.transport,
      repository: 'app',
      options: { tagSchema: { clock } },
    });
    await assert.rejects(repository.pushManifest(manifest, { mediaType: OCI_MANIFEST }), (error) => {
      assert.ok(isManifestoError(error));
      assert.equal(error.status, 400);
      assert.ok(error.registryErrors.some((e) => e.code === 'MANIFEST_BLOB_UNKNOWN'));
      return true;
    });
    assert.ok(fake.puts.length > 1 && fake.puts.length < 10, `${fake.puts.length} PUTs`);
  });
});
