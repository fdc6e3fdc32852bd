/**
 * Reading content for a kind: UTF-8 text, then JSON (or YAML for the kinds people write by hand).
 * Signed attestations arrive wrapped in a DSSE envelope or a sigstore bundle; `unwrapEnvelope`
 * returns the in-toto statement inside.
 */
import { isRecord } from '../util/json-record.ts';
import { type KindContext, KindInvalidError } from './kind.ts';
import { yamlLibrary } from './lazy.ts';

export function decodeText(content: Uint8Array, context: KindContext): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
    if (text.includes('\u0000')) throw new Error('NUL byte');
    return text;
  } catch {
    throw new KindInvalidError(context, '', 'is not UTF-8 text');
  }
}

function isYamlMediaType(mediaType: string): boolean {
  return /yaml/i.test(mediaType);
}

/** Parses JSON content (any media type: detection is by content). */
export function parseJson(content: Uint8Array, context: KindContext): unknown {
  const text = decodeText(content, context);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KindInvalidError(context, '', `is not valid JSON: ${reason}`);
  }
}

/**
 * Parses JSON or YAML: YAML when the media type says so or when the text does not start like JSON.
 * YAML is read with the YAML 1.2 core schema, so dates stay strings and duplicate keys are errors.
 */
export function parseJsonOrYaml(content: Uint8Array, mediaType: string, context: KindContext): unknown {
  const text = decodeText(content, context);
  const trimmed = text.trimStart();
  if (!isYamlMediaType(mediaType) && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML flow style is a superset of JSON: let the YAML parser explain the problem.
    }
  }
  const yaml = yamlLibrary();
  try {
    const document = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const [first] = document.errors;
    if (first !== undefined) throw first;
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new KindInvalidError(context, '', `is not valid JSON or YAML: ${reason}`);
  }
}

export interface Unwrapped {
  document: unknown;
  /** Set when the document came out of an envelope: e.g. 'in the DSSE payload'. */
  note?: string | undefined;
}

/**
 * A DSSE envelope (`{payloadType, payload, signatures}`) or a sigstore bundle holding one
 * (`{mediaType, dsseEnvelope}`) is replaced by its decoded payload; anything else is returned as is.
 * The signatures are not verified here: that is the signing module's job.
 */
export function unwrapEnvelope(document: unknown, context: KindContext): Unwrapped {
  if (!isRecord(document)) return { document };
  const envelope =
    typeof document.mediaType === 'string' &&
    document.mediaType.startsWith('application/vnd.dev.sigstore.bundle') &&
    isRecord(document.dsseEnvelope)
      ? document.dsseEnvelope
      : document;
  if (typeof envelope.payloadType !== 'string' || typeof envelope.payload !== 'string') return { document };
  const where = envelope === document ? '/payload' : '/dsseEnvelope/payload';
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(envelope.payload)) {
    throw new KindInvalidError(context, where, 'must be base64');
  }
  const text = Buffer.from(envelope.payload, 'base64').toString('utf8');
  try {
    return { document: JSON.parse(text), note: 'in the DSSE payload' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KindInvalidError(context, where, `must hold a JSON document once decoded: ${reason}`);
  }
}
