import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import { explicitCredentials } from '../../../../src/registry/credentials/provider.ts';
import { AuthCache } from '../../../../src/registry/http/auth/cache.ts';
import {
  createRegistryTransport,
  type RegistryTransportOptions,
} from '../../../../src/registry/http/transport.ts';
import { sendJson } from '../../../support/http.ts';
import { makeCertificates, startServer, type TestCertificates, type TestServer } from './servers.ts';

let certs: TestCertificates;
let tlsServer: TestServer;
let plainServer: TestServer;
const open: { close(): Promise<void> }[] = [];

before(async () => {
  certs = makeCertificates();
  tlsServer = await startServer(
    (req, res) => {
      const expected = `Basic ${Buffer.from('u:p').toString('base64')}`;
      if (req.url?.startsWith('/v2/private') && req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="tls"' }).end();
        return;
      }
      sendJson(res, 200, { tls: true });
    },
    { tls: { key: certs.key, cert: certs.cert } },
  );
  plainServer = await startServer((_req, res) => sendJson(res, 200, {}));
  open.push(tlsServer, plainServer);
});

after(async () => {
  for (const item of open) await item.close();
  rmSync(certs.dir, { recursive: true, force: true });
});

function transport(options: Partial<RegistryTransportOptions> & { registry: string }) {
  const t = createRegistryTransport({
    authCache: new AuthCache(),
    sleep: async () => undefined,
    retry: { maxAttempts: 1 },
    ...options,
  });
  open.push(t);
  return t;
}

describe('TLS', () => {
  it('trusts a self-signed CA given with caFile (in addition to the default roots)', async () => {
    const t = transport({ registry: tlsServer.host, plainHttp: false, caFile: certs.caFile });
    assert.equal(t.baseUrl, `https://${tlsServer.host}`);
    const res = await t.request({ method: 'GET', path: '/v2/' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { tls: true });
  });

  it('trusts a CA given inline (ca)', async () => {
    const t = transport({ registry: `localhost:${tlsServer.port}`, plainHttp: false, ca: certs.caPem });
    assert.equal((await t.request({ method: 'GET', path: '/v2/' })).status, 200);
  });

  it('fails with TLS_ERROR and a --ca-file/--insecure hint without the CA', async () => {
    const t = transport({ registry: tlsServer.host, plainHttp: false });
    await assert.rejects(t.request({ method: 'GET', path: '/v2/' }), (error: unknown) => {
      assert.ok(isManifestoError(error));
      assert.equal(error.code, 'TLS_ERROR');
      assert.equal(error.category, 'unavailable');
      assert.match(error.hint ?? '', /--ca-file/);
      assert.match(error.hint ?? '', /--insecure/);
      return true;
    });
  });

  it('insecure skips verification (explicit opt-out)', async () => {
    const t = transport({ registry: tlsServer.host, plainHttp: false, insecure: true });
    assert.equal((await t.request({ method: 'GET', path: '/v2/' })).status, 200);
  });

  it('answers a Basic challenge over TLS with the credentials', async () => {
    const t = transport({
      registry: tlsServer.host,
      plainHttp: false,
      caFile: certs.caFile,
      credentials: explicitCredentials({ username: 'u', password: 'p' }),
    });
    const res = await t.request({ method: 'GET', path: '/v2/private/manifests/1', repository: 'private' });
    assert.equal(res.status, 200);
  });

  it('TLS to a plain HTTP server suggests --plain-http', async () => {
    const t = transport({ registry: plainServer.host, plainHttp: false });
    await assert.rejects(
      t.request({ method: 'GET', path: '/v2/' }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'TLS_ERROR' && /--plain-http/.test(error.hint ?? ''),
    );
  });

  it('rejects an unreadable or non-PEM caFile as a usage error', () => {
    assert.throws(
      () => createRegistryTransport({ registry: 'r.example.com', caFile: join(certs.dir, 'missing.pem') }),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'CA_FILE_UNREADABLE' && error.category === 'usage',
    );
    const junk = join(certs.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    assert.throws(
      () => createRegistryTransport({ registry: 'r.example.com', caFile: junk }),
      (error: unknown) => isManifestoError(error) && error.code === 'CA_FILE_INVALID',
    );
  });
});
