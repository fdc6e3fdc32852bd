// The Repository behaviour suite against the OCI image layout backend (src/content/layout).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { blobPath } from '../../../src/content/layout/blob-store.ts';
import { openLayout } from '../../../src/content/layout/oci-layout-repository.ts';
import { describeRepositoryBehaviour } from './repository-behaviour.ts';

const root = mkdtempSync(join(tmpdir(), 'manifesto-behaviour-layout-'));
after(() => rmSync(root, { recursive: true, force: true }));

describeRepositoryBehaviour(
  'layout',
  async (repoName) => openLayout(join(root, repoName), { create: true }),
  {
    // Flip the first byte of the stored file: the layout must notice on read.
    corrupt: async (repoName, repository, digest) => {
      const file = blobPath(join(root, repoName), digest);
      const bytes = readFileSync(file);
      bytes[0] = bytes[0]! ^ 0xff;
      writeFileSync(file, bytes);
      return repository;
    },
  },
);
