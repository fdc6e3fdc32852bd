// Reaching registries from the metadata commands: token auth (distribution with a Bearer token
// server) with `-u USER --password-stdin` and through `login` / `logout` and a Docker config;
// failures with the documented exit codes — auth (4), unreachable (6) — and nothing written.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { freeLoopbackPort, requireRegistryWithUser, uniqueRepository } from '../../support/registries.ts';
import {
  type CliOptions,
  type CliResult,
  failsWith,
  type HistoryJson,
  okJson,
  type PutJson,
  runCli,
  spawnCli,
} from './support/cli.ts';
import { scratchDir } from './support/suite.ts';

describe('token auth (distribution with a Bearer token server)', () => {
  const registry = requireRegistryWithUser('distribution-token');
  const files = scratchDir();
  const dockerConfig = mkdtempSync(join(tmpdir(), 'manifesto-metadata-login-'));
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig, MANIFESTO_AUTHOR: 'tester@example.com' };
  const flags = registry.plainHttp ? ['--plain-http'] : [];
  const run = (args: string[], options: CliOptions = {}): Promise<CliResult> =>
    runCli([...args, ...flags], { env, ...options });
  const asUser = (args: string[], user = registry.username, password = registry.password) =>
    run([...args, '-u', user, '--password-stdin'], { stdin: `${password}\n` });
  after(() => {
    files.remove();
    rmSync(dockerConfig, { recursive: true, force: true });
  });

  const newImage = async (prefix: string): Promise<string> => {
    const name = uniqueRepository(prefix);
    const opener = createImageOpener({
      plainHttp: registry.plainHttp,
      username: registry.username,
      password: registry.password,
      env: { DOCKER_CONFIG: dockerConfig },
    });
    await pushTestImage((await opener(`${registry.host}/${name}:v1`)).repository, { seed: name, tag: 'v1' });
    return `${registry.host}/${name}:v1`;
  };
  /** Versions of `type` as the full-access user sees them. */
  const versions = async (image: string, type: string): Promise<string[]> => {
    const result = await asUser(['history', image, type, '--json']);
    if (result.code === 3) return [];
    return okJson<HistoryJson>(result, 'history').versions.map((v) => v.version);
  };

  it('put and get with -u USER --password-stdin; without credentials, or read-only: exit 4 and nothing written', async () => {
    const image = await newImage('md-token-flags');
    const file = files.file('seccomp.json', '{"defaultAction":"SCMP_ACT_ERRNO"}');
    const stored = okJson<PutJson>(await asUser(['put', image, 'seccomp', file, '--json']), 'put -u');
    const got = await asUser(['get', image, 'seccomp']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout.toString(), '{"defaultAction":"SCMP_ACT_ERRNO"}');

    failsWith(
      await run(['put', image, 'seccomp', file]),
      4,
      'put without credentials',
      /authentication required/,
    );
    failsWith(await run(['get', image, 'seccomp']), 4, 'get without credentials');
    failsWith(await run(['list', image]), 4, 'list without credentials');
    failsWith(
      await asUser(['put', image, 'seccomp', file], registry.username, 'wrong'),
      4,
      'a wrong password',
    );
    const reader = registry.readOnlyUser!;
    failsWith(
      await asUser(['put', image, 'seccomp', file], reader.username, reader.password),
      4,
      'put as a read-only user',
    );
    failsWith(
      await asUser(['delete', image, 'seccomp'], reader.username, reader.password),
      4,
      'delete as a read-only user',
    );
    const asReader = await asUser(['get', image, 'seccomp'], reader.username, reader.password);
    assert.equal(asReader.code, 0, asReader.stderr);
    assert.deepEqual(await versions(image, 'seccomp'), [stored.version], 'no failed put left a version');
  });

  it('login stores credentials in DOCKER_CONFIG; put, get and list then need no flags; logout removes them', async () => {
    const image = await newImage('md-token-login');
    failsWith(
      await asUser(['login', registry.host], registry.username, 'wrong'),
      4,
      'login with a wrong password',
    );
    assert.throws(() => readFileSync(join(dockerConfig, 'config.json')), /ENOENT/, 'nothing stored');

    const login = await asUser(['login', registry.host, '--json']);
    assert.deepEqual(okJson<{ registry: string; stored: string }>(login, 'login'), {
      registry: registry.host,
      stored: join(dockerConfig, 'config.json'),
    });
    const config = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as {
      auths: Record<string, { auth: string }>;
    };
    assert.equal(
      Buffer.from(config.auths[registry.host]!.auth, 'base64').toString(),
      `${registry.username}:${registry.password}`,
    );

    // A separate process reads the same DOCKER_CONFIG.
    const stored = okJson<PutJson>(
      await spawnCli(['put', image, 'owner', '-', '--json', ...flags], { env, stdin: 'ops@example.com\n' }),
      'put after login',
    );
    const got = await run(['get', image, 'owner']);
    assert.equal(got.stdout.toString(), 'ops@example.com\n');
    assert.deepEqual(await versions(image, 'owner'), [stored.version]);

    const logout = okJson<{ registry: string; removed: boolean }>(
      await runCli(['logout', registry.host, '--json'], { env }), // logout takes no registry flags
      'logout',
    );
    assert.deepEqual(logout, { registry: registry.host, removed: true });
    failsWith(await run(['put', image, 'owner', '-'], { stdin: 'x' }), 4, 'put after logout');
    assert.deepEqual(await versions(image, 'owner'), [stored.version]);
  });
});

describe('an unreachable registry', () => {
  const files = scratchDir();
  after(() => files.remove());

  it('exits 6 with one error line for put, get, list, history, delete and prune (a closed port)', async () => {
    const port = await freeLoopbackPort();
    const image = `127.0.0.1:${port}/app:v1`;
    const file = files.file('a.json', '{}');
    const commands = [
      ['put', image, 'notes', file],
      ['get', image, 'notes'],
      ['list', image],
      ['history', image, 'notes'],
      ['delete', image, 'notes'],
      ['prune', image, '--keep', '1'],
    ];
    const results = await Promise.all(commands.map((args) => runCli([...args, '--plain-http'])));
    for (const [i, result] of results.entries()) {
      failsWith(result, 6, `${commands[i]![0]} on a closed port`, /cannot reach registry 127\.0\.0\.1:\d+/);
    }
  });
});
