import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isManifestoError } from '../../../src/errors/errors.ts';
import type { Descriptor, Platform } from '../../../src/oci/descriptor.ts';
import {
  formatPlatform,
  type HostInfo,
  isAttestationManifest,
  localPlatform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
} from '../../../src/oci/platform.ts';

describe('parsePlatform', () => {
  const cases: [string, Platform, string][] = [
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/arm64/8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['linux/arm64/v9', { os: 'linux', architecture: 'arm64', variant: 'v9' }, 'linux/arm64/v9'],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/arm/7', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    ['linux/arm/5', { os: 'linux', architecture: 'arm', variant: 'v5' }, 'linux/arm/v5'],
    ['linux/armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }, 'linux/arm/v7'],
    ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'linux/arm/v6'],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/x86-64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }, 'linux/amd64/v3'],
    ['linux/i386', { os: 'linux', architecture: '386' }, 'linux/386'],
    ['linux/386', { os: 'linux', architecture: '386' }, 'linux/386'],
    ['Linux/AMD64', { os: 'linux', architecture: 'amd64' }, 'linux/amd64'],
    ['LINUX/ARM64/V8', { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'linux/arm64/v8'],
    ['macos/arm64', { os: 'darwin', architecture: 'arm64', variant: 'v8' }, 'darwin/arm64/v8'],
    ['linux/riscv64', { os: 'linux', architecture: 'riscv64' }, 'linux/riscv64'],
    ['linux/ppc64le', { os: 'linux', architecture: 'ppc64le' }, 'linux/ppc64le'],
    ['linux/s390x', { os: 'linux', architecture: 's390x' }, 'linux/s390x'],
    [
      'windows/amd64:10.0.17763.5329',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5329' },
      'windows/amd64:10.0.17763.5329',
    ],
    [
      'windows(10.0.20348)/amd64',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348' },
      'windows/amd64:10.0.20348',
    ],
    [
      'linux/arm64/v8:6.1',
      { os: 'linux', architecture: 'arm64', variant: 'v8', 'os.version': '6.1' },
      'linux/arm64/v8:6.1',
    ],
    ['wasi/wasm', { os: 'wasi', architecture: 'wasm' }, 'wasi/wasm'],
  ];
  for (const [input, platform, formatted] of cases) {
    it(`${input} -> ${formatted}`, () => {
      const parsed = parsePlatform(input);
      assert.deepEqual(parsed, platform);
      assert.equal(formatPlatform(parsed), formatted);
      assert.deepEqual(parsePlatform(formatted), parsed);
    });
  }
});

describe('parsePlatform: an architecture alone means Linux (as containerd reads it)', () => {
  const cases: [string, string][] = [
    ['aarch64', 'linux/arm64/v8'],
    ['arm64', 'linux/arm64/v8'],
    ['x86_64', 'linux/amd64'],
    ['amd64', 'linux/amd64'],
    ['AMD64', 'linux/amd64'],
    ['armhf', 'linux/arm/v7'],
    ['arm/v6', 'linux/arm/v6'],
    ['arm64/v8', 'linux/arm64/v8'],
    ['i386', 'linux/386'],
    ['ppc64le', 'linux/ppc64le'],
    ['s390x', 'linux/s390x'],
    ['riscv64', 'linux/riscv64'],
  ];
  for (const [input, formatted] of cases) {
    it(`${input} -> ${formatted}`, () => {
      assert.equal(formatPlatform(parsePlatform(input)), formatted);
    });
  }
});

describe('parsePlatform: invalid input', () => {
  const cases: [string, string][] = [
    ['', 'it needs at least an OS and an architecture'],
    ['linux', 'it needs at least an OS and an architecture'],
    ['sparc', 'it needs at least an OS and an architecture'],
    ['linux/', 'the architecture is empty'],
    ['/amd64', 'the OS is empty'],
    ['linux/arm64/', 'the variant is empty'],
    ['linux/arm64/v8/extra', 'it has more than three "/"-separated parts'],
    ['linux/amd 64', 'architecture "amd 64" is invalid'],
    ['linux/arm/v7!', 'variant "v7!" is invalid'],
    ['lin.ux/amd64', 'OS "lin.ux" is invalid'],
    ['linux/*', 'architecture "*" is invalid'],
    ['windows/amd64:', 'the OS version is empty'],
    ['windows/amd64:10 0', 'OS version "10 0" is invalid'],
    ['windows(10.0)/amd64:10.0', 'the OS version is given twice'],
  ];
  for (const [input, problem] of cases) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parsePlatform(input),
        (error: unknown) => {
          assert.ok(isManifestoError(error));
          assert.equal(error.code, 'PLATFORM_INVALID');
          assert.equal(error.category, 'usage');
          assert.equal(error.message, `invalid platform "${input}": ${problem}`);
          assert.match(error.hint ?? '', /OS\/ARCH\[\/VARIANT\]\[:OSVERSION\]/);
          return true;
        },
      );
    });
  }
});

describe('normalizePlatform', () => {
  const cases: [Platform, Platform][] = [
    [
      { os: 'linux', architecture: 'arm64', variant: '8' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
    [
      { os: 'linux', architecture: 'i386', variant: 'sse2' },
      { os: 'linux', architecture: '386' },
    ],
    [
      { os: 'linux', architecture: 'armhf', variant: 'v6' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ],
    [
      { os: 'Windows', architecture: 'AMD64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] },
    ],
    [
      { os: 'linux', architecture: 'amd64', variant: '', features: ['sse4'] },
      { os: 'linux', architecture: 'amd64', features: ['sse4'] },
    ],
  ];
  for (const [input, expected] of cases) {
    it(`${formatPlatform(input)} -> ${formatPlatform(expected)}`, () => {
      assert.deepEqual(normalizePlatform(input), expected);
    });
  }
  it('does not modify its argument', () => {
    const input: Platform = { os: 'Linux', architecture: 'aarch64' };
    normalizePlatform(input);
    assert.deepEqual(input, { os: 'Linux', architecture: 'aarch64' });
  });
});

describe('platformMatches', () => {
  const cases: [string, Platform, boolean][] = [
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'amd64', variant: 'v1' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'amd64', variant: 'v3' }, false],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64' }, false],
    ['linux/amd64', { os: 'linux', architecture: 'x86_64' }, true],
    ['linux/amd64', { os: 'linux', architecture: 'arm64' }, false],
    ['linux/amd64', { os: 'windows', architecture: 'amd64' }, false],
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'aarch64', variant: '8' }, true],
    ['linux/arm64', { os: 'linux', architecture: 'arm64', variant: 'v9' }, false],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v7' }, true],
    ['linux/arm', { os: 'linux', architecture: 'arm' }, true],
    ['linux/arm', { os: 'linux', architecture: 'arm', variant: 'v6' }, false],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm', variant: 'v6' }, true],
    ['linux/arm/v6', { os: 'linux', architecture: 'armel' }, true],
    ['linux/arm/v6', { os: 'linux', architecture: 'arm' }, false],
    ['linux/386', { os: 'linux', architecture: 'i386' }, true],
    ['windows/amd64', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5329' }, true],
    [
      'windows/amd64:10.0.17763',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5329' },
      true,
    ],
    [
      'windows/amd64:10.0.17763.5329',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1234' },
      true,
    ],
    [
      'windows/amd64:10.0.17763',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' },
      false,
    ],
    [
      'windows/amd64:10.0.1776',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' },
      false,
    ],
    ['windows/amd64:10.0', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2227' }, true],
    ['windows/amd64:10.0.17763', { os: 'windows', architecture: 'amd64' }, false],
    ['linux/amd64', { os: 'unknown', architecture: 'unknown' }, false],
  ];
  for (const [want, candidate, expected] of cases) {
    it(`${want} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(candidate)}`, () => {
      assert.equal(platformMatches(parsePlatform(want), candidate), expected);
    });
  }
  it('normalises the wanted platform too', () => {
    assert.equal(
      platformMatches(
        { os: 'Linux', architecture: 'aarch64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ),
      true,
    );
  });
});

describe('localPlatform', () => {
  const cases: [HostInfo, string][] = [
    [{ platform: 'linux', arch: 'x64' }, 'linux/amd64'],
    [{ platform: 'linux', arch: 'arm64' }, 'linux/arm64/v8'],
    [{ platform: 'darwin', arch: 'arm64' }, 'darwin/arm64/v8'],
    [{ platform: 'win32', arch: 'x64' }, 'windows/amd64'],
    [{ platform: 'win32', arch: 'ia32' }, 'windows/386'],
    [{ platform: 'linux', arch: 'arm', armVersion: '6' }, 'linux/arm/v6'],
    [{ platform: 'linux', arch: 'arm', armVersion: '7' }, 'linux/arm/v7'],
    [{ platform: 'linux', arch: 'arm' }, 'linux/arm/v7'],
    [{ platform: 'linux', arch: 'ppc64', endianness: 'LE' }, 'linux/ppc64le'],
    [{ platform: 'aix', arch: 'ppc64', endianness: 'BE' }, 'aix/ppc64'],
    [{ platform: 'linux', arch: 's390x', endianness: 'BE' }, 'linux/s390x'],
    [{ platform: 'linux', arch: 'riscv64' }, 'linux/riscv64'],
    [{ platform: 'linux', arch: 'loong64' }, 'linux/loong64'],
    [{ platform: 'linux', arch: 'mipsel' }, 'linux/mipsle'],
    [{ platform: 'freebsd', arch: 'x64' }, 'freebsd/amd64'],
    [{ platform: 'sunos', arch: 'x64' }, 'solaris/amd64'],
  ];
  for (const [host, expected] of cases) {
    it(`${host.platform}/${host.arch}${host.armVersion ? ` v${host.armVersion}` : ''} -> ${expected}`, () => {
      assert.equal(formatPlatform(localPlatform(host)), expected);
    });
  }
  it('describes this process', () => {
    const local = localPlatform();
    const os = process.platform === 'win32' ? 'windows' : process.platform;
    assert.equal(local.os, os);
    assert.equal(platformMatches(local, local), true);
    if (process.arch === 'x64') assert.deepEqual(local, { os, architecture: 'amd64' });
    if (process.arch === 'arm64') assert.deepEqual(local, { os, architecture: 'arm64', variant: 'v8' });
  });
});

describe('isAttestationManifest', () => {
  const base: Descriptor = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${'c'.repeat(64)}`,
    size: 840,
  };
  const cases: [string, Descriptor, boolean][] = [
    ['unknown/unknown platform', { ...base, platform: { os: 'unknown', architecture: 'unknown' } }, true],
    [
      'buildx annotation',
      {
        ...base,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': `sha256:${'d'.repeat(64)}`,
        },
      },
      true,
    ],
    [
      'annotation without platform',
      { ...base, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      true,
    ],
    ['linux/amd64', { ...base, platform: { os: 'linux', architecture: 'amd64' } }, false],
    ['unknown os only', { ...base, platform: { os: 'unknown', architecture: 'amd64' } }, false],
    ['no platform', base, false],
    [
      'other reference type',
      {
        ...base,
        platform: { os: 'linux', architecture: 'arm64' },
        annotations: { 'vnd.docker.reference.type': 'x' },
      },
      false,
    ],
  ];
  for (const [name, descriptor, expected] of cases) {
    it(`${name}: ${expected}`, () => assert.equal(isAttestationManifest(descriptor), expected));
  }
});
