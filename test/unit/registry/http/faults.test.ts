// Faults in the middle of a reply and registries that hang: a body that breaks off is resumed where it
// stopped (Range, or skipping what was read), never reported as an internal error; a registry that
// accepts connections and never answers fails within two timeouts, with a hint naming --timeout.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
  type RegistryTransportOptions,
} from '../../../../src/registry/http/transport.ts';
import type { RequestEvent } from '../../../../src/registry/http/types.ts';
import { closedAfterTests, startServer, type TestServer } from './servers.ts';

const open = closedAfterTests();

const BLOB = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 251);
const DIGEST = `sha256:${createHash('sha256').update(BLOB).digest('hex')}`;

function setup(
  host: string,
  extra: Partial<RegistryTransportOptions> = {},
): { transport: HttpRegistryTransport; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  const transport = createRegistryTransport({
    registry: host,
    authCache: new AuthCache(),
    sleep: async () => undefined,
    onRequest: (e) => events.push(e),
    ...extra,
  });
  open.push(transport);
  return { transport, events };
}

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  open.push(s);
  return s;
}

/** Sends BLOB (or the part a Range asks for, when `ranges`), resetting the first `resets` replies mid-way. */
function blobServer(options: { resets: number; ranges: boolean }): {
  handler: Parameters<typeof startServer>[0];
  ranges: (string | undefined)[];
} {
  let replies = 0;
  const ranges: (string | undefined)[] = [];
  return {
    ranges,
    handler: (req, res) => {
      ranges.push(req.headers.range);
      const match = options.ranges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
      const start = match === null ? 0 : Number(match[1]);
      const part = BLOB.subarray(start);
      const headers: Record<string, string> = {
        'content-length': String(part.byteLength),
        'docker-content-digest': DIGEST,
      };
      if (match !== null)
        headers['content-range'] = `bytes ${start}-${BLOB.byteLength - 1}/${BLOB.byteLength}`;
      res.writeHead(match === null ? 200 : 206, headers);
      if (replies++ < options.resets) {
        // a third of the rest, then the connection is reset
        res.write(part.subarray(0, Math.floor(part.byteLength / 3)), () => res.socket?.resetAndDestroy());
        return;
      }
      res.end(part);
    },
  };
}

async function readAll(res: { body: AsyncIterable<Uint8Array> | null }): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body ?? []) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

describe('a reply body that breaks off', () => {
  it('is resumed from the first byte not read, with a Range request', async () => {
    const blob = blobServer({ resets: 2, ranges: true });
    const s = await server(blob.handler);
    const { transport, events } = setup(s.host);
    const res = await transport.request({ method: 'GET', path: `/v2/r/blobs/${DIGEST}` });
    assert.equal(res.status, 200);
    assert.deepEqual(await readAll(res), BLOB);
    assert.equal(blob.ranges[0], undefined);
    assert.match(blob.ranges[1] ?? '', /^bytes=\d+-$/);
    assert.match(blob.ranges[2] ?? '', /^bytes=\d+-$/);
    assert.deepEqual(
      events.map((e) => e.status),
      [200, 206, 206],
    );
  });

  it('is read again from the start, skipping what was read, when the registry ignores Range', async () => {
    const blob = blobServer({ resets: 1, ranges: false });
    const s = await server(blob.handler);
    const { transport } = setup(s.host);
    const res = await transport.request({ method: 'GET', path: `/v2/r/blobs/${DIGEST}` });
    assert.deepEqual(await readAll(res), BLOB);
    assert.equal(blob.ranges.length, 2);
  });

  it('after the tries: REGISTRY_CONNECTION_LOST, an unavailable error (exit 6), not an internal one', async () => {
    const blob = blobServer({ resets: 10, ranges: true });
    const s = await server(blob.handler);
    const { transport } = setup(s.host, { retry: { maxAttempts: 3 } });
    const res = await transport.request({ method: 'GET', path: `/v2/r/blobs/${DIGEST}` });
    await assert.rejects(readAll(res), (error: unknown) => {
      assert.ok(isManifestoError(error), String(error));
      assert.equal(error.code, 'REGISTRY_CONNECTION_LOST');
      assert.equal(error.category, 'unavailable');
      assert.match(error.message, /broke while receiving/);
      return true;
    });
    assert.equal(blob.ranges.length, 3);
  });

  it('is not spliced with other content: a reply with another digest ends the resumption', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      const first = n++ === 0;
      res.writeHead(200, {
        'content-length': String(BLOB.byteLength),
        'docker-content-digest': first ? DIGEST : `sha256:${'0'.repeat(64)}`,
      });
      if (first) res.write(BLOB.subarray(0, 1000), () => res.socket?.resetAndDestroy());
      else res.end(BLOB);
    });
    const { transport } = setup(s.host);
    const res = await transport.request({ method: 'GET', path: '/v2/r/manifests/latest' });
    await assert.rejects(
      readAll(res),
      (error: unknown) => isManifestoError(error) && error.code === 'REGISTRY_CONNECTION_LOST',
    );
  });
});

describe('a registry that accepts connections and never answers', () => {
  it('fails within two timeouts (one retry), with a hint naming --timeout', async () => {
    const s = await server(() => undefined);
    const { transport, events } = setup(s.host, { timeoutMs: 300 });
    const started = performance.now();
    await assert.rejects(
      transport.request({ method: 'GET', path: '/v2/r/manifests/1' }),
      (error: unknown) => {
        assert.ok(isManifestoError(error));
        assert.equal(error.code, 'REGISTRY_TIMEOUT');
        assert.equal(error.category, 'unavailable');
        assert.match(error.message, /did not answer within 0\.3 s/);
        assert.match(error.hint ?? '', /--timeout/);
        assert.match(error.hint ?? '', /MANIFESTO_TIMEOUT/);
        return true;
      },
    );
    assert.equal(events.length, 2, 'one retry after a timeout, not three');
    assert.ok(performance.now() - started < 3000);
  });

  it('a body that stops arriving is a timeout too', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(new Uint8Array(10));
    });
    const { transport } = setup(s.host, { timeoutMs: 300 });
    const res = await transport.request({ method: 'GET', path: '/v2/r/blobs/x' });
    await assert.rejects(
      readAll(res),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'REGISTRY_TIMEOUT' && /--timeout/.test(error.hint ?? ''),
    );
  });

  it('the answer to a streamed upload may take longer than --timeout once the body is sent (storage commit)', async () => {
    const s = await server((req, res) => {
      req.resume();
      if (req.url === '/v2/') res.writeHead(200).end();
      else req.on('end', () => setTimeout(() => res.writeHead(201).end(), 900));
    });
    const { transport } = setup(s.host, { timeoutMs: 300 });
    const res = await transport.request({
      method: 'PUT',
      path: '/v2/r/blobs/uploads/x?digest=sha256:00',
      headers: { 'content-length': String(BLOB.byteLength) },
      body: {
        async *open() {
          yield BLOB;
        },
      },
    });
    assert.equal(res.status, 201);
  });
});
