import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KINDS, kindFor, wellKnownTypeNames } from '../../../src/kinds/index.ts';
import { fixture } from './support.ts';

describe('kinds registry', () => {
  it('finds each well-known kind by name and alias; free-form types have none', () => {
    assert.deepEqual(
      KINDS.map((kind) => kind.name),
      [
        'vuln',
        'vex',
        'sbom',
        'provenance',
        'approval',
        'seccomp',
        'apparmor',
        'contact',
        'deployment',
        'lifecycle',
      ],
    );
    for (const kind of KINDS) assert.equal(kindFor(kind.name), kind);
    assert.equal(kindFor('approvals'), kindFor('approval'));
    assert.equal(kindFor('deployments'), kindFor('deployment'));
    assert.equal(kindFor('qa-notes'), undefined);
    assert.equal(kindFor('VULN'), undefined);
    assert.ok(wellKnownTypeNames().includes('approvals'));
    for (const kind of KINDS) {
      assert.ok(kind.description.length > 0);
      assert.ok(kind.formats.length > 0);
    }
  });

  it('normalises and summarises through the type-erased definitions', () => {
    const kind = kindFor('seccomp')!;
    const lines = kind.summarise(kind.normalise(fixture('seccomp.json'), 'application/json'));
    assert.match(lines[0]!, /^default SCMP_ACT_ERRNO/);
  });

  it('loads neither valibot nor yaml until content is validated', () => {
    const index = join(import.meta.dirname, '../../../src/kinds/index.ts');
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(import.meta.url).cache)
        .filter((path) => /node_modules[\\\\/](valibot|yaml)[\\\\/]/.test(path))
        .map((path) => path.includes('valibot') ? 'valibot' : 'yaml');
      const { kindFor } = await import(${JSON.stringify(index)});
      const before = [...new Set(loaded())];
      kindFor('lifecycle').validate(new TextEncoder().encode('status: active\\n'), 'application/yaml');
      console.log(JSON.stringify({ before, after: [...new Set(loaded())].sort() }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(output), { before: [], after: ['valibot', 'yaml'] });
  });
});

describe('type name suggestions', () => {
  it('suggests the well-known name a typo is close to, and nothing for well-known or distant names', async () => {
    const { suggestTypeName } = await import('../../../src/kinds/type-suggestion.ts');
    const cases: Array<[string, string | undefined]> = [
      ['secomp', 'seccomp'],
      ['vulns', 'vuln'],
      ['sbon', 'sbom'],
      ['provenence', 'provenance'],
      ['deploymnet', 'deployment'],
      ['aparmor', 'apparmor'],
      ['seccomp', undefined],
      ['approvals', undefined],
      ['dev', undefined],
      ['qa-notes', undefined],
      ['vuln.raw', undefined],
    ];
    assert.deepEqual(
      cases.map(([name]) => [name, suggestTypeName(name)]),
      cases,
    );
  });
});
