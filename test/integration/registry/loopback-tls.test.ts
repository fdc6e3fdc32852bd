// Loopback registries over TLS (distribution 2.8 with basic auth over HTTPS on 127.0.0.1): reached
// without --plain-http gymnastics, and a scheme mismatch is an error that names the flag to change.
// The reverse: a plain-HTTP loopback registry still works when TLS options are given.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import { explicitCredentials } from '../../../src/registry/credentials/provider.ts';
import { AuthCache } from '../../../src/registry/http/auth/cache.ts';
import {
  createRegistryTransport,
  type HttpRegistryTransport,
  type RegistryTransportOptions,
} from '../../../src/registry/http/transport.ts';
import { pushTestImage } from '../../support/images.ts';
import { requireRegistry, testRegistries, uniqueRepository } from '../../support/registries.ts';
import { runCli } from '../metadata/support/cli.ts';
import { registryRepository } from './support/registry-repositories.ts';

const running = new Set(testRegistries().map((r) => r.kind));
const open: HttpRegistryTransport[] = [];
const dirs: string[] = [];
after(async () => {
  for (const t of open) await t.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function transport(options: RegistryTransportOptions): HttpRegistryTransport {
  const t = createRegistryTransport({ authCache: new AuthCache(), retry: { maxAttempts: 1 }, ...options });
  open.push(t);
  return t;
}

if (running.has('distribution-basic-tls')) {
  describe('a TLS registry on 127.0.0.1', () => {
    const registry = requireRegistry('distribution-basic-tls');
    const credentials = explicitCredentials({ username: registry.username!, password: registry.password! });

    test('with its CA (--ca-file) and no scheme given: spoken to over https', async () => {
      const t = transport({ registry: registry.host, caFile: registry.caFile, credentials });
      const res = await t.request({ method: 'GET', path: '/v2/' });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      assert.equal(t.baseUrl, `https://${registry.host}`);
    });

    test('no TLS options: found to speak https, and its unknown certificate is a TLS_ERROR naming --ca-file', async () => {
      const t = transport({ registry: registry.host, credentials });
      await assert.rejects(t.request({ method: 'GET', path: '/v2/' }), (error: unknown) => {
        assert.ok(isManifestoError(error), String(error));
        assert.equal(error.code, 'TLS_ERROR');
        assert.match(error.hint ?? '', /--ca-file/);
        return true;
      });
    });

    test('--plain-http to it: TLS_REQUIRED with a hint naming --plain-http, not a bare 400', async () => {
      const t = transport({ registry: registry.host, plainHttp: true, credentials });
      await assert.rejects(t.request({ method: 'GET', path: '/v2/' }), (error: unknown) => {
        assert.ok(isManifestoError(error), String(error));
        assert.equal(error.code, 'TLS_REQUIRED');
        assert.match(error.hint ?? '', /--plain-http/);
        return true;
      });
    });

    test('the CLI puts and gets metadata with --ca-file alone', async () => {
      const repository = uniqueRepository('loopback-tls');
      const image = await pushTestImage(registryRepository(registry, repository), { tag: 'v1' });
      const dir = mkdtempSync(join(tmpdir(), 'manifesto-loopback-tls-'));
      dirs.push(dir);
      const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
      writeFileSync(join(dir, 'notes.json'), '{"loopback":"tls"}\n');
      const env = { ...process.env, DOCKER_CONFIG: dir, MANIFESTO_CACHE: 'off' };
      const ref = `${registry.host}/${repository}@${image.digest}`;
      const put = await runCli(
        ['put', ref, 'notes', join(dir, 'notes.json'), '--ca-file', registry.caFile!],
        {
          env,
        },
      );
      assert.equal(put.code, 0, put.stderr);
      const get = await runCli(['get', ref, 'notes', '--ca-file', registry.caFile!], { env });
      assert.equal(get.code, 0, get.stderr);
      assert.equal(get.stdout.toString('utf8'), '{"loopback":"tls"}\n');
    });
  });
}

if (running.has('refreg')) {
  test('a plain-HTTP registry on 127.0.0.1 still works when TLS options are given (--insecure)', async () => {
    const registry = requireRegistry('refreg');
    const t = transport({ registry: registry.host, insecure: true });
    const res = await t.request({ method: 'GET', path: '/v2/' });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.equal(t.baseUrl, `http://${registry.host}`);
  });
}
