import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  isLoopbackHost,
  mayCarryCredentials,
  registryBaseUrl,
  registryScheme,
} from '../../../../src/registry/http/endpoint.ts';
import { requestClassOf } from '../../../../src/registry/http/request-class.ts';
import { createRegistryTransport, type FetchFunction } from '../../../../src/registry/http/transport.ts';
import { buildUserAgent } from '../../../../src/registry/http/user-agent.ts';

/** A fetch that records where it was asked to go and answers 200, touching no network. */
function recordingFetch(): { fetch: FetchFunction; urls: string[]; headers: Record<string, string>[] } {
  const urls: string[] = [];
  const headers: Record<string, string>[] = [];
  return {
    urls,
    headers,
    fetch: async (url, init) => {
      urls.push(url);
      headers.push(init.headers as Record<string, string>);
      return new Response('{}', { status: 200 });
    },
  };
}

describe('registry endpoint', () => {
  it('recognises loopback hosts', () => {
    for (const host of [
      'localhost',
      'localhost:5000',
      'registry.localhost:80',
      '127.0.0.1',
      '127.1.2.3:5000',
      '[::1]',
      '[::1]:5000',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      'example.com',
      'localhost.example.com',
      '128.0.0.1:5000',
      '10.0.0.1',
      '[::2]:5000',
      '127.0.0.1.nip.io',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  it('uses plain HTTP only for loopback by default, https otherwise; plainHttp decides when given', () => {
    assert.equal(registryScheme('localhost:5000'), 'http');
    assert.equal(registryScheme('[::1]:5000'), 'http');
    assert.equal(registryScheme('registry.example.com'), 'https');
    assert.equal(registryScheme('10.1.2.3:5000'), 'https');
    assert.equal(registryScheme('registry.example.com', true), 'http');
    assert.equal(registryScheme('localhost:5000', false), 'https');
  });

  it('maps Docker Hub to its API host', () => {
    assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io');
    assert.equal(registryBaseUrl('index.docker.io'), 'https://registry-1.docker.io');
    assert.equal(registryBaseUrl('ghcr.io'), 'https://ghcr.io');
    assert.equal(registryBaseUrl('[::1]:5000'), 'http://[::1]:5000');
    assert.throws(
      () => registryBaseUrl('bad/host'),
      (e: unknown) => isManifestoError(e) && e.code === 'REGISTRY_INVALID',
    );
  });

  it('credentials may travel over https or to loopback only', () => {
    assert.equal(mayCarryCredentials(new URL('https://r.example.com/token')), true);
    assert.equal(mayCarryCredentials(new URL('http://127.0.0.1:5000/token')), true);
    assert.equal(mayCarryCredentials(new URL('http://r.example.com/token')), false);
  });

  it('the transport goes to https for a non-loopback registry unless plainHttp is true (no network)', async () => {
    const secure = recordingFetch();
    const a = createRegistryTransport({
      registry: 'registry.example.com:5000',
      fetch: secure.fetch,
      authCache: new AuthCache(),
    });
    assert.equal(a.baseUrl, 'https://registry.example.com:5000');
    await a.request({ method: 'GET', path: '/v2/team/app/manifests/v1', repository: 'team/app' });
    assert.deepEqual(secure.urls, ['https://registry.example.com:5000/v2/team/app/manifests/v1']);
    await a.close();

    const plain = recordingFetch();
    const b = createRegistryTransport({
      registry: 'registry.example.com:5000',
      plainHttp: true,
      fetch: plain.fetch,
      authCache: new AuthCache(),
    });
    await b.request({ method: 'GET', path: '/v2/' });
    assert.deepEqual(plain.urls, ['http://registry.example.com:5000/v2/']);
    await b.close();

    const loop = recordingFetch();
    const c = createRegistryTransport({
      registry: 'localhost:5000',
      fetch: loop.fetch,
      authCache: new AuthCache(),
    });
    await c.request({ method: 'GET', path: '/v2/' });
    assert.deepEqual(loop.urls, ['http://localhost:5000/v2/']);
    await c.close();
  });

  it('absolute URLs (upload Locations) are used as given; the User-Agent is sent', async () => {
    const rec = recordingFetch();
    const t = createRegistryTransport({
      registry: 'r.example.com',
      fetch: rec.fetch,
      authCache: new AuthCache(),
    });
    await t.request({
      method: 'PUT',
      path: 'https://r.example.com/upload/abc?_state=x&digest=sha256:00',
      body: new Uint8Array(1),
      idempotent: true,
    });
    assert.deepEqual(rec.urls, ['https://r.example.com/upload/abc?_state=x&digest=sha256:00']);
    assert.match(rec.headers[0]!['user-agent'] ?? '', /^manifesto\/\S+ \(node \d+\.\d+\.\d+; \w+\/\w+\)$/);
    await t.close();
  });

  it('formats the user agent', () => {
    assert.equal(
      buildUserAgent('1.2.3', { nodeVersion: '24.1.0', platform: 'linux', arch: 'x64' }),
      'manifesto/1.2.3 (node 24.1.0; linux/x64)',
    );
  });

  it('classifies requests by path', () => {
    const table: [string, string][] = [
      ['/v2/', 'ping'],
      ['/v2/a/b/manifests/latest', 'manifest'],
      ['/v2/a/blobs/sha256:00', 'blob'],
      ['/v2/a/blobs/uploads/', 'upload'],
      ['https://r.example.com/v2/a/blobs/uploads/uuid?_state=1', 'upload'],
      ['/v2/a/referrers/sha256:00?artifactType=x', 'referrers'],
      ['/v2/a/tags/list?n=10', 'tags'],
      ['/v2/_catalog', 'other'],
    ];
    for (const [path, expected] of table) assert.equal(requestClassOf(path), expected, path);
  });
});
