// Capability answers are earned: a bad reply to the referrers probe must not make manifesto believe a
// referrers-API registry (refreg) has no API, which would hide its metadata and make manifesto read
// the `sha256-<hex>` tag any pusher can write. Real refreg behind a proxy that injects the bad reply;
// the CLI with an on-disk cache (where the capability is kept for 15 minutes).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { putRawManifest } from '../../support/referrers-index.ts';
import { metadataBackend } from './support/backends.ts';
import { type CliResult, failsWith, type ListJson, ok, okJson, runCli } from './support/cli.ts';
import { scratchDir } from './support/suite.ts';

const backend = metadataBackend('refreg');
const registry = backend.registry!;
const files = scratchDir();
let proxy: FaultProxy;
before(async () => {
  proxy = await startFaultProxy(registry.baseUrl);
});
after(async () => {
  await proxy.close();
  files.remove();
  backend.cleanup();
});

const REFERRERS = /^\/v2\/.+\/referrers\/sha256:/;
const NOTES = 'release notes\n';

/** A CLI through the proxy, with its own on-disk cache (as one machine). */
function machine() {
  const cacheDir = mkdtempSync(join(tmpdir(), 'manifesto-probe-cache-'));
  after(() => rmSync(cacheDir, { recursive: true, force: true }));
  const env = { ...backend.env, MANIFESTO_CACHE: undefined, MANIFESTO_CACHE_DIR: cacheDir };
  return (args: string[]): Promise<CliResult> => runCli([...args, '--plain-http'], { env });
}

/** An image on refreg with one `notes` version, named through the proxy. */
async function imageWithNotes(prefix: string) {
  const image = await backend.newImage(prefix);
  const file = files.file(`${prefix}.txt`, NOTES);
  ok(await runCli(['put', image.ref, 'notes', file, '--plain-http'], { env: backend.env }), 'put');
  return { ...image, proxied: `${proxy.host}/${image.name}:${image.tag}` };
}

/** Answers the first referrers request with `reply`, then forwards again. */
function faultOnce(reply: () => Response): void {
  let done = false;
  proxy.fault = ({ method, path }) => {
    if (done || method !== 'GET' || !REFERRERS.test(path)) return undefined;
    done = true;
    return reply();
  };
}

function listedTypes(result: CliResult): string[] {
  return okJson<ListJson>(result, 'list').types.map((t) => t.type);
}

describe('referrers probe poisoning (refreg behind a faulty proxy)', () => {
  it('a 200 that is not an index is an error, never cached as "no referrers API"', async () => {
    const image = await imageWithNotes('probe-not-index');
    // What a pusher can write on any registry: the tag-schema tag, here naming nothing.
    await putRawManifest(
      registry,
      image.name,
      `sha256-${image.subject.digest.slice(7)}`,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [],
      }),
      'application/vnd.oci.image.index.v1+json',
    );
    const run = machine();
    faultOnce(() => Response.json({ hello: 'world' }));
    failsWith(await run(['list', image.proxied]), 7, 'poisoned list', /not an OCI image index/);
    proxy.fault = () => undefined;
    // The next command (same cache on disk) still uses the registry's own listing.
    assert.deepEqual(listedTypes(await run(['list', image.proxied, '--json'])), ['notes']);
    assert.equal(ok(await run(['get', image.proxied, 'notes']), 'get'), NOTES);
  });

  it('an oversized listing is an error with a hint, not "no metadata"', async () => {
    const image = await imageWithNotes('probe-oversized');
    const run = machine();
    const big = () =>
      new Response(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [],
          annotations: { padding: 'x'.repeat(5 * 1024 * 1024) },
        }),
        { headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' } },
      );
    for (const args of [
      ['list', image.proxied],
      ['get', image.proxied, 'notes'],
    ]) {
      faultOnce(big);
      const result = await run(args);
      failsWith(result, 7, `${args[0]} of an oversized listing`, /referrers listing .* is larger than/);
      assert.match(result.stderr, /hint: .*prune/);
    }
    proxy.fault = () => undefined;
    assert.deepEqual(listedTypes(await run(['list', image.proxied, '--json'])), ['notes']);
  });

  it('a registry known to have the API is never read through the tag schema', async () => {
    const image = await imageWithNotes('probe-known-api');
    const run = machine();
    assert.deepEqual(listedTypes(await run(['list', image.proxied, '--json'])), ['notes']);
    proxy.calls.length = 0;
    faultOnce(() => new Response('404 page not found', { status: 404 }));
    failsWith(await run(['list', image.proxied]), 6, 'list after a 404', /referrers API/);
    assert.ok(
      !proxy.calls.some((c) => c.path.includes('/manifests/sha256-')),
      `the tag was not read: ${proxy.calls.map((c) => c.path).join(', ')}`,
    );
    proxy.fault = () => undefined;
    assert.deepEqual(listedTypes(await run(['list', image.proxied, '--json'])), ['notes']);
  });
});
