// Shared helpers of the metadata suites: run the CLI against a backend, write test files, read state.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetadataBackend, TestImage } from './backends.ts';
import {
  type CliOptions,
  type CliResult,
  type HistoryJson,
  type ListJson,
  okJson,
  runCli,
  spawnCli,
} from './cli.ts';

export interface BackendCli {
  /** In-process `main`, with the backend's flags and environment. */
  run(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** A `node src/cli/bin.ts` process, with the backend's flags and environment. */
  spawn(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  list(image: TestImage): Promise<ListJson>;
  /** History of a type; an empty list when the type has no version (exit 3). */
  history(image: TestImage, type: string): Promise<HistoryJson['versions']>;
}

export function backendCli(backend: MetadataBackend): BackendCli {
  const withFlags = (args: readonly string[]) => [...args, ...backend.flags];
  const cli: BackendCli = {
    run: (args, options = {}) => runCli(withFlags(args), { env: backend.env, ...options }),
    spawn: (args, options = {}) => spawnCli(withFlags(args), { env: backend.env, ...options }),
    list: async (image) => okJson<ListJson>(await cli.run(['list', image.ref, '--json']), 'list'),
    history: async (image, type) => {
      const result = await cli.run(['history', image.ref, type, '--json']);
      if (result.code === 3) return [];
      return okJson<HistoryJson>(result, `history ${type}`).versions;
    },
  };
  return cli;
}

/** A temporary directory for test files (named `prefix` + random), removed by the returned function. */
export function scratchDir(prefix = 'manifesto-metadata-files-'): {
  dir: string;
  file(name: string, content: string | Uint8Array): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Binary content that is not valid UTF-8 (NUL, 0xff, random bytes). */
export function binaryContent(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes[0] = 0xff;
  bytes[1] = 0x00;
  bytes[2] = 0xfe;
  return bytes;
}

/** `{type: [version digests newest first]}` of every type: what `list` and `history` show. */
export async function snapshot(cli: BackendCli, image: TestImage): Promise<Record<string, string[]>> {
  const listed = await cli.list(image);
  const out: Record<string, string[]> = {};
  for (const t of listed.types) {
    const versions = await cli.history(image, t.type);
    assert.equal(versions.length, t.count, `history and list agree on ${t.type}`);
    assert.equal(versions[0]?.version, t.latest.version, `latest of ${t.type}`);
    out[t.type] = versions.map((v) => v.version);
  }
  return out;
}
