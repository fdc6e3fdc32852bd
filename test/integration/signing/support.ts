// Shared by the signing interop tests: the plain-HTTP registries both peers can reach, a fresh
// image in a fresh repository, an isolated HOME per peer session, and peer runs that fail loudly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repository } from '../../../src/content/repository.ts';
import type { Descriptor } from '../../../src/oci/descriptor.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { type PeerName, type PeerResult, type RunPeerOptions, runPeer } from '../../support/peers.ts';
import { type TestRegistry, testRegistries, uniqueRepository } from '../../support/registries.ts';

/**
 * distribution 2.8 (referrers tag schema) and go-containerregistry's registry (referrers API), both
 * plain HTTP and anonymous: what cosign (`--allow-http-registry`) and notation
 * (`--insecure-registry`) reach without credentials or CA files.
 */
export function signingRegistries(): TestRegistry[] {
  const registries = testRegistries().filter((r) => r.kind === 'distribution' || r.kind === 'refreg');
  assert.ok(registries.length > 0, 'the distribution and refreg registries run (node scripts/test.ts)');
  return registries;
}

export interface TestImage {
  repository: Repository;
  /** `host/repository` */
  name: string;
  /** `host/repository@sha256:...` */
  reference: string;
  descriptor: Descriptor;
}

export async function freshImage(registry: TestRegistry, prefix: string): Promise<TestImage> {
  const name = `${registry.host}/${uniqueRepository(prefix)}`;
  const opened = await createImageOpener({ plainHttp: true })(`${name}:v1`);
  const pushed = await pushTestImage(opened.repository, { tag: 'v1' });
  const descriptor = { mediaType: pushed.mediaType, digest: pushed.digest, size: pushed.size };
  return { repository: opened.repository, name, reference: `${name}@${pushed.digest}`, descriptor };
}

/** A temporary HOME (XDG_CONFIG_HOME is HOME/.config) removed when `cleanup` runs. */
export function tempHome(label: string): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), `manifesto-${label}-`));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export function describeRun(name: string, args: readonly string[], result: PeerResult): string {
  return `${name} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/** Runs the peer and asserts it succeeded. */
export async function peerOk(
  name: PeerName,
  args: readonly string[],
  options: RunPeerOptions,
): Promise<PeerResult> {
  const result = await runPeer(name, args, options);
  assert.equal(result.code, 0, describeRun(name, args, result));
  return result;
}

/** Runs the peer and asserts it failed with output matching `pattern`. */
export async function peerFails(
  name: PeerName,
  args: readonly string[],
  options: RunPeerOptions,
  pattern: RegExp,
): Promise<PeerResult> {
  const result = await runPeer(name, args, options);
  assert.notEqual(result.code, 0, describeRun(name, args, result));
  assert.match(`${result.stdout}\n${result.stderr}`, pattern, describeRun(name, args, result));
  return result;
}
