import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import { createRegistryTransport } from '../../../../src/registry/http/transport.ts';
import { sendJson } from '../../../support/http.ts';
import { closedAfterTests, startServer } from './servers.ts';

const open = closedAfterTests();

const MB = 1024 * 1024;
const TOTAL = 50 * MB;
const CHUNK = 64 * 1024;

function chunkAt(index: number): Uint8Array {
  const chunk = new Uint8Array(CHUNK);
  chunk.fill(index % 251);
  chunk[0] = index & 0xff;
  return chunk;
}

describe('streaming', () => {
  it('uploads a 50 MB stream incrementally, with its Content-Length, without buffering it', async () => {
    let received = 0;
    let produced = 0;
    let producedWhilePaused: number | undefined;
    const PAUSE_AT = 10 * MB;
    const serverHash = createHash('sha256');
    let contentLength: string | undefined;
    const server = await startServer(async (req, res) => {
      if (req.url === '/v2/') {
        res.writeHead(200).end();
        return;
      }
      contentLength = req.headers['content-length'];
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        serverHash.update(chunk);
        if (producedWhilePaused === undefined && received >= PAUSE_AT) {
          // The registry stops reading for a while: a streaming client must stop pulling the source.
          req.pause();
          setTimeout(() => {
            producedWhilePaused = produced;
            req.resume();
          }, 300);
        }
      });
      req.on('end', () => sendJson(res, 201, { received }));
    });
    open.push(server);
    const transport = createRegistryTransport({ registry: server.host, authCache: new AuthCache() });
    open.push(transport);

    const expectedHash = createHash('sha256');
    let maxAhead = 0;
    const res = await transport.request({
      method: 'PUT',
      path: '/v2/r/blobs/uploads/x?digest=sha256:00',
      idempotent: true,
      headers: { 'Content-Length': String(TOTAL), 'Content-Type': 'application/octet-stream' },
      body: {
        async *open() {
          for (let i = 0; produced < TOTAL; i++) {
            const chunk = chunkAt(i);
            expectedHash.update(chunk);
            produced += chunk.byteLength;
            maxAhead = Math.max(maxAhead, produced - received);
            yield chunk;
          }
        },
      },
    });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { received: TOTAL });
    assert.equal(contentLength, String(TOTAL), 'Content-Length sent, not chunked');
    assert.equal(serverHash.digest('hex'), expectedHash.digest('hex'));
    // The source is pulled as the socket drains: while the server did not read for 300 ms, only
    // socket buffers' worth was produced, and it never ran far ahead of what the server had read.
    assert.ok(producedWhilePaused !== undefined);
    assert.ok(
      producedWhilePaused - PAUSE_AT < 16 * MB,
      `produced ${Math.round((producedWhilePaused - PAUSE_AT) / MB)} MB while the server paused`,
    );
    assert.ok(maxAhead < 16 * MB, `source ran ${Math.round(maxAhead / MB)} MB ahead of the server`);
  });

  it('returns the response before its body is read: a large download streams', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': String(8 * MB) });
      let sent = 0;
      const write = (): void => {
        while (sent < 8 * MB) {
          sent += CHUNK;
          if (!res.write(new Uint8Array(CHUNK))) {
            res.once('drain', write);
            return;
          }
        }
        res.end();
      };
      write();
    });
    open.push(server);
    const transport = createRegistryTransport({ registry: server.host, authCache: new AuthCache() });
    open.push(transport);
    const res = await transport.request({
      method: 'GET',
      path: '/v2/r/blobs/sha256:00',
      followRedirects: true,
    });
    assert.equal(res.status, 200);
    let total = 0;
    let chunks = 0;
    for await (const chunk of res.body!) {
      total += chunk.byteLength;
      chunks++;
    }
    assert.equal(total, 8 * MB);
    assert.ok(chunks > 1, 'body arrives in several chunks');
  });
});
