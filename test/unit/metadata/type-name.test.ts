import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestoError } from '../../../src/errors/errors.ts';
import {
  artifactTypeFor,
  describeArtifactType,
  isValidTypeName,
  validateTypeName,
} from '../../../src/metadata/type-name.ts';

describe('type names', () => {
  it('accepts documented names', () => {
    for (const name of ['seccomp', 'vuln', 'qa-approval', 'contact.v2', 'a', 'x_y', `a${'b'.repeat(63)}`]) {
      assert.equal(isValidTypeName(name), true, name);
    }
  });

  it('rejects others with a usage error naming the input', () => {
    for (const name of [
      '',
      'Seccomp',
      '1abc',
      '-x',
      'a--b',
      'a.',
      'a b',
      'a/b',
      `a${'b'.repeat(64)}`,
      'ünï',
    ]) {
      assert.equal(isValidTypeName(name), false, name);
      assert.throws(
        () => validateTypeName(name),
        (e: unknown) =>
          e instanceof ManifestoError &&
          e.code === 'TYPE_NAME_INVALID' &&
          e.category === 'usage' &&
          e.message.includes(`"${name}"`),
      );
    }
  });
});

describe('artifact types', () => {
  it('uses standard media types for well-known content, ours otherwise', () => {
    assert.equal(artifactTypeFor('sbom', 'application/spdx+json'), 'application/spdx+json');
    assert.equal(artifactTypeFor('sbom', 'application/json'), 'application/vnd.manifesto.sbom.v1');
    assert.equal(artifactTypeFor('seccomp', 'application/json'), 'application/vnd.manifesto.seccomp.v1');
  });

  it('gives friendly names to other tools artifacts', () => {
    assert.deepEqual(describeArtifactType('application/spdx+json'), { type: 'sbom', label: 'SPDX SBOM' });
    assert.equal(
      describeArtifactType('application/vnd.dev.sigstore.bundle.v0.3+json').type,
      'sigstore-bundle',
    );
    assert.equal(describeArtifactType('application/vnd.cncf.notary.signature').type, 'notation-signature');
    assert.equal(describeArtifactType('application/vnd.manifesto.seccomp.v1').type, 'seccomp');
    assert.equal(describeArtifactType('application/x-custom').type, 'application/x-custom');
    assert.equal(describeArtifactType(undefined).type, 'artifact');
  });
});
