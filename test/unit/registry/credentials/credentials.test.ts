import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isManifestoError } from '../../../../src/errors/errors.ts';
import {
  candidateKeys,
  dockerConfigDir,
  keyHost,
} from '../../../../src/registry/credentials/docker-config.ts';
import {
  defaultCredentialProvider,
  dockerConfigCredentials,
  explicitCredentials,
  podmanCredentials,
} from '../../../../src/registry/credentials/provider.ts';
import { removeCredentials, saveCredentials } from '../../../../src/registry/credentials/store.ts';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A Docker config dir holding `config`. */
function configDir(config: unknown): string {
  const dir = tempDir('manifesto-docker-');
  writeFileSync(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

/**
 * A fake `docker-credential-test` on a PATH of its own: a Node script keeping its secrets in
 * store.json and logging each call to calls.log, next to it.
 */
function fakeHelper(initial: Record<string, { Username: string; Secret: string }> = {}): {
  env: Record<string, string | undefined>;
  dir: string;
  calls: () => { action: string; input: string }[];
  store: () => Record<string, { Username: string; Secret: string }>;
} {
  const dir = tempDir('manifesto-helper-');
  writeFileSync(join(dir, 'store.json'), JSON.stringify(initial));
  const script = `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const action = process.argv[2];
const file = path.join(__dirname, 'store.json');
const db = JSON.parse(fs.readFileSync(file, 'utf8'));
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  fs.appendFileSync(path.join(__dirname, 'calls.log'), JSON.stringify({ action, input }) + '\\n');
  const key = input.trim();
  if (action === 'get') {
    if (!db[key]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    process.stdout.write(JSON.stringify({ ServerURL: key, Username: db[key].Username, Secret: db[key].Secret }));
  } else if (action === 'store') {
    const c = JSON.parse(input);
    db[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
    fs.writeFileSync(file, JSON.stringify(db));
  } else if (action === 'erase') {
    if (!db[key]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
    delete db[key];
    fs.writeFileSync(file, JSON.stringify(db));
  } else {
    process.stderr.write('unknown action\\n');
    process.exit(2);
  }
});
`;
  const program = join(dir, 'docker-credential-test');
  writeFileSync(program, script);
  chmodSync(program, 0o755);
  return {
    dir,
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`, HOME: dir },
    calls: () =>
      existsSync(join(dir, 'calls.log'))
        ? readFileSync(join(dir, 'calls.log'), 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { action: string; input: string })
        : [],
    store: () =>
      JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')) as Record<
        string,
        { Username: string; Secret: string }
      >,
  };
}

describe('Docker config credentials', () => {
  it('reads base64 auth, matching the host under the keys Docker uses', async () => {
    const dir = configDir({
      auths: {
        'plain.example.com': { auth: b64('alice:pa:ss') },
        'https://tls.example.com': { auth: b64('bob:pw') },
        'http://old.example.com:5000/v1/': { auth: b64('carol:pw') },
        'fields.example.com': { username: 'dave', password: 'pw' },
        'id.example.com': { auth: b64('erin:unused'), identitytoken: 'refresh-123' },
      },
    });
    const provider = dockerConfigCredentials({ configDir: dir, env: {} });
    assert.deepEqual(await provider('plain.example.com'), { username: 'alice', password: 'pa:ss' });
    assert.deepEqual(await provider('TLS.example.com'), { username: 'bob', password: 'pw' });
    assert.deepEqual(await provider('old.example.com:5000'), { username: 'carol', password: 'pw' });
    assert.deepEqual(await provider('fields.example.com'), { username: 'dave', password: 'pw' });
    assert.deepEqual(await provider('id.example.com'), { identityToken: 'refresh-123', username: 'erin' });
    assert.equal(await provider('old.example.com'), undefined, 'the port is part of the host');
    assert.equal(await provider('unknown.example.com'), undefined);
  });

  it('files Docker Hub under https://index.docker.io/v1/', async () => {
    const dir = configDir({ auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpw') } } });
    const provider = dockerConfigCredentials({ configDir: dir, env: {} });
    assert.deepEqual(await provider('docker.io'), { username: 'hubuser', password: 'hubpw' });
    assert.deepEqual(await provider('index.docker.io'), { username: 'hubuser', password: 'hubpw' });
    assert.deepEqual(candidateKeys('docker.io')[0], 'https://index.docker.io/v1/');
    assert.equal(keyHost('https://index.docker.io/v1/'), 'index.docker.io');
  });

  it('finds config.json through DOCKER_CONFIG, else ~/.docker', async () => {
    const dir = configDir({ auths: { 'r.example.com': { auth: b64('u:p') } } });
    assert.equal(dockerConfigDir({ env: { DOCKER_CONFIG: dir } }), dir);
    assert.equal(dockerConfigDir({ env: {}, homeDir: '/home/x' }), join('/home/x', '.docker'));
    assert.deepEqual(await dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } })('r.example.com'), {
      username: 'u',
      password: 'p',
    });
    const home = tempDir('manifesto-home-');
    mkdirSync(join(home, '.docker'));
    writeFileSync(
      join(home, '.docker', 'config.json'),
      JSON.stringify({ auths: { 'h.example.com': { auth: b64('h:p') } } }),
    );
    assert.deepEqual(await dockerConfigCredentials({ env: {}, homeDir: home })('h.example.com'), {
      username: 'h',
      password: 'p',
    });
  });

  it('no config file means no credentials; a malformed one is a usage error', async () => {
    assert.equal(
      await dockerConfigCredentials({ configDir: tempDir('manifesto-empty-'), env: {} })('r'),
      undefined,
    );
    await assert.rejects(
      dockerConfigCredentials({ configDir: configDir('{ not json'), env: {} })('r'),
      (error: unknown) =>
        isManifestoError(error) && error.code === 'DOCKER_CONFIG_INVALID' && error.category === 'usage',
    );
    await assert.rejects(
      dockerConfigCredentials({ configDir: configDir({ auths: { r: { auth: b64('nocolon') } } }), env: {} })(
        'r',
      ),
      (error: unknown) => isManifestoError(error) && error.code === 'DOCKER_CONFIG_INVALID',
    );
  });

  it('asks credHelpers[host] through docker-credential-<name> get, server URL on stdin', async () => {
    const helper = fakeHelper({
      'r.example.com': { Username: 'helperuser', Secret: 'helpersecret' },
      'tok.example.com': { Username: '<token>', Secret: 'identity-xyz' },
    });
    const dir = configDir({ credHelpers: { 'r.example.com': 'test', 'tok.example.com': 'test' }, auths: {} });
    const provider = dockerConfigCredentials({ configDir: dir, env: helper.env });
    assert.deepEqual(await provider('r.example.com'), { username: 'helperuser', password: 'helpersecret' });
    assert.deepEqual(await provider('tok.example.com'), { identityToken: 'identity-xyz' });
    assert.deepEqual(helper.calls(), [
      { action: 'get', input: 'r.example.com' },
      { action: 'get', input: 'tok.example.com' },
    ]);
  });

  it('uses credsStore for every registry, falling back to auths when the helper has nothing', async () => {
    const helper = fakeHelper({ 'https://index.docker.io/v1/': { Username: 'hub', Secret: 'hubsecret' } });
    const dir = configDir({ credsStore: 'test', auths: { 'legacy.example.com': { auth: b64('old:pw') } } });
    const provider = dockerConfigCredentials({ configDir: dir, env: helper.env });
    assert.deepEqual(await provider('docker.io'), { username: 'hub', password: 'hubsecret' });
    assert.deepEqual(await provider('legacy.example.com'), { username: 'old', password: 'pw' });
    assert.equal(await provider('none.example.com'), undefined);
    assert.equal(helper.calls()[0]!.input, 'https://index.docker.io/v1/');
  });

  it('a configured helper that is not installed is an auth error with a hint', async () => {
    const dir = configDir({ credsStore: 'does-not-exist-anywhere' });
    await assert.rejects(
      dockerConfigCredentials({ configDir: dir, env: { PATH: tempDir('manifesto-nopath-') } })(
        'r.example.com',
      ),
      (error: unknown) =>
        isManifestoError(error) &&
        error.code === 'CREDENTIAL_HELPER_FAILED' &&
        /docker-credential-does-not-exist-anywhere/.test(error.message) &&
        /credsStore/.test(error.hint ?? ''),
    );
  });

  it('falls back to podman auth.json under XDG_RUNTIME_DIR', async () => {
    const runtime = tempDir('manifesto-xdg-');
    mkdirSync(join(runtime, 'containers'));
    writeFileSync(
      join(runtime, 'containers', 'auth.json'),
      JSON.stringify({ auths: { 'quay.example.com/org': { auth: b64('pod:man') } } }),
    );
    const env = { XDG_RUNTIME_DIR: runtime, DOCKER_CONFIG: configDir({ auths: {} }) };
    assert.deepEqual(await podmanCredentials({ env })('quay.example.com'), {
      username: 'pod',
      password: 'man',
    });
    assert.deepEqual(await defaultCredentialProvider({ env })('quay.example.com'), {
      username: 'pod',
      password: 'man',
    });
  });

  it('explicit credentials come first, optionally for one registry only', async () => {
    const env = { DOCKER_CONFIG: configDir({ auths: { 'r.example.com': { auth: b64('file:pw') } } }) };
    const explicit = explicitCredentials({ username: 'flag', password: 'pw' }, 'r.example.com');
    const provider = defaultCredentialProvider({ env, explicit });
    assert.deepEqual(await provider('r.example.com'), { username: 'flag', password: 'pw' });
    assert.equal(await explicit('other.example.com'), undefined);
    assert.deepEqual(await explicitCredentials({ identityToken: 't' })('any.example.com'), {
      identityToken: 't',
    });
  });
});

describe('saving and removing credentials', () => {
  it('saves base64 auth atomically with mode 0600, keeping other settings; round-trips', async () => {
    const dir = configDir({
      auths: { 'other.example.com': { auth: b64('o:p') } },
      psFormat: 'table {{.ID}}',
    });
    const saved = await saveCredentials('r.example.com:5000', 'alice', 's3:cret', {
      configDir: dir,
      env: {},
    });
    assert.deepEqual(saved, { path: join(dir, 'config.json'), store: 'file', key: 'r.example.com:5000' });
    const file = join(dir, 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(config.psFormat, 'table {{.ID}}');
    assert.deepEqual(config.auths, {
      'other.example.com': { auth: b64('o:p') },
      'r.example.com:5000': { auth: b64('alice:s3:cret') },
    });
    const provider = dockerConfigCredentials({ configDir: dir, env: {} });
    assert.deepEqual(await provider('r.example.com:5000'), { username: 'alice', password: 's3:cret' });

    assert.equal(await removeCredentials('r.example.com:5000', { configDir: dir, env: {} }), true);
    assert.equal(await provider('r.example.com:5000'), undefined);
    assert.deepEqual(await provider('other.example.com'), { username: 'o', password: 'p' });
    assert.equal(await removeCredentials('r.example.com:5000', { configDir: dir, env: {} }), false);
  });

  it('creates the config directory and file when missing; Docker Hub under its v1 key', async () => {
    const dir = join(tempDir('manifesto-new-'), 'nested', '.docker');
    await saveCredentials('docker.io', 'hub', 'pw', { configDir: dir, env: {} });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      auths: Record<string, unknown>;
    };
    assert.deepEqual(Object.keys(config.auths), ['https://index.docker.io/v1/']);
    assert.deepEqual(await dockerConfigCredentials({ configDir: dir, env: {} })('docker.io'), {
      username: 'hub',
      password: 'pw',
    });
  });

  it('replaces an older entry for the same host under another key form', async () => {
    const dir = configDir({ auths: { 'https://r.example.com': { auth: b64('old:pw') } } });
    await saveCredentials('r.example.com', 'new', 'pw', { configDir: dir, env: {} });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      auths: Record<string, unknown>;
    };
    assert.deepEqual(config.auths, { 'r.example.com': { auth: b64('new:pw') } });
  });

  it('with credsStore, stores the secret in the helper and leaves an empty marker, like docker login', async () => {
    const helper = fakeHelper();
    const dir = configDir({ credsStore: 'test' });
    const saved = await saveCredentials('r.example.com', 'alice', 'topsecret', {
      configDir: dir,
      env: helper.env,
    });
    assert.deepEqual(saved.store, { helper: 'test' });
    assert.deepEqual(helper.store(), { 'r.example.com': { Username: 'alice', Secret: 'topsecret' } });
    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    assert.doesNotMatch(text, /topsecret/);
    assert.deepEqual((JSON.parse(text) as { auths: unknown }).auths, { 'r.example.com': {} });
    assert.deepEqual(await dockerConfigCredentials({ configDir: dir, env: helper.env })('r.example.com'), {
      username: 'alice',
      password: 'topsecret',
    });

    assert.equal(await removeCredentials('r.example.com', { configDir: dir, env: helper.env }), true);
    assert.deepEqual(helper.store(), {});
    assert.equal(
      await dockerConfigCredentials({ configDir: dir, env: helper.env })('r.example.com'),
      undefined,
    );
    assert.deepEqual(
      helper.calls().map((c) => c.action),
      ['store', 'get', 'erase', 'get'],
    );
  });
});
