import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectMediaType } from '../../../src/metadata/detect-media-type.ts';

function detect(text: string | Uint8Array, fileName?: string, size?: number): string {
  const head = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  return detectMediaType({ head, size: size ?? head.byteLength, fileName });
}

describe('media type detection', () => {
  it('detects JSON and well-known JSON formats', () => {
    assert.equal(detect('{"defaultAction":"SCMP_ACT_ERRNO"}'), 'application/json');
    assert.equal(detect('[1,2]'), 'application/json');
    assert.equal(detect('{"spdxVersion":"SPDX-2.3"}'), 'application/spdx+json');
    assert.equal(
      detect('{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}'),
      'application/spdx+json',
    );
    assert.equal(detect('{"bomFormat":"CycloneDX","specVersion":"1.6"}'), 'application/vnd.cyclonedx+json');
    assert.equal(
      detect('{"_type":"https://in-toto.io/Statement/v1","subject":[]}'),
      'application/vnd.in-toto+json',
    );
    assert.equal(
      detect('{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[]}'),
      'application/sarif+json',
    );
    assert.equal(detect('{"@context":"https://openvex.dev/ns/v0.2.0"}'), 'application/vnd.openvex+json');
  });

  it('detects YAML by name or shape, text, and binary', () => {
    assert.equal(detect('team: payments\nemail: p@example.com\n'), 'application/yaml');
    assert.equal(detect('just words', 'contact.yaml'), 'application/yaml');
    assert.equal(detect('---\n- a\n'), 'application/yaml');
    assert.equal(detect('hello world\n'), 'text/plain; charset=utf-8');
    assert.equal(detect('{not json'), 'text/plain; charset=utf-8');
    assert.equal(detect(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])), 'application/octet-stream');
  });

  it('judges large content by its head and name without parsing it whole', () => {
    const huge = 500 * 1024 * 1024;
    assert.equal(detect('{"a":', 'scan.json', huge), 'application/json');
    assert.equal(detect('{"a":', undefined, huge), 'application/json');
    assert.equal(detect('abc', 'x.bin', huge), 'text/plain; charset=utf-8');
  });
});
