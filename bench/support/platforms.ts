/**
 * The multi-platform scenarios of the main table: an OCI index of 3 platform images (linux/amd64,
 * linux/arm64, linux/arm/v7), read and written by tag, next to what a user of oras does for the same
 * result, one process per manifest, given the platform digests (read from the index beforehand, not
 * counted: oras's best case):
 *
 *   put-all-platforms  manifesto put IMAGE TYPE FILE --all-platforms   oras attach PLATFORM@DIGEST, x3
 *   list-tree          manifesto list IMAGE --tree                     oras discover of the index, and of
 *                                                                      each platform @digest (4 processes)
 *
 * `list --tree` shows the index's own metadata and every platform's, so oras lists the index too.
 * (`oras discover --platform P IMAGE:tag` would resolve the tag and read the index in every process.)
 */
import { rmSync } from 'node:fs';
import type { Platform } from '../../src/oci/descriptor.ts';
import { pushTestIndex } from '../../test/support/images.ts';
import { type BenchImage, benchRepository, proxiedReference, storeVersions } from './fixtures.ts';
import {
  ARTIFACT_TYPE,
  BENCH_TYPE,
  type BenchContext,
  combine,
  runDir,
  runManifesto,
  runOras,
  type Scenario,
  writeContent,
} from './operations.ts';
import type { RunResult } from './processes.ts';

export const BENCH_PLATFORMS: readonly Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
];

/** The index (as BenchImage) and its platform images (same repository, by digest). */
interface PlatformImage {
  index: BenchImage;
  platforms: BenchImage[];
}

async function pushPlatformImage(context: BenchContext, what: string, tag: string): Promise<PlatformImage> {
  const repository = benchRepository(what);
  const { index, children } = await pushTestIndex(
    context.bench.repository(repository),
    [...BENCH_PLATFORMS],
    {
      tag,
      seed: `${repository}-${tag}-${Math.random()}`,
    },
  );
  return {
    index: { repository, tag, digest: index.digest },
    platforms: children.map((c) => ({ repository, tag, digest: c.digest })),
  };
}

/** Runs the processes one after the other (a script around oras), stopping at the first failure. */
async function inTurn(steps: ReadonlyArray<() => Promise<RunResult>>): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const step of steps) {
    const result = await step();
    results.push(result);
    if (result.code !== 0) break;
  }
  return results;
}

function putAllPlatformsScenario(): Scenario {
  const images = new Map<string, PlatformImage>();
  return {
    id: 'put-all-platforms-tag',
    operation: 'put-all-platforms',
    label: `put --all-platforms (${BENCH_PLATFORMS.length}) :tag`,
    setup: async () => {},
    prepare: async (context, tool, runId) => {
      const image = await pushPlatformImage(context, 'put-platforms', tool === 'manifesto' ? 'm' : 'o');
      const cwd = runDir(context, runId);
      images.set(cwd, image);
      return { image: image.index, reference: proxiedReference(context.bench, image.index, 'tag'), cwd };
    },
    run: async (context, tool, target) => {
      const file = writeContent(target.cwd, target.cwd);
      const image = images.get(target.cwd);
      images.delete(target.cwd);
      try {
        if (image === undefined) throw new Error('put --all-platforms: prepare did not run');
        if (tool === 'manifesto') {
          return combine([
            await runManifesto(
              context,
              ['put', target.reference, BENCH_TYPE, file, '--all-platforms'],
              target.cwd,
            ),
          ]);
        }
        return combine(
          await inTurn(
            image.platforms.map(
              (platform) => () =>
                runOras(
                  context,
                  [
                    'attach',
                    '--artifact-type',
                    ARTIFACT_TYPE,
                    proxiedReference(context.bench, platform, 'digest'),
                    file,
                  ],
                  target.cwd,
                ),
            ),
          ),
        );
      } finally {
        rmSync(target.cwd, { recursive: true, force: true });
      }
    },
  };
}

function listTreeScenario(): Scenario {
  let image: PlatformImage | undefined;
  return {
    id: 'list-tree-tag',
    operation: 'list-tree',
    label: `list --tree (${BENCH_PLATFORMS.length} platforms) :tag`,
    // The index: 1 version of bench-notes; each platform: 2 versions of bench-profile.
    setup: async (context) => {
      image = await pushPlatformImage(context, 'list-tree', 'v1');
      await storeVersions(context.bench, image.index, 'bench-notes', 1);
      for (const platform of image.platforms) await storeVersions(context.bench, platform, BENCH_TYPE, 2);
    },
    prepare: async (context, _tool, runId) => {
      if (image === undefined) throw new Error('list --tree: setup did not run');
      return {
        image: image.index,
        reference: proxiedReference(context.bench, image.index, 'tag'),
        cwd: runDir(context, runId),
      };
    },
    run: async (context, tool, target) => {
      try {
        if (image === undefined) throw new Error('list --tree: setup did not run');
        if (tool === 'manifesto') {
          return combine([await runManifesto(context, ['list', target.reference, '--tree'], target.cwd)]);
        }
        const references = [
          target.reference,
          ...image.platforms.map((p) => proxiedReference(context.bench, p, 'digest')),
        ];
        return combine(
          await inTurn(
            references.map(
              (reference) => () =>
                runOras(context, ['discover', '--format', 'json', '--depth', '1', reference], target.cwd),
            ),
          ),
        );
      } finally {
        rmSync(target.cwd, { recursive: true, force: true });
      }
    },
  };
}

/** The multi-platform scenarios, in report order (new objects: call once per registry). */
export function createPlatformScenarios(): Scenario[] {
  return [putAllPlatformsScenario(), listTreeScenario()];
}
