/**
 * Redirect handling. Requests are sent with `redirect: 'manual'` and redirects are followed here so
 * that credentials never leave the registry's origin: Authorization and Cookie headers are only
 * sent to the origin (scheme, host and port) they were meant for.
 */
import { ManifestoError } from '../../errors/errors.ts';
import type { RegistryResponse } from './response.ts';

export const MAX_REDIRECTS = 5;

/** Headers that carry credentials and must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'cookie', 'proxy-authorization'];

export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The absolute URL a redirect response points to (relative Locations resolved against `from`). */
export function redirectTarget(response: RegistryResponse, from: URL): URL {
  const location = response.headers.get('location');
  if (location === null || location.trim() === '') {
    throw new ManifestoError(
      'REDIRECT_INVALID',
      `${from.host} answered ${response.status} without a Location header`,
      { category: 'integrity', status: response.status, hint: 'The registry is misbehaving; report it.' },
    );
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch (cause) {
    throw new ManifestoError('REDIRECT_INVALID', `${from.host} redirected to an invalid URL "${location}"`, {
      category: 'integrity',
      status: response.status,
      cause,
    });
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new ManifestoError('REDIRECT_INVALID', `${from.host} redirected to unsupported URL "${location}"`, {
      category: 'integrity',
      status: response.status,
    });
  }
  return target;
}

/** A copy of `headers` without credential-bearing headers. */
export function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!CREDENTIAL_HEADERS.includes(name.toLowerCase())) copy[name] = value;
  }
  return copy;
}

/** 303 turns any method into GET without a body; 301/302/307/308 keep the method (we only follow reads). */
export function redirectedMethod(status: number, method: string): string {
  return status === 303 && method !== 'HEAD' ? 'GET' : method;
}

export function tooManyRedirects(start: URL): ManifestoError {
  return new ManifestoError('TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects from ${start.href}`, {
    category: 'unavailable',
    hint: 'The registry or a proxy in front of it is redirecting in a loop.',
  });
}
