// Blob upload strategies against the real registries: monolithic POST (learnt per transport), streamed
// PUT, chunked PATCH (forced, and as the fallback when a closing PUT with a body is refused), and a
// restart that re-opens the source stream.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { StreamSource } from '../../../src/content/repository.ts';
import { ManifestoError } from '../../../src/errors/errors.ts';
import { uploadStrategy } from '../../../src/registry/blob-upload.ts';
import type { RegistryRequest, RegistryTransport } from '../../../src/registry/http/types.ts';
import { RegistryRepository } from '../../../src/registry/registry-repository.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { descriptorOf } from '../behaviour/content.ts';
import { RequestLog, transportFor } from './support/registry-repositories.ts';

function countingStream(bytes: Uint8Array, chunk = 256 * 1024): StreamSource & { opens: number } {
  const source = {
    opens: 0,
    async *open() {
      source.opens++;
      for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
        yield bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunk));
      }
    },
  };
  return source;
}

/** A transport wrapper whose `intercept` may answer a request instead of the registry. */
function intercepting(
  inner: RegistryTransport,
  intercept: (request: RegistryRequest) => Response | undefined | Promise<Response | undefined>,
): RegistryTransport {
  return {
    registry: inner.registry,
    baseUrl: inner.baseUrl,
    async request(request) {
      return (await intercept(request)) ?? inner.request(request);
    },
  };
}

const isUploadPut = (r: RegistryRequest) => r.method === 'PUT' && r.path.includes('/blobs/uploads/');

for (const kind of ['distribution', 'refreg'] as const) {
  describe(`blob uploads on ${kind}`, () => {
    const registry = requireRegistry(kind);

    it('uploads a stream in chunks when told to, and reads it back', async () => {
      const log = new RequestLog();
      const transport = transportFor(registry, log);
      uploadStrategy(transport).streamedPut = false;
      const repo = new RegistryRepository({
        transport,
        repository: uniqueRepository(`chunked-${kind}`),
        options: { upload: { chunkBytes: 1024 * 1024 } },
      });
      const content = randomBytes(3 * 1024 * 1024 + 777);
      const descriptor = descriptorOf(content, 'application/octet-stream');
      await repo.pushBlob(descriptor, countingStream(content), { existenceCheck: false });
      assert.equal(log.events.filter((e) => e.method === 'PATCH').length, 4, log.summary().join(', '));
      assert.deepEqual(await repo.fetchBlobBytes(descriptor, content.byteLength), new Uint8Array(content));
    });

    it('falls back to chunks when the registry refuses a body on the closing PUT, and remembers it', async () => {
      const log = new RequestLog();
      let refused = 0;
      const transport = intercepting(transportFor(registry, log), (request) => {
        if (isUploadPut(request) && request.body !== undefined && !(request.body instanceof Uint8Array)) {
          refused++;
          return new Response('{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"no body here"}]}', {
            status: 400,
          });
        }
        return undefined;
      });
      const repo = new RegistryRepository({
        transport,
        repository: uniqueRepository(`fallback-${kind}`),
        options: { upload: { chunkBytes: 512 * 1024 } },
      });
      for (let i = 0; i < 2; i++) {
        const content = randomBytes(1024 * 1024 + 5);
        const descriptor = descriptorOf(content, 'application/octet-stream');
        await repo.pushBlob(descriptor, countingStream(content));
        assert.deepEqual(await repo.fetchBlobBytes(descriptor, content.byteLength), new Uint8Array(content));
      }
      assert.equal(refused, 1, 'the refused PUT is not tried again');
      assert.equal(uploadStrategy(transport).streamedPut, false);
    });

    it('restarts a failed upload from the POST, re-opening the stream', async () => {
      let failures = 0;
      const transport = intercepting(transportFor(registry), async (request) => {
        if (
          isUploadPut(request) &&
          failures === 0 &&
          request.body !== undefined &&
          !(request.body instanceof Uint8Array)
        ) {
          failures++;
          // Part of the stream went out, then the connection broke (after the transport's own retries).
          for await (const _ of request.body.open()) break;
          throw new ManifestoError('REGISTRY_CONNECTION_LOST', 'connection reset (simulated)', {
            category: 'unavailable',
          });
        }
        return undefined;
      });
      const repo = new RegistryRepository({ transport, repository: uniqueRepository(`restart-${kind}`) });
      const content = randomBytes(2 * 1024 * 1024);
      const descriptor = descriptorOf(content, 'application/octet-stream');
      const source = countingStream(content);
      await repo.pushBlob(descriptor, source);
      assert.equal(failures, 1);
      assert.equal(source.opens, 2);
      assert.deepEqual(await repo.fetchBlobBytes(descriptor, content.byteLength), new Uint8Array(content));
    });

    it('learns whether a monolithic POST works and does not waste a request on it afterwards', async () => {
      const log = new RequestLog();
      const transport = transportFor(registry, log);
      const repo = new RegistryRepository({ transport, repository: uniqueRepository(`monolithic-${kind}`) });
      for (let i = 0; i < 3; i++) {
        const content = randomBytes(1000);
        await repo.pushBlob(descriptorOf(content, 'application/octet-stream'), content, {
          existenceCheck: false,
        });
      }
      const posts = log.events
        .filter((e) => e.method === 'POST')
        .map((e) => new URL(e.url).search.includes('digest='));
      if (kind === 'refreg') {
        assert.deepEqual(posts, [true, true, true]);
        assert.equal(log.count, 3, 'one request per blob');
      } else {
        assert.deepEqual(posts, [true, false, false]);
        assert.equal(log.count, 6, 'POST + PUT per blob');
      }
      assert.equal(uploadStrategy(transport).monolithicPost, kind === 'refreg');
    });
  });
}
