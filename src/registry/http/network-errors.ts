/**
 * Failures below HTTP (refused connections, resets, DNS, timeouts, TLS): which are worth a retry, and
 * the ManifestoError each becomes.
 */
import { ManifestoError } from '../../errors/errors.ts';
import { BODY_TIMEOUT, CONNECT_TIMEOUT, RESPONSE_TIMEOUT } from './node-send.ts';
import { isPlainHttpServerError, isTlsErrorCode } from './tls.ts';

export interface NetworkFailure {
  /** The system or undici error code found in the cause chain (`ECONNREFUSED`, `UND_ERR_SOCKET`...). */
  code: string | undefined;
  message: string;
}

/** Walks `cause` chains and AggregateErrors (happy eyeballs) for the first error code. */
export function describeNetworkFailure(error: unknown): NetworkFailure {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (typeof current !== 'object') break;
    const record = current as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof record.message === 'string' && record.message !== '' && record.message !== 'fetch failed') {
      message = record.message;
    }
    if (typeof record.code === 'string') return { code: record.code, message };
    if (Array.isArray(record.errors) && record.errors.length > 0) {
      current = record.errors[0];
      continue;
    }
    current = record.cause;
  }
  return { code: undefined, message };
}

/** The request was never sent: repeating it is safe whatever the method. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  CONNECT_TIMEOUT,
]);

/** The connection broke or timed out mid-way: repeat only idempotent requests. */
const BROKEN_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  RESPONSE_TIMEOUT,
  BODY_TIMEOUT,
]);

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  CONNECT_TIMEOUT,
  RESPONSE_TIMEOUT,
  BODY_TIMEOUT,
]);

const TIMEOUT_HINT =
  'The registry is slow or unreachable; retry later, or allow it more time with --timeout SECONDS (MANIFESTO_TIMEOUT).';

/** The failure is one of the timeouts (connect, answer, body). */
export function isTimeoutFailure(error: unknown): boolean {
  const { code } = describeNetworkFailure(error);
  return code !== undefined && TIMEOUT_CODES.has(code);
}

export function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { name?: unknown }).name === 'TimeoutError')
  );
}

export function isRetryableNetworkError(error: unknown, idempotent: boolean): boolean {
  if (isAbortError(error)) return false;
  const { code, message } = describeNetworkFailure(error);
  if (code === undefined) return idempotent && /other side closed|socket hang up/i.test(message);
  if (isTlsErrorCode(code)) return false;
  if (NOT_SENT_CODES.has(code)) return true;
  return idempotent && BROKEN_CODES.has(code);
}

/** The ManifestoError for a failure to talk to `url` at all. */
export function networkError(error: unknown, url: URL, attempts = 1): ManifestoError {
  if (error instanceof ManifestoError) return error;
  const { code, message } = describeNetworkFailure(error);
  const host = url.host;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (isTlsErrorCode(code) || /certificate|ssl|tls/i.test(message)) {
    if (isPlainHttpServerError(code, message)) {
      return new ManifestoError(
        'TLS_ERROR',
        `TLS handshake with ${host} failed: the server speaks plain HTTP`,
        {
          category: 'unavailable',
          cause: error,
          hint: 'If the registry really serves plain HTTP, use --plain-http.',
        },
      );
    }
    return new ManifestoError('TLS_ERROR', `TLS connection to ${host} failed: ${message}`, {
      category: 'unavailable',
      cause: error,
      hint: 'Trust the registry certificate with --ca-file <pem>, or (unsafe) skip verification with --insecure.',
    });
  }
  if (message === 'bad port') {
    return new ManifestoError(
      'PORT_BLOCKED',
      `port ${url.port} of ${host} is blocked by the fetch standard`,
      {
        category: 'usage',
        cause: error,
        hint: 'Serve the registry on another port (e.g. 5000).',
      },
    );
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    const what =
      code === CONNECT_TIMEOUT || code === RESPONSE_TIMEOUT || code === BODY_TIMEOUT ? message : code;
    return new ManifestoError('REGISTRY_TIMEOUT', `request to ${host} timed out${tries}: ${what}`, {
      category: 'unavailable',
      cause: error,
      hint: TIMEOUT_HINT,
    });
  }
  if (code === 'ENOTFOUND') {
    return new ManifestoError('REGISTRY_UNREACHABLE', `cannot resolve registry host ${url.hostname}`, {
      category: 'unavailable',
      cause: error,
      hint: 'Check the registry name in the reference and your DNS/network.',
    });
  }
  return new ManifestoError(
    'REGISTRY_UNREACHABLE',
    `cannot reach registry ${host}${tries}: ${code === undefined || message.includes(code) ? message : `${code}: ${message}`}`,
    {
      category: 'unavailable',
      cause: error,
      hint:
        url.protocol === 'http:'
          ? 'Is the registry running and serving plain HTTP on that port?'
          : 'Is the registry running? For a plain HTTP registry use --plain-http.',
    },
  );
}

/** The ManifestoError for a reply body that broke off (after the tries a GET body gets). */
export function bodyNetworkError(error: unknown, url: string, attempts = 1): ManifestoError {
  if (error instanceof ManifestoError) return error;
  const parsed = new URL(url);
  if (isTimeoutFailure(error)) return networkError(error, parsed, attempts);
  const { code, message } = describeNetworkFailure(error);
  const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
  const detail = code === undefined || message.includes(code) ? message : `${code}: ${message}`;
  return new ManifestoError(
    'REGISTRY_CONNECTION_LOST',
    `the connection to ${parsed.host} broke while receiving ${parsed.pathname}${tries}: ${detail}`,
    {
      category: 'unavailable',
      cause: error,
      hint: 'The registry or a proxy in between closed the connection; retry later.',
    },
  );
}
