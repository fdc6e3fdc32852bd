// Running the CLI in-process for the kinds/policy integration tests, on an OCI layout or a real
// registry (test/support/registries.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import type { Repository } from '../../../src/content/repository.ts';
import type { ClientOptions } from '../../../src/open/client-options.ts';
import { createImageOpener } from '../../../src/open/open-image.ts';
import { pushTestImage } from '../../support/images.ts';
import { testRegistries, uniqueRepository } from '../../support/registries.ts';
import { layoutRepositories, registryRepositories } from '../../support/repositories.ts';
import { type CliResult, runCli } from './cli-assertions.ts';

export type { CliResult } from './cli-assertions.ts';

export interface Backend {
  label: string;
  newRepository(prefix: string): Promise<{ repository: Repository; ref: (tagOrDigest: string) => string }>;
  /** Runs the CLI in-process; `now` is its clock (e.g. to make a signature expire). */
  cli(args: readonly string[], client?: ClientOptions, now?: () => Date): Promise<CliResult>;
  /** A file in a scratch directory. */
  file(name: string, content: string | Uint8Array): string;
  cleanup(): void;
}

export function backend(kind: 'distribution' | 'refreg' | 'layout'): Backend {
  const scratch = mkdtempSync(join(tmpdir(), 'manifesto-policy-'));
  const env = { DOCKER_CONFIG: join(scratch, 'docker'), MANIFESTO_AUTHOR: 'ci@example.com' };
  let count = 0;
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(scratch, `${++count}-${name}`);
    writeFileSync(path, content);
    return path;
  };
  const repositories =
    kind === 'layout' ? layoutRepositories(scratch) : registryRepositories(kind, env.DOCKER_CONFIG);
  return {
    label: repositories.label,
    newRepository: (prefix) => repositories.newRepository(prefix),
    cli: (args, client, now) => runCli([...args, ...repositories.flags], { env, client, now }),
    file,
    cleanup: () => rmSync(scratch, { recursive: true, force: true }),
  };
}

export function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

export function fixture(name: string): string {
  return join(import.meta.dirname, '..', '..', 'fixtures', 'kinds', name);
}

/** The SLSA v1 provenance fixture rewritten to be about `digest` (sha256:...). */
export function provenanceAbout(b: Backend, digest: string): string {
  const text = readFileSync(fixture('provenance-slsa-v1.json'), 'utf8').replace(
    '6105d6cc76af400325e94d588ce511be5bfdbb73b437dc51eca43917d7a43e3d',
    digest.replace(/^sha256:/, ''),
  );
  return b.file('provenance.json', text);
}

export interface ImageTarget {
  name: string;
  /** A repository glob of a trust policy that matches the target's images. */
  glob: string;
  /** Flags every CLI command on the target gets. */
  flags: string[];
  /** A new image tagged v1; returns its reference. */
  image: () => Promise<string>;
}

/**
 * Where the signing tests make their images: OCI layouts in `dir`, and new repositories under
 * HOST/`area`/ of distribution and refreg when they run.
 */
export function imageTargets(dir: string, area: string): ImageTarget[] {
  return [
    {
      name: 'oci layout',
      glob: 'oci:*',
      flags: [],
      image: async () => {
        const path = join(dir, uniqueRepository('layout').replaceAll('/', '-'));
        await pushTestImage(await openLayout(path, { create: true }), { tag: 'v1' });
        return `oci:${path}:v1`;
      },
    },
    ...testRegistries()
      .filter((r) => r.kind === 'distribution' || r.kind === 'refreg')
      .map((r) => ({
        name: r.kind,
        glob: `${r.host}/${area}/*`,
        flags: ['--plain-http'],
        image: async () => {
          const name = `${r.host}/${area}/${uniqueRepository('app').replaceAll('/', '-')}`;
          const opened = await createImageOpener({ plainHttp: true })(`${name}:v1`);
          await pushTestImage(opened.repository, { tag: 'v1' });
          return `${name}:v1`;
        },
      })),
  ];
}
