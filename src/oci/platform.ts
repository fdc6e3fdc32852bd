/**
 * Platforms as container runtimes match them (after containerd's `platforms` package): parsing
 * `os/arch[/variant][:osversion]`, normalising aliases, matching a wanted platform against an index
 * entry, the local platform, and telling buildx attestation manifests from real platforms.
 */
import { endianness } from 'node:os';
import { usageError } from '../errors/errors.ts';
import type { Descriptor, Platform } from './descriptor.ts';

const COMPONENT = /^[A-Za-z0-9_.-]+$/;
const OS = /^[A-Za-z0-9_-]+$/;
const OS_VERSION = /^[A-Za-z0-9_.-]+$/;
const PLATFORM_HINT = 'A platform is OS/ARCH[/VARIANT][:OSVERSION], e.g. linux/amd64, linux/arm64/v8.';

/** Architecture names and aliases that, given alone, mean a Linux platform (`aarch64` = `linux/arm64`). */
const LINUX_ARCHITECTURES: ReadonlySet<string> = new Set([
  '386',
  'i386',
  'amd64',
  'x86_64',
  'x86-64',
  'arm',
  'armhf',
  'armel',
  'arm64',
  'aarch64',
  'ppc64le',
  's390x',
  'riscv64',
  'mips64le',
  'loong64',
]);

/** Parses `linux/arm64/v8`, `windows/amd64:10.0.17763.5329` (or containerd's `windows(10.0.17763)/amd64`). */
export function parsePlatform(input: string): Platform {
  const fail = (problem: string): never => {
    throw usageError('PLATFORM_INVALID', `invalid platform "${input}": ${problem}`, PLATFORM_HINT);
  };
  let spec = input;
  let osVersion: string | undefined;
  const colon = spec.indexOf(':');
  if (colon !== -1) {
    osVersion = spec.slice(colon + 1);
    spec = spec.slice(0, colon);
  }
  const parts = spec.split('/');
  // An architecture alone (`aarch64`, `x86_64`, `arm/v6`): a Linux platform, as containerd reads it.
  if (parts.length <= 2 && LINUX_ARCHITECTURES.has((parts[0] ?? '').toLowerCase())) parts.unshift('linux');
  let os = parts[0] ?? '';
  const paren = /^([^()]*)\(([^()]*)\)$/.exec(os);
  if (paren) {
    if (osVersion !== undefined) fail('the OS version is given twice');
    os = paren[1]!;
    osVersion = paren[2]!;
  }
  if (osVersion !== undefined && !OS_VERSION.test(osVersion)) {
    fail(osVersion === '' ? 'the OS version is empty' : `OS version "${osVersion}" is invalid`);
  }
  if (parts.length < 2) fail('it needs at least an OS and an architecture');
  if (parts.length > 3) fail('it has more than three "/"-separated parts');
  if (!OS.test(os)) fail(os === '' ? 'the OS is empty' : `OS "${os}" is invalid`);
  const [architecture, variant] = [parts[1]!, parts[2]];
  if (!COMPONENT.test(architecture)) {
    fail(architecture === '' ? 'the architecture is empty' : `architecture "${architecture}" is invalid`);
  }
  if (variant !== undefined && !COMPONENT.test(variant)) {
    fail(variant === '' ? 'the variant is empty' : `variant "${variant}" is invalid`);
  }
  return normalizePlatform({
    os,
    architecture,
    ...(variant === undefined ? {} : { variant }),
    ...(osVersion === undefined ? {} : { 'os.version': osVersion }),
  });
}

/** `os/arch[/variant][:osversion]`, as given (parse or normalise first for the canonical spelling). */
export function formatPlatform(platform: Platform): string {
  const variant = platform.variant ? `/${platform.variant}` : '';
  const osVersion = platform['os.version'] ? `:${platform['os.version']}` : '';
  return `${platform.os}/${platform.architecture}${variant}${osVersion}`;
}

/** Normalises the architecture and its variant, after containerd's `normalizeArch`. */
function normalizeArch(architecture: string, variant: string): [string, string] {
  const arch = architecture.toLowerCase();
  const v = variant.toLowerCase();
  switch (arch) {
    case 'i386':
      return ['386', ''];
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return ['amd64', v === 'v1' ? '' : v];
    case 'aarch64':
    case 'arm64':
      return ['arm64', v === '' || v === '8' ? 'v8' : v];
    case 'armhf':
      return ['arm', 'v7'];
    case 'armel':
      return ['arm', 'v6'];
    case 'arm':
      return ['arm', v === '' ? 'v7' : /^[5-8]$/.test(v) ? `v${v}` : v];
    default:
      return [arch, v];
  }
}

/**
 * The canonical form of a platform: lower-case OS (`macos` → `darwin`), architecture aliases resolved
 * (`x86_64` → `amd64`, `aarch64` → `arm64`, `armhf` → `arm/v7`, `armel` → `arm/v6`, `i386` → `386`),
 * default variants made explicit (`arm64` → `v8`, `arm` → `v7`) and `amd64/v1` written as plain `amd64`.
 */
export function normalizePlatform(platform: Platform): Platform {
  const os = platform.os.toLowerCase();
  const [architecture, variant] = normalizeArch(platform.architecture, platform.variant ?? '');
  const { variant: _variant, ...rest } = platform;
  return {
    ...rest,
    os: os === 'macos' ? 'darwin' : os,
    architecture,
    ...(variant === '' ? {} : { variant }),
  };
}

/** Whether `want`'s dotted OS-version components are a prefix of `have`'s (compared up to the build). */
function osVersionMatches(want: string | undefined, have: string | undefined): boolean {
  if (!want) return true;
  if (!have) return false;
  const wanted = want.split('.').slice(0, 3);
  const had = have.split('.');
  return wanted.every((part, i) => part === had[i]);
}

/**
 * Whether an index entry's platform `candidate` is the wanted platform: OS, architecture and variant
 * equal after normalisation (so a want without variant matches the default variant: arm64/v8, arm/v7,
 * plain amd64). A want with an OS version matches only entries whose OS version has the same
 * major.minor.build prefix (`10.0.17763` and `10.0.17763.5329` both match `10.0.17763.1234`); a want
 * without one matches any. `os.features` and `features` are ignored.
 */
export function platformMatches(want: Platform, candidate: Platform): boolean {
  const w = normalizePlatform(want);
  const c = normalizePlatform(candidate);
  return (
    w.os === c.os &&
    w.architecture === c.architecture &&
    (w.variant ?? '') === (c.variant ?? '') &&
    osVersionMatches(w['os.version'], c['os.version'])
  );
}

/** What `localPlatform` reads from the host; injectable for tests. */
export interface HostInfo {
  platform: string;
  arch: string;
  /** Node's `process.config.variables.arm_version` (`'6'`, `'7'`) on 32-bit ARM. */
  armVersion?: string | undefined;
  endianness?: 'BE' | 'LE';
}

const NODE_OS: Readonly<Record<string, string>> = { win32: 'windows', sunos: 'solaris' };
const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  x32: 'amd64p32',
  mipsel: 'mipsle',
  mips64el: 'mips64le',
};

function currentHost(): HostInfo {
  const variables: Readonly<Record<string, unknown>> = process.config.variables;
  const armVersion = variables.arm_version;
  return {
    platform: process.platform,
    arch: process.arch,
    armVersion:
      typeof armVersion === 'string' || typeof armVersion === 'number' ? String(armVersion) : undefined,
    endianness: endianness(),
  };
}

/** The platform this process runs on, normalised (`linux/amd64`, `darwin/arm64/v8`, `linux/arm/v6`). */
export function localPlatform(host: HostInfo = currentHost()): Platform {
  let architecture = NODE_ARCH[host.arch] ?? host.arch;
  if (architecture === 'ppc64' && host.endianness !== 'BE') architecture = 'ppc64le';
  const variant = architecture === 'arm' && host.armVersion ? `v${host.armVersion}` : undefined;
  return normalizePlatform({
    os: NODE_OS[host.platform] ?? host.platform,
    architecture,
    ...(variant === undefined ? {} : { variant }),
  });
}

export const ATTESTATION_REFERENCE_TYPE = 'vnd.docker.reference.type';
export const ATTESTATION_MANIFEST = 'attestation-manifest';

/** Buildx attestation manifests in an index (`unknown/unknown`, or so annotated) are never platforms. */
export function isAttestationManifest(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.[ATTESTATION_REFERENCE_TYPE] === ATTESTATION_MANIFEST) return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}
