import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import {
  familiarReference,
  formatReference,
  isLoopbackRegistry,
  parseReference,
  referenceTarget,
  registryBaseHost,
  withDigest,
} from '../../../src/oci/reference.ts';
import type { ImageReference } from '../../../src/oci/reference-types.ts';

const D256 = `sha256:${'a'.repeat(64)}`;
const D512 = `sha512:${'b'.repeat(128)}`;

interface ValidCase {
  input: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  canonical: string;
  familiar: string;
}

const validCases: ValidCase[] = [
  {
    input: 'nginx',
    registry: 'docker.io',
    repository: 'library/nginx',
    tag: 'latest',
    canonical: 'docker.io/library/nginx:latest',
    familiar: 'nginx:latest',
  },
  {
    input: 'nginx:1.27-alpine',
    registry: 'docker.io',
    repository: 'library/nginx',
    tag: '1.27-alpine',
    canonical: 'docker.io/library/nginx:1.27-alpine',
    familiar: 'nginx:1.27-alpine',
  },
  {
    input: 'user/app',
    registry: 'docker.io',
    repository: 'user/app',
    tag: 'latest',
    canonical: 'docker.io/user/app:latest',
    familiar: 'user/app:latest',
  },
  {
    input: 'docker.io/nginx',
    registry: 'docker.io',
    repository: 'library/nginx',
    tag: 'latest',
    canonical: 'docker.io/library/nginx:latest',
    familiar: 'nginx:latest',
  },
  {
    input: 'index.docker.io/library/nginx:1',
    registry: 'docker.io',
    repository: 'library/nginx',
    tag: '1',
    canonical: 'docker.io/library/nginx:1',
    familiar: 'nginx:1',
  },
  {
    input: 'registry-1.docker.io/user/app:v2',
    registry: 'docker.io',
    repository: 'user/app',
    tag: 'v2',
    canonical: 'docker.io/user/app:v2',
    familiar: 'user/app:v2',
  },
  {
    input: 'INDEX.Docker.IO/nginx',
    registry: 'docker.io',
    repository: 'library/nginx',
    tag: 'latest',
    canonical: 'docker.io/library/nginx:latest',
    familiar: 'nginx:latest',
  },
  {
    input: 'docker.io/library/team/app',
    registry: 'docker.io',
    repository: 'library/team/app',
    tag: 'latest',
    canonical: 'docker.io/library/team/app:latest',
    familiar: 'library/team/app:latest',
  },
  {
    input: 'ghcr.io/team/app:1.0',
    registry: 'ghcr.io',
    repository: 'team/app',
    tag: '1.0',
    canonical: 'ghcr.io/team/app:1.0',
    familiar: 'ghcr.io/team/app:1.0',
  },
  {
    input: 'ghcr.io/app',
    registry: 'ghcr.io',
    repository: 'app',
    tag: 'latest',
    canonical: 'ghcr.io/app:latest',
    familiar: 'ghcr.io/app:latest',
  },
  {
    input: 'Registry.Example.COM/team/app',
    registry: 'registry.example.com',
    repository: 'team/app',
    tag: 'latest',
    canonical: 'registry.example.com/team/app:latest',
    familiar: 'registry.example.com/team/app:latest',
  },
  {
    input: 'localhost/app',
    registry: 'localhost',
    repository: 'app',
    tag: 'latest',
    canonical: 'localhost/app:latest',
    familiar: 'localhost/app:latest',
  },
  {
    input: 'localhost:5000/a/b/c:dev',
    registry: 'localhost:5000',
    repository: 'a/b/c',
    tag: 'dev',
    canonical: 'localhost:5000/a/b/c:dev',
    familiar: 'localhost:5000/a/b/c:dev',
  },
  {
    input: 'myhost:5000/app',
    registry: 'myhost:5000',
    repository: 'app',
    tag: 'latest',
    canonical: 'myhost:5000/app:latest',
    familiar: 'myhost:5000/app:latest',
  },
  {
    input: '127.0.0.1:5000/app:1',
    registry: '127.0.0.1:5000',
    repository: 'app',
    tag: '1',
    canonical: '127.0.0.1:5000/app:1',
    familiar: '127.0.0.1:5000/app:1',
  },
  {
    input: '[::1]:5000/repo',
    registry: '[::1]:5000',
    repository: 'repo',
    tag: 'latest',
    canonical: '[::1]:5000/repo:latest',
    familiar: '[::1]:5000/repo:latest',
  },
  {
    input: '[2001:DB8::1]/repo:t',
    registry: '[2001:db8::1]',
    repository: 'repo',
    tag: 't',
    canonical: '[2001:db8::1]/repo:t',
    familiar: '[2001:db8::1]/repo:t',
  },
  {
    input: `nginx@${D256}`,
    registry: 'docker.io',
    repository: 'library/nginx',
    digest: D256,
    canonical: `docker.io/library/nginx@${D256}`,
    familiar: `nginx@${D256}`,
  },
  {
    input: `ghcr.io/team/app:1.0@${D512}`,
    registry: 'ghcr.io',
    repository: 'team/app',
    tag: '1.0',
    digest: D512,
    canonical: `ghcr.io/team/app:1.0@${D512}`,
    familiar: `ghcr.io/team/app:1.0@${D512}`,
  },
  {
    input: `localhost:5000/app@${D256}`,
    registry: 'localhost:5000',
    repository: 'app',
    digest: D256,
    canonical: `localhost:5000/app@${D256}`,
    familiar: `localhost:5000/app@${D256}`,
  },
  {
    input: 'team/a.b_c__d-e---f/g0:_Tag.With-MIXED_case',
    registry: 'docker.io',
    repository: 'team/a.b_c__d-e---f/g0',
    tag: '_Tag.With-MIXED_case',
    canonical: 'docker.io/team/a.b_c__d-e---f/g0:_Tag.With-MIXED_case',
    familiar: 'team/a.b_c__d-e---f/g0:_Tag.With-MIXED_case',
  },
  {
    input: `app:${'t'.repeat(128)}`,
    registry: 'docker.io',
    repository: 'library/app',
    tag: 't'.repeat(128),
    canonical: `docker.io/library/app:${'t'.repeat(128)}`,
    familiar: `app:${'t'.repeat(128)}`,
  },
  {
    // Like Docker: a lone "localhost:5000" is the image "localhost" with tag "5000".
    input: 'localhost:5000',
    registry: 'docker.io',
    repository: 'library/localhost',
    tag: '5000',
    canonical: 'docker.io/library/localhost:5000',
    familiar: 'localhost:5000',
  },
  {
    // Like Docker: a single name is always a Docker Hub repository, even when it looks like a host.
    input: 'example.com',
    registry: 'docker.io',
    repository: 'library/example.com',
    tag: 'latest',
    canonical: 'docker.io/library/example.com:latest',
    familiar: 'example.com:latest',
  },
  {
    input: `${'a'.repeat(64)}:v1`,
    registry: 'docker.io',
    repository: `library/${'a'.repeat(64)}`,
    tag: 'v1',
    canonical: `docker.io/library/${'a'.repeat(64)}:v1`,
    familiar: `${'a'.repeat(64)}:v1`,
  },
  {
    input: `r.io/${'x'.repeat(250)}`,
    registry: 'r.io',
    repository: 'x'.repeat(250),
    tag: 'latest',
    canonical: `r.io/${'x'.repeat(250)}:latest`,
    familiar: `r.io/${'x'.repeat(250)}:latest`,
  },
];

describe('parseReference: registry references', () => {
  for (const c of validCases) {
    it(`parses ${c.input.slice(0, 60)}`, () => {
      const ref = parseReference(c.input);
      assert.deepEqual(ref, {
        kind: 'registry',
        registry: c.registry,
        repository: c.repository,
        tag: c.tag,
        digest: c.digest,
      });
      assert.equal(formatReference(ref), c.canonical);
      assert.equal(familiarReference(ref), c.familiar);
      // The canonical form parses back to the same reference.
      assert.deepEqual(parseReference(c.canonical), ref);
    });
  }
});

interface LayoutCase {
  input: string;
  path: string;
  tag?: string;
  digest?: string;
  canonical: string;
}

const layoutCases: LayoutCase[] = [
  { input: 'oci:./dir', path: './dir', tag: 'latest', canonical: 'oci:./dir:latest' },
  { input: 'oci:dir:v1', path: 'dir', tag: 'v1', canonical: 'oci:dir:v1' },
  { input: 'oci:/abs/path/x:1.0', path: '/abs/path/x', tag: '1.0', canonical: 'oci:/abs/path/x:1.0' },
  { input: `oci:dir@${D256}`, path: 'dir', digest: D256, canonical: `oci:dir@${D256}` },
  { input: `oci:dir:t@${D512}`, path: 'dir', tag: 't', digest: D512, canonical: `oci:dir:t@${D512}` },
  { input: 'oci:a:b:v1', path: 'a:b', tag: 'v1', canonical: 'oci:a:b:v1' },
  { input: 'oci:./a b/c', path: './a b/c', tag: 'latest', canonical: 'oci:./a b/c:latest' },
  { input: 'oci:./@scope/dir', path: './@scope/dir', tag: 'latest', canonical: 'oci:./@scope/dir:latest' },
  { input: 'oci:dir@home', path: 'dir@home', tag: 'latest', canonical: 'oci:dir@home:latest' },
  { input: 'oci:me@host:v1', path: 'me@host', tag: 'v1', canonical: 'oci:me@host:v1' },
  { input: 'oci-layout://build/out:2', path: 'build/out', tag: '2', canonical: 'oci:build/out:2' },
  { input: 'oci-layout:///abs', path: '/abs', tag: 'latest', canonical: 'oci:/abs:latest' },
  { input: 'oci:Dir/UPPER:Tag', path: 'Dir/UPPER', tag: 'Tag', canonical: 'oci:Dir/UPPER:Tag' },
];

describe('parseReference: OCI layout references', () => {
  for (const c of layoutCases) {
    it(`parses ${c.input.slice(0, 60)}`, () => {
      const ref = parseReference(c.input);
      assert.deepEqual(ref, { kind: 'oci-layout', path: c.path, tag: c.tag, digest: c.digest });
      assert.equal(formatReference(ref), c.canonical);
      assert.equal(familiarReference(ref), c.canonical);
      assert.deepEqual(parseReference(c.canonical), ref);
    });
  }
});

describe('parseReference: defaultTag option', () => {
  const cases: { input: string; defaultTag: string; tag: string | undefined }[] = [
    { input: 'nginx', defaultTag: 'stable', tag: 'stable' },
    { input: 'nginx', defaultTag: '', tag: undefined },
    { input: 'nginx:1', defaultTag: 'stable', tag: '1' },
    { input: `nginx@${D256}`, defaultTag: 'stable', tag: undefined },
    { input: 'oci:dir', defaultTag: 'main', tag: 'main' },
    { input: 'oci:dir', defaultTag: '', tag: undefined },
  ];
  for (const c of cases) {
    it(`${c.input} with defaultTag "${c.defaultTag}" has tag ${c.tag}`, () => {
      assert.equal(parseReference(c.input, { defaultTag: c.defaultTag }).tag, c.tag);
    });
  }
  it('rejects an invalid default tag', () => {
    assert.throws(() => parseReference('nginx', { defaultTag: '-bad' }), {
      code: 'REFERENCE_INVALID',
      message: 'invalid reference "nginx": default tag "-bad" is not a valid tag',
    });
  });
});

interface InvalidCase {
  input: string;
  message: string;
  hint?: RegExp;
}

const longTag = 't'.repeat(129);
const invalidCases: InvalidCase[] = [
  { input: '', message: 'invalid reference "": it is empty' },
  {
    input: 'Foo/bar',
    message: 'invalid reference "Foo/bar": repository must be lower-case',
    hint: /did you mean "foo\/bar"\?/,
  },
  {
    input: 'Nginx:Latest',
    message: 'invalid reference "Nginx:Latest": repository must be lower-case',
    hint: /did you mean "nginx:Latest"\?/,
  },
  {
    input: 'ghcr.io/Team/app',
    message: 'invalid reference "ghcr.io/Team/app": repository must be lower-case',
    hint: /did you mean "ghcr.io\/team\/app"/,
  },
  { input: 'nginx:', message: 'invalid reference "nginx:": the tag after ":" is empty' },
  { input: 'nginx:-x', message: 'invalid reference "nginx:-x": tag "-x" is invalid', hint: /1 to 128/ },
  { input: 'nginx:.x', message: 'invalid reference "nginx:.x": tag ".x" is invalid' },
  { input: 'nginx:a+b', message: 'invalid reference "nginx:a+b": tag "a+b" is invalid' },
  {
    input: `nginx:${longTag}`,
    message: `invalid reference "nginx:${longTag}": the tag is 129 characters long, at most 128`,
  },
  { input: 'nginx@', message: 'invalid reference "nginx@": the digest after "@" is empty' },
  {
    input: 'nginx@sha256:abc',
    message: 'invalid reference "nginx@sha256:abc": digest "sha256:abc" is invalid',
    hint: /sha256:<64 lower-case hex digits>/,
  },
  {
    input: `nginx@sha256:${'A'.repeat(64)}`,
    message: `invalid reference "nginx@sha256:${'A'.repeat(64)}": digest "sha256:${'A'.repeat(64)}" is invalid`,
  },
  {
    input: `nginx@sha384:${'a'.repeat(96)}`,
    message: `invalid reference "nginx@sha384:${'a'.repeat(96)}": digest algorithm "sha384" is not supported (only sha256 and sha512)`,
  },
  {
    input: `nginx@latest`,
    message: 'invalid reference "nginx@latest": digest "latest" is invalid',
  },
  {
    input: `a@b@${D256}`,
    message: `invalid reference "a@b@${D256}": digest "b@${D256}" is invalid`,
  },
  { input: ':tag', message: 'invalid reference ":tag": the repository is missing' },
  { input: `@${D256}`, message: `invalid reference "@${D256}": the repository is missing` },
  { input: 'ghcr.io/', message: 'invalid reference "ghcr.io/": the repository is missing' },
  {
    input: 'a//b',
    message: 'invalid reference "a//b": repository "a//b" has an empty path component',
  },
  {
    input: 'team/app/',
    message: 'invalid reference "team/app/": repository "team/app/" has an empty path component',
  },
  {
    input: 'a..b',
    message: 'invalid reference "a..b": repository path component "a..b" is invalid',
    hint: /separated by one "\."/,
  },
  { input: 'a___b', message: 'invalid reference "a___b": repository path component "a___b" is invalid' },
  { input: '-app', message: 'invalid reference "-app": repository path component "-app" is invalid' },
  { input: 'app-', message: 'invalid reference "app-": repository path component "app-" is invalid' },
  {
    input: 'team/_app',
    message: 'invalid reference "team/_app": repository path component "_app" is invalid',
  },
  { input: 'te$m/app', message: 'invalid reference "te$m/app": repository path component "te$m" is invalid' },
  {
    input: 'nginx latest',
    message: 'invalid reference "nginx latest": it contains white space',
  },
  {
    input: 'https://ghcr.io/team/app',
    message: 'invalid reference "https://ghcr.io/team/app": a reference has no URL scheme',
    hint: /Drop "https:\/\/": ghcr\.io\/team\/app/,
  },
  {
    input: 'exa_mple.com/app',
    message: 'invalid reference "exa_mple.com/app": registry "exa_mple.com" is not a valid host[:port]',
  },
  {
    input: '-bad.io/app',
    message: 'invalid reference "-bad.io/app": registry "-bad.io" is not a valid host[:port]',
  },
  {
    input: 'host:port/app',
    message: 'invalid reference "host:port/app": registry "host:port" is not a valid host[:port]',
  },
  {
    input: 'ghcr.io:99999/app',
    message: 'invalid reference "ghcr.io:99999/app": registry port "99999" is not between 1 and 65535',
  },
  {
    input: '[:::::]/app',
    message: 'invalid reference "[:::::]/app": registry "[:::::]" is not a valid host[:port]',
  },
  {
    input: '[::ffff:1.2.3.4]/app',
    message:
      'invalid reference "[::ffff:1.2.3.4]/app": registry "[::ffff:1.2.3.4]" is not a valid host[:port]',
  },
  {
    input: '::1/app',
    message: 'invalid reference "::1/app": registry "::1" is not a valid host[:port]',
  },
  {
    input: 'a'.repeat(64),
    message: `invalid reference "${'a'.repeat(64)}": a 64-character hex string is an image ID, not a repository`,
    hint: /REPOSITORY@sha256/,
  },
  {
    input: `r.io/${'x'.repeat(251)}`,
    message: `invalid reference "r.io/${'x'.repeat(251)}": the name "r.io/${'x'.repeat(251)}" is 256 characters long, at most 255 are allowed`,
  },
  {
    input: 'x'.repeat(240),
    message: `invalid reference "${'x'.repeat(240)}": the name "docker.io/library/${'x'.repeat(240)}" is 258 characters long, at most 255 are allowed`,
  },
  { input: 'oci:', message: 'invalid reference "oci:": the layout path is missing', hint: /oci:PATH/ },
  { input: 'oci::v1', message: 'invalid reference "oci::v1": the layout path is missing' },
  { input: `oci:@${D256}`, message: `invalid reference "oci:@${D256}": the layout path is missing` },
  { input: 'oci:dir:', message: 'invalid reference "oci:dir:": the tag after ":" is empty' },
  { input: 'oci:dir:bad!', message: 'invalid reference "oci:dir:bad!": tag "bad!" is invalid' },
  {
    input: 'oci:a:b/c',
    message:
      'invalid reference "oci:a:b/c": the layout path contains ":" but the reference does not end with a tag',
    hint: /"oci:a:b\/c:latest"/,
  },
  {
    input: `oci:dir@sha384:${'0'.repeat(96)}`,
    message: `invalid reference "oci:dir@sha384:${'0'.repeat(96)}": digest algorithm "sha384" is not supported (only sha256 and sha512)`,
  },
  {
    input: `oci:dir@sha256:${'0'.repeat(63)}`,
    message: `invalid reference "oci:dir@sha256:${'0'.repeat(63)}": digest "sha256:${'0'.repeat(63)}" is invalid`,
  },
];

describe('parseReference: invalid input', () => {
  for (const c of invalidCases) {
    it(`rejects ${JSON.stringify(c.input.slice(0, 60))}`, () => {
      assert.throws(
        () => parseReference(c.input),
        (error: unknown) => {
          assert.ok(isManifestoError(error));
          assert.equal(error.code, 'REFERENCE_INVALID');
          assert.equal(error.category, 'usage');
          assert.equal(error.message, c.message);
          assert.ok(error.hint, 'has a hint');
          if (c.hint) assert.match(error.hint, c.hint);
          return true;
        },
      );
    });
  }
});

describe('referenceTarget', () => {
  const cases: [string, string | undefined][] = [
    ['nginx', 'latest'],
    ['nginx:1', '1'],
    [`nginx@${D256}`, D256],
    [`nginx:1@${D256}`, D256],
    [`oci:dir:t@${D512}`, D512],
  ];
  for (const [input, target] of cases) {
    it(`${input.slice(0, 40)} resolves ${target?.slice(0, 20)}`, () => {
      assert.equal(referenceTarget(parseReference(input)), target);
    });
  }
  it('is undefined without tag or digest', () => {
    assert.equal(referenceTarget(parseReference('nginx', { defaultTag: '' })), undefined);
  });
});

describe('withDigest', () => {
  it('pins a tagged registry reference and keeps the tag', () => {
    const ref = withDigest(parseReference('ghcr.io/team/app:1.0'), D256);
    assert.deepEqual(ref, {
      kind: 'registry',
      registry: 'ghcr.io',
      repository: 'team/app',
      tag: '1.0',
      digest: D256,
    });
    assert.equal(formatReference(ref), `ghcr.io/team/app:1.0@${D256}`);
  });
  it('replaces an existing digest', () => {
    const ref = withDigest(parseReference(`nginx@${D256}`), D512);
    assert.equal(formatReference(ref), `docker.io/library/nginx@${D512}`);
  });
  it('pins a layout reference', () => {
    const ref: ImageReference = withDigest(parseReference('oci:dir:v1'), D256);
    assert.equal(formatReference(ref), `oci:dir:v1@${D256}`);
  });
  it('does not modify the original', () => {
    const original = parseReference('nginx');
    withDigest(original, D256);
    assert.equal(original.digest, undefined);
  });
  it('rejects an invalid digest', () => {
    assert.throws(() => withDigest(parseReference('nginx'), 'sha256:xyz'), {
      code: 'DIGEST_INVALID',
      message: 'invalid digest "sha256:xyz"',
    });
  });
});

describe('isLoopbackRegistry', () => {
  const cases: [string, boolean][] = [
    ['localhost', true],
    ['localhost:5000', true],
    ['LOCALHOST:5000', true],
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.255.10.2:443', true],
    ['[::1]', true],
    ['[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]:5000', true],
    ['127.0.0.256', false],
    ['127.0.0', false],
    ['127.1', false],
    ['128.0.0.1', false],
    ['10.0.0.1:5000', false],
    ['[::2]:5000', false],
    ['[::ffff:127.0.0.1]', false],
    ['::1', false],
    ['localhost.example.com', false],
    ['mylocalhost', false],
    ['docker.io', false],
    ['', false],
  ];
  for (const [host, expected] of cases) {
    it(`${JSON.stringify(host)} is ${expected ? '' : 'not '}loopback`, () => {
      assert.equal(isLoopbackRegistry(host), expected);
    });
  }
});

describe('registryBaseHost', () => {
  const cases: [string, string][] = [
    ['docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ];
  for (const [registry, host] of cases) {
    it(`${registry} -> ${host}`, () => assert.equal(registryBaseHost(registry), host));
  }
  it('sends parsed Docker Hub references to registry-1.docker.io', () => {
    const ref = parseReference('index.docker.io/user/app');
    assert.equal(ref.kind === 'registry' && registryBaseHost(ref.registry), 'registry-1.docker.io');
  });
});

describe('parseReference: credentials in a reference are refused and never echoed', () => {
  for (const input of [
    'alice:s3cret@registry.example.com/team/app:v1',
    'https://alice:s3cret@registry.example.com/team/app:v1',
    'alice:s3cret@127.0.0.1:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'alice@registry.example.com/app',
  ]) {
    it(input, () => {
      assert.throws(
        () => parseReference(input),
        (error: unknown) =>
          isManifestoError(error) &&
          error.code === 'REFERENCE_HAS_CREDENTIALS' &&
          error.category === 'usage' &&
          !JSON.stringify(error.toJSON()).includes('s3cret') &&
          !JSON.stringify(error.toJSON()).includes('alice') &&
          error.message.includes('registry.example.com') === input.includes('registry.example.com'),
      );
    });
  }
  it('a digest after "@" is not taken for credentials', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.equal(parseReference(`alpine@${digest}`).digest, digest);
  });
});
