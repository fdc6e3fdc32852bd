// A malformed Docker config.json is an error naming the file, never a silent fall back to anonymous
// requests: on registries that ask for credentials (token auth, basic auth over TLS) and on one that
// does not (the first request would otherwise go out anonymously as well).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { requireRegistry, uniqueRepository } from '../../support/registries.ts';
import { runCli } from '../metadata/support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'manifesto-docker-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const kind of ['distribution-token', 'distribution-basic-tls', 'distribution'] as const) {
  describe(`a malformed Docker config on ${kind}`, () => {
    const registry = requireRegistry(kind);
    const flags = [
      ...(registry.plainHttp ? ['--plain-http'] : []),
      ...(registry.caFile ? ['--ca-file', registry.caFile] : []),
    ];

    it('is an error naming the file (exit 2), not anonymous requests', async () => {
      const repository = uniqueRepository(`badconfig-${kind}`);
      const opener = createImageOpener({
        env: {},
        plainHttp: registry.plainHttp,
        caFile: registry.caFile,
        username: registry.username,
        password: registry.password,
      });
      const opened = await opener(`${registry.host}/${repository}:v1`);
      await pushTestImage(opened.repository, { tag: 'v1' });
      for (const [name, text] of [
        ['truncated', '{"auths": {'],
        ['array', '[]'],
      ] as const) {
        const configDir = join(dir, `${kind}-${name}`);
        mkdirSync(configDir, { recursive: true });
        const file = join(configDir, 'config.json');
        writeFileSync(file, text);
        const result = await runCli(['list', `${registry.host}/${repository}:v1`, ...flags], {
          env: { ...process.env, DOCKER_CONFIG: configDir, MANIFESTO_CACHE: 'off' },
        });
        assert.equal(result.code, 2, `${name}: ${result.stderr}`);
        assert.match(result.stderr, /^manifesto: error: .*config\.json/m);
        assert.ok(result.stderr.includes(file), `names ${file}: ${result.stderr}`);
      }
    });
  });
}
