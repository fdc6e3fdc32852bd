// The built CLI (dist/manifesto.mjs and its script in dist/cli/), run as users run it: bundling must not
// break what the sources do (lazily loaded YAML, schemas, CEL, signing). CI builds before testing; a
// missing or stale build is made here.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { pushTestImage } from '../../support/images.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'dist', 'manifesto.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  // Executed directly: the #! line and its Node flags are part of what is tested.
  const result = spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MANIFESTO_CACHE: 'off', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bundled CLI', () => {
  let work = '';
  let image = '';
  before(async () => {
    if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource(join(root, 'src'))) {
      execFileSync(process.execPath, [join(root, 'scripts', 'build.ts')], { cwd: root, stdio: 'ignore' });
    }
    work = mkdtempSync(join(tmpdir(), 'manifesto-dist-'));
    const layout = await openLayout(join(work, 'layout'), { create: true });
    await pushTestImage(layout, { tag: 'v1', seed: 'dist' });
    image = `oci:${join(work, 'layout')}:v1`;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('on a Node older than engines: one line naming the Node it needs and how to get it', () => {
    // An older Node on this machine (the system's), found on PATH like `which -a node` does.
    const old = [...(process.env.PATH ?? '').split(':'), '/usr/bin']
      .map((dir) => join(dir, 'node'))
      .find((node) => {
        if (!existsSync(node)) return false;
        const major = Number(
          spawnSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout,
        );
        return major > 0 && major < 22;
      });
    assert.ok(old !== undefined, 'a Node older than 22 on PATH (the system Node 20 here)');
    const result = spawnSync(old, [bin, 'list', image], { cwd: work, encoding: 'utf8' });
    assert.equal(result.status, 12, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^manifesto: error: manifesto needs Node 22\.12 or newer \(this is Node v?20\.[\d.]+\)/,
    );
    assert.match(result.stderr, /scripts\/node24\.sh/);
    assert.doesNotMatch(result.stderr, /SyntaxError/);
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
  });

  it('answers --version and --help', () => {
    assert.match(run(['--version'], work).stdout, /^manifesto \d+\.\d+\.\d+/);
    assert.match(run(['--help'], work).stdout, /Usage: manifesto COMMAND/);
  });

  it('validates a well-known YAML kind, stores, lists, gets and shows it', () => {
    writeFileSync(join(work, 'contact.yaml'), 'team: payments\nemail: payments@example.com\n');
    const put = run(['put', image, 'contact', 'contact.yaml', '--json'], work);
    assert.equal(put.code, 0, put.stderr);
    assert.equal((JSON.parse(put.stdout) as { type: string }).type, 'contact');
    writeFileSync(join(work, 'bad.yaml'), 'email: nobody\n');
    const bad = run(['put', image, 'contact', 'bad.yaml'], work);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /contact/);
    assert.equal(
      run(['get', image, 'contact'], work).stdout,
      'team: payments\nemail: payments@example.com\n',
    );
    assert.match(run(['list', image], work).stdout, /contact\s+1/);
    const show = run(['show', image, 'contact'], work);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /payments/);
  });

  it('signs with a generated key and verifies under a YAML trust policy', () => {
    assert.equal(run(['key', 'generate', '--out', 'qa'], work).code, 0);
    writeFileSync(
      join(work, 'approval.json'),
      '{"gate":"qa","status":"approved","approver":"me","time":"2026-11-23T00:00:00Z"}',
    );
    const put = run(
      ['put', image, 'approvals', 'approval.json', '--sign', 'qa.key', '--cert', 'qa.crt'],
      work,
    );
    assert.equal(put.code, 0, put.stderr);
    writeFileSync(
      join(work, 'trust.yaml'),
      'authorities:\n  qa:\n    certificates: [qa.crt]\nrules:\n  - repositories: ["oci:*"]\n    types: [approvals]\n    authorities: [qa]\n    enforcement: enforce\n',
    );
    const get = run(['get', image, 'approvals', '--verify', '--trust-policy', 'trust.yaml'], work, {
      MANIFESTO_STATE_DIR: join(work, 'state'),
    });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /"approved"/);
  });

  it('runs a gate with a CEL condition', () => {
    writeFileSync(
      join(work, 'policy.yaml'),
      'version: 1\nrules:\n  - name: has-contact\n    require: [contact]\n  - name: team-set\n    cel: \'contact.team == "payments"\'\n',
    );
    const check = run(['check', image, '--policy', 'policy.yaml'], work);
    assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  });
});
