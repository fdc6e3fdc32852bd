import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bearerChallenge,
  type Challenge,
  hasBasicChallenge,
  parseChallenges,
} from '../../../../src/registry/http/auth/challenge.ts';
import { mergeScopes, repositoryScope, scopesCover } from '../../../../src/registry/http/auth/scope.ts';

const table: [string, Challenge[]][] = [
  ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
  [
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/nginx:pull',
        },
      },
    ],
  ],
  // case-insensitive scheme and names, spaces around '=', unquoted token values
  [
    'BEARER Realm = "https://r/t" , Service=svc',
    [{ scheme: 'bearer', params: { realm: 'https://r/t', service: 'svc' } }],
  ],
  // commas and escaped quotes inside quoted strings
  [
    'Bearer realm="https://r/t",scope="repository:a:pull,push repository:b:pull",error="x \\"quoted\\" \\\\ y"',
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://r/t',
          scope: 'repository:a:pull,push repository:b:pull',
          error: 'x "quoted" \\ y',
        },
      },
    ],
  ],
  // several challenges in one header
  [
    'Basic realm="a", Bearer realm="https://r/t",service="s", Negotiate',
    [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'https://r/t', service: 's' } },
      { scheme: 'negotiate', params: {} },
    ],
  ],
  // token68
  [
    'Negotiate YIIB9gYJKoZIhvcSAQICAQBuggHl==, Basic realm="x"',
    [
      { scheme: 'negotiate', params: {}, token68: 'YIIB9gYJKoZIhvcSAQICAQBuggHl==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ],
  ],
  // empty list elements and an empty quoted value
  [', ,Bearer realm="",, service="s"', [{ scheme: 'bearer', params: { realm: '', service: 's' } }]],
  // unterminated quote: the rest is the value
  ['Bearer realm="https://r/t', [{ scheme: 'bearer', params: { realm: 'https://r/t' } }]],
  ['', []],
];

describe('WWW-Authenticate parsing', () => {
  for (const [header, expected] of table) {
    it(`parses ${JSON.stringify(header)}`, () => {
      assert.deepEqual(parseChallenges(header), expected);
    });
  }

  it('extracts the Bearer challenge (realm, service, scopes, error)', () => {
    const challenges = parseChallenges(
      'Basic realm="x", Bearer realm="https://r/t",service="svc",scope="repository:a:pull repository:b:push",error="insufficient_scope"',
    );
    assert.deepEqual(bearerChallenge(challenges), {
      realm: 'https://r/t',
      service: 'svc',
      scopes: ['repository:a:pull', 'repository:b:push'],
      error: 'insufficient_scope',
    });
    assert.equal(hasBasicChallenge(challenges), true);
    assert.equal(bearerChallenge(parseChallenges('Bearer service="no realm"')), undefined);
    assert.equal(hasBasicChallenge(parseChallenges('Bearer realm="r"')), false);
  });

  it('adds up repeated scope parameters', () => {
    const bearer = bearerChallenge(
      parseChallenges('Bearer realm="r",scope="repository:a:pull",scope="repository:b:pull"'),
    );
    assert.deepEqual(bearer?.scopes, ['repository:a:pull', 'repository:b:pull']);
  });
});

describe('scopes', () => {
  it('builds repository scopes with sorted actions', () => {
    assert.equal(repositoryScope('team/app', ['push', 'pull']), 'repository:team/app:pull,push');
    assert.equal(repositoryScope('team/app', ['delete']), 'repository:team/app:delete');
  });

  it('merges scopes per resource, unioning actions, sorted', () => {
    assert.deepEqual(
      mergeScopes(
        ['repository:b:push', 'repository:a:pull'],
        ['repository:b:pull', 'registry:catalog:*', 'repository(plugin):p:pull', 'repository:a:pull'],
      ),
      ['registry:catalog:*', 'repository(plugin):p:pull', 'repository:a:pull', 'repository:b:pull,push'],
    );
    assert.deepEqual(mergeScopes([], []), []);
  });

  it('checks that granted scopes cover needed ones', () => {
    assert.equal(scopesCover(['repository:a:pull,push'], ['repository:a:pull']), true);
    assert.equal(scopesCover(['repository:a:pull'], ['repository:a:pull,push']), false);
    assert.equal(scopesCover(['repository:a:pull'], ['repository:b:pull']), false);
    assert.equal(scopesCover(['repository:a:*'], ['repository:a:delete']), true);
    assert.equal(
      scopesCover(['repository:a:pull', 'repository:b:pull'], ['repository:a:pull', 'repository:b:pull']),
      true,
    );
    assert.equal(scopesCover([], []), true);
  });
});
