/**
 * The media type of metadata content when the user gives none (`--media-type`): JSON (and the
 * well-known JSON formats: SPDX, CycloneDX, in-toto statements, SARIF, OpenVEX), YAML, plain text,
 * otherwise application/octet-stream. Small content is parsed whole; larger content is judged by
 * its file name and its first bytes, so detection never reads a large file twice into memory.
 */
import { extname } from 'node:path';

export const MEDIA_TYPE_JSON = 'application/json';
export const MEDIA_TYPE_YAML = 'application/yaml';
export const MEDIA_TYPE_TEXT = 'text/plain; charset=utf-8';
export const MEDIA_TYPE_BINARY = 'application/octet-stream';

/** Content up to this size is parsed completely to tell JSON from text. */
export const FULL_PARSE_LIMIT = 16 * 1024 * 1024;

export interface DetectInput {
  /** The whole content when size <= FULL_PARSE_LIMIT, else its first bytes. */
  head: Uint8Array;
  size: number;
  fileName?: string | undefined;
}

function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    // A multi-byte character cut at the end of a head sample is not binary.
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.max(0, bytes.length - 3)));
      return false;
    } catch {
      return true;
    }
  }
}

/** Well-known JSON document formats, recognised by their top-level fields. */
export function jsonFormatMediaType(document: unknown): string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return MEDIA_TYPE_JSON;
  const d = document as Record<string, unknown>;
  if (typeof d.spdxVersion === 'string') return 'application/spdx+json';
  // SPDX 3.0 JSON-LD has the same media type (SPDX 3.0, "Serialization").
  if (typeof d['@context'] === 'string' && d['@context'].startsWith('https://spdx.org/rdf/3.')) {
    return 'application/spdx+json';
  }
  if (d.bomFormat === 'CycloneDX') return 'application/vnd.cyclonedx+json';
  if (typeof d._type === 'string' && d._type.startsWith('https://in-toto.io/Statement/')) {
    return 'application/vnd.in-toto+json';
  }
  if (typeof d.$schema === 'string' && /sarif/i.test(d.$schema) && Array.isArray(d.runs)) {
    return 'application/sarif+json';
  }
  if (typeof d['@context'] === 'string' && d['@context'].startsWith('https://openvex.dev/ns')) {
    return 'application/vnd.openvex+json';
  }
  return MEDIA_TYPE_JSON;
}

export function detectMediaType(input: DetectInput): string {
  const extension = input.fileName === undefined ? '' : extname(input.fileName).toLowerCase();
  const whole = input.size <= FULL_PARSE_LIMIT && input.head.byteLength === input.size;
  if (looksBinary(input.head)) return MEDIA_TYPE_BINARY;
  const text = new TextDecoder().decode(input.head);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (whole) {
      try {
        return jsonFormatMediaType(JSON.parse(text));
      } catch {
        // not JSON after all: YAML flow style or plain text
      }
    } else if (extension === '.json' || extension === '') {
      return MEDIA_TYPE_JSON;
    }
  }
  if (extension === '.json' && !whole) return MEDIA_TYPE_JSON;
  if (extension === '.yaml' || extension === '.yml') return MEDIA_TYPE_YAML;
  if (whole && /^(---\s*\n|[A-Za-z_][\w.-]*:\s)/.test(trimmed)) return MEDIA_TYPE_YAML;
  return MEDIA_TYPE_TEXT;
}
