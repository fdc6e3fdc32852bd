/**
 * Where a registry host (as written in references) is reached: scheme, host and port of its base
 * URL, and which hosts count as loopback (plain HTTP by default, basic credentials allowed).
 */
import { usageError } from '../../errors/errors.ts';

/** Docker Hub's reference host and the host its API is actually served from. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io']);

/** The host name without port, brackets removed from IPv6 literals (`[::1]:5000` -> `::1`). */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1 (with or without port). */
export function isLoopbackHost(host: string): boolean {
  const name = hostnameOf(host);
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return true;
  return name === '::1' || name === '0:0:0:0:0:0:0:1';
}

/** True for Docker Hub's reference names (`docker.io`, `index.docker.io`). */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(registry.toLowerCase());
}

/**
 * The scheme a registry is spoken to with: `plainHttp` true or false decides; when not given, plain
 * HTTP only for loopback hosts, https for everything else.
 */
export function registryScheme(registry: string, plainHttp?: boolean): 'http' | 'https' {
  if (plainHttp !== undefined) return plainHttp ? 'http' : 'https';
  return isLoopbackHost(registry) ? 'http' : 'https';
}

/** Base URL (no trailing slash) of a registry: `https://registry-1.docker.io`, `http://localhost:5000`. */
export function registryBaseUrl(registry: string, plainHttp?: boolean): string {
  if (registry === '' || /[/\s?#@]/.test(registry)) {
    throw usageError(
      'REGISTRY_INVALID',
      `invalid registry host "${registry}"`,
      'A registry is a host name with an optional port, e.g. registry.example.com or localhost:5000.',
    );
  }
  const host = isDockerHub(registry) ? DOCKER_HUB_API : registry.toLowerCase();
  const base = `${registryScheme(registry, plainHttp)}://${host}`;
  try {
    return new URL(base).origin;
  } catch (cause) {
    throw usageError(
      'REGISTRY_INVALID',
      `invalid registry host "${registry}"`,
      'A registry is a host name with an optional port, e.g. registry.example.com or localhost:5000.',
      cause,
    );
  }
}

/** Scheme, host and port are equal (the origin credentials are bound to). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

/** Credentials may travel to this URL in the clear only if it is https or a loopback host. */
export function mayCarryCredentials(url: URL): boolean {
  return url.protocol === 'https:' || isLoopbackHost(url.host);
}
