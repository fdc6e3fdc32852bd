/**
 * Image references: parsing (the distribution/reference grammar with Docker Hub normalisation, plus
 * `oci:PATH[:TAG][@DIGEST]` for OCI image layouts), canonical and familiar formatting, and helpers.
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]; host := domain-name | IPv4 | "[" IPv6 "]"
 *   path-component := [a-z0-9]+ (([._] | "__" | "-"+) [a-z0-9]+)*
 *   tag       := [\w][\w.-]{0,127}
 */
import { isIPv6 } from 'node:net';
import { type ManifestoError, usageError } from '../errors/errors.ts';
import { isDigest, parseDigest } from './digest.ts';
import type { ImageReference, LayoutReference, RegistryReference } from './reference-types.ts';

export interface ParseReferenceOptions {
  /** Tag to use when the reference has neither tag nor digest; `latest` if absent, `''` for none. */
  defaultTag?: string;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES: readonly string[] = ['index.docker.io', 'registry-1.docker.io'];
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const OFFICIAL_PREFIX = 'library/';
const LAYOUT_PREFIXES: readonly string[] = ['oci:', 'oci-layout://'];
export const MAX_NAME_LENGTH = 255;

const TAG = /^[\w][\w.-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(
  `^(?:(${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*)|\\[([a-fA-F0-9:]+)\\])(?::([0-9]+))?$`,
);
const IMAGE_ID = /^[a-f0-9]{64}$/;
/** `algorithm:` at the start of a digest (the distribution grammar). */
const DIGEST_ALGORITHM_PREFIX = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:/;
/** What after an `@` in a layout reference is taken for a digest (else the `@` is part of the path). */
const LAYOUT_DIGEST =
  /^(?:sha256:|sha512:|[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$)/;

const GRAMMAR_HINT =
  'A reference is [REGISTRY[:PORT]/]REPOSITORY[:TAG][@DIGEST] (e.g. ghcr.io/team/app:1.0), or oci:PATH[:TAG|@DIGEST].';

function invalid(input: string, problem: string, hint: string = GRAMMAR_HINT): ManifestoError {
  return usageError('REFERENCE_INVALID', `invalid reference "${input}": ${problem}`, hint);
}

/** Parses an image reference; throws a usage error (`REFERENCE_INVALID`) saying what is wrong. */
export function parseReference(input: string, options: ParseReferenceOptions = {}): ImageReference {
  const defaultTag = options.defaultTag ?? 'latest';
  if (defaultTag !== '' && !TAG.test(defaultTag)) {
    throw invalid(input, `default tag "${defaultTag}" is not a valid tag`);
  }
  if (input === '') throw invalid(input, 'it is empty');
  const prefix = LAYOUT_PREFIXES.find((p) => input.startsWith(p));
  return prefix === undefined
    ? parseRegistryReference(input, defaultTag)
    : parseLayoutReference(input, input.slice(prefix.length), defaultTag);
}

/**
 * `USER[:PASSWORD]@HOST/...` (with or without a URL scheme): the text after the scheme up to the first
 * "@" holds no "/", and either holds a ":" (a password) or what follows the "@" is a path, not a
 * digest (`alpine@sha256:...` is a digest).
 */
const USERINFO = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/@]+)@(.*)$/is;
const DIGEST_LIKE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-f]+$/i;

function refuseCredentials(input: string): void {
  const match = USERINFO.exec(input);
  if (match === null) return;
  const [, userinfo, rest] = match as unknown as [string, string, string];
  if (DIGEST_LIKE.test(rest) || (!userinfo.includes(':') && !rest.includes('/'))) return;
  // The credentials are never echoed: the message shows the reference without them.
  throw usageError(
    'REFERENCE_HAS_CREDENTIALS',
    `invalid reference "***@${rest}": a reference must not carry credentials`,
    'Log in instead (manifesto login REGISTRY, or -u USER --password-stdin); change a password that was typed here.',
  );
}

function parseRegistryReference(input: string, defaultTag: string): RegistryReference {
  refuseCredentials(input);
  if (/\s/.test(input)) throw invalid(input, 'it contains white space');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(input);
  if (scheme) {
    throw invalid(
      input,
      `a reference has no URL scheme`,
      `Drop "${scheme[0]}": ${input.slice(scheme[0].length)}`,
    );
  }
  const at = input.indexOf('@');
  const digest = at === -1 ? undefined : checkDigest(input, input.slice(at + 1));
  const [name, tag] = splitTag(input, at === -1 ? input : input.slice(0, at));
  if (name === '') throw invalid(input, 'the repository is missing');
  if (IMAGE_ID.test(name) && tag === undefined && digest === undefined) {
    throw invalid(
      input,
      'a 64-character hex string is an image ID, not a repository',
      'To name an image by digest write REPOSITORY@sha256:<hex>.',
    );
  }
  const [registry, repository] = splitRegistry(input, name);
  checkRepository(input, repository, name.toLowerCase() + input.slice(name.length));
  const fullName = `${registry}/${repository}`;
  if (fullName.length > MAX_NAME_LENGTH) {
    throw invalid(
      input,
      `the name "${fullName}" is ${fullName.length} characters long, at most ${MAX_NAME_LENGTH} are allowed`,
      'Use a shorter repository path.',
    );
  }
  return withDefaultTag({ kind: 'registry', registry, repository, tag, digest }, defaultTag);
}

function withDefaultTag<T extends ImageReference>(ref: T, defaultTag: string): T {
  if (ref.tag === undefined && ref.digest === undefined && defaultTag !== '')
    return { ...ref, tag: defaultTag };
  return ref;
}

function checkDigest(input: string, digest: string): string {
  if (isDigest(digest)) return digest;
  const algorithm = DIGEST_ALGORITHM_PREFIX.exec(digest)?.[0].slice(0, -1);
  const problem =
    digest === ''
      ? 'the digest after "@" is empty'
      : algorithm !== undefined && algorithm !== 'sha256' && algorithm !== 'sha512'
        ? `digest algorithm "${algorithm}" is not supported (only sha256 and sha512)`
        : `digest "${digest}" is invalid`;
  throw invalid(
    input,
    problem,
    'A digest is sha256:<64 lower-case hex digits> or sha512:<128 lower-case hex digits>.',
  );
}

/** Splits `name[:tag]`; a `:` followed by a `/` belongs to a registry port, not to a tag. */
function splitTag(input: string, nameAndTag: string): [string, string | undefined] {
  const colon = nameAndTag.lastIndexOf(':');
  if (colon === -1 || nameAndTag.indexOf('/', colon) !== -1) return [nameAndTag, undefined];
  return [nameAndTag.slice(0, colon), checkTag(input, nameAndTag.slice(colon + 1))];
}

function checkTag(input: string, tag: string): string {
  if (TAG.test(tag)) return tag;
  const tagHint = 'A tag is 1 to 128 letters, digits, "_", "." or "-", and does not start with "." or "-".';
  if (tag === '') throw invalid(input, 'the tag after ":" is empty', tagHint);
  if (tag.length > 128)
    throw invalid(input, `the tag is ${tag.length} characters long, at most 128`, tagHint);
  throw invalid(input, `tag "${tag}" is invalid`, tagHint);
}

/** Splits the registry off a name the way Docker does, and normalises Docker Hub names. */
function splitRegistry(input: string, name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const isRegistry = first === 'localhost' || /[.:[\]]/.test(first);
  if (!isRegistry) return [DOCKER_HUB, slash === -1 ? OFFICIAL_PREFIX + name : name];
  const registry = normaliseRegistry(input, first);
  const repository = name.slice(slash + 1);
  if (registry === DOCKER_HUB && repository !== '' && !repository.includes('/')) {
    return [registry, OFFICIAL_PREFIX + repository];
  }
  return [registry, repository];
}

function normaliseRegistry(input: string, host: string): string {
  const match = DOMAIN.exec(host);
  const port = match?.[3];
  const hint = 'A registry is HOST[:PORT]: a DNS name, an IPv4 address, or an IPv6 address in brackets.';
  if (!match || (match[2] !== undefined && !isIPv6(match[2]))) {
    throw invalid(input, `registry "${host}" is not a valid host[:port]`, hint);
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw invalid(input, `registry port "${port}" is not between 1 and 65535`, hint);
  }
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.includes(lower) ? DOCKER_HUB : lower;
}

function checkRepository(input: string, repository: string, lowerCased: string): void {
  if (repository === '') throw invalid(input, 'the repository is missing');
  if (repository !== repository.toLowerCase()) {
    throw invalid(
      input,
      'repository must be lower-case',
      `Repository names cannot contain upper-case letters (tags can); did you mean "${lowerCased}"?`,
    );
  }
  for (const component of repository.split('/')) {
    if (component === '') {
      throw invalid(input, `repository "${repository}" has an empty path component`, 'Remove the extra "/".');
    }
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(
        input,
        `repository path component "${component}" is invalid`,
        'Path components are lower-case letters and digits, separated by one ".", one or two "_", or "-"s.',
      );
    }
  }
}

/**
 * `PATH[:TAG][@DIGEST]`. A `:` may appear in PATH only when the reference ends with an explicit tag; an `@`
 * in PATH is kept unless what follows it looks like a digest (`sha256:`, `sha512:`, `algo:<32+ hex>`).
 */
function parseLayoutReference(input: string, rest: string, defaultTag: string): LayoutReference {
  const layoutHint = 'An OCI layout reference is oci:PATH[:TAG|@DIGEST], e.g. oci:./build/image:1.0.';
  let pathAndTag = rest;
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at !== -1 && LAYOUT_DIGEST.test(rest.slice(at + 1))) {
    digest = checkDigest(input, rest.slice(at + 1));
    pathAndTag = rest.slice(0, at);
  }
  let path = pathAndTag;
  let tag: string | undefined;
  const colon = pathAndTag.lastIndexOf(':');
  if (colon !== -1) {
    const candidate = pathAndTag.slice(colon + 1);
    if (candidate.includes('/')) {
      throw invalid(
        input,
        'the layout path contains ":" but the reference does not end with a tag',
        `Add the tag explicitly, e.g. "${input.slice(0, input.length - rest.length)}${pathAndTag}:latest".`,
      );
    }
    tag = checkTag(input, candidate);
    path = pathAndTag.slice(0, colon);
  }
  if (path === '') throw invalid(input, 'the layout path is missing', layoutHint);
  return withDefaultTag({ kind: 'oci-layout', path, tag, digest }, defaultTag);
}

/** Whether the reference itself names a tag or digest (`oci:DIR`, `nginx`: no; `oci:DIR:v1`: yes). */
export function namesTagOrDigest(input: string): boolean {
  const ref = parseReference(input, { defaultTag: '' });
  return ref.tag !== undefined || ref.digest !== undefined;
}

function suffix(ref: ImageReference): string {
  return `${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The canonical string: `docker.io/library/nginx:latest`, `host:5000/repo@sha256:…`, `oci:./dir:tag`. */
export function formatReference(ref: ImageReference): string {
  const name = ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : `oci:${ref.path}`;
  return name + suffix(ref);
}

/** The short form Docker displays: `nginx:latest`, `user/app:1`; other registries as canonical. */
export function familiarReference(ref: ImageReference): string {
  if (ref.kind !== 'registry' || ref.registry !== DOCKER_HUB) return formatReference(ref);
  const rest = ref.repository.slice(OFFICIAL_PREFIX.length);
  const name = ref.repository.startsWith(OFFICIAL_PREFIX) && !rest.includes('/') ? rest : ref.repository;
  return name + suffix(ref);
}

/** The tag or digest to resolve: the digest when there is one (it wins over a tag), else the tag. */
export function referenceTarget(ref: ImageReference): string | undefined {
  return ref.digest ?? ref.tag;
}

/** The same image pinned to `digest` (the tag, if any, is kept for display). */
export function withDigest<T extends ImageReference>(ref: T, digest: string): T {
  parseDigest(digest);
  return { ...ref, digest };
}

/** Whether `host[:port]` is a loopback address (`localhost`, 127.0.0.0/8, `[::1]`): plain HTTP by default. */
export function isLoopbackRegistry(host: string): boolean {
  const match = /^(?:([^:[\]]+)|\[([^\]]+)\])(?::[0-9]+)?$/.exec(host.toLowerCase());
  if (!match) return false;
  const [, name, ipv6] = match;
  if (ipv6 !== undefined) return isIPv6(ipv6) && new URL(`http://[${ipv6}]/`).hostname === '[::1]';
  if (name === 'localhost') return true;
  const octets = name!.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((o) => /^(?:0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255)
  );
}

/** The host requests go to: Docker Hub's API is served by `registry-1.docker.io`; others unchanged. */
export function registryBaseHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}
