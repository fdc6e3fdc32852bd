// Images as sync writes them, for the store and query tests (real node:sqlite in a temp dir).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../src/fleet/sqlite-store.ts';
import type { ImageFacts, IndexedImage, IndexStore } from '../../../src/fleet/store.ts';

export const digestOf = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;

export function noFacts(): ImageFacts {
  return {
    vulnScannedAt: '',
    findings: [],
    packages: [],
    provenance: { builder: '', source: '', commit: '' },
    approvals: [],
    deployments: [],
    lifecycle: { status: '', endOfLife: '' },
    contactTeam: '',
  };
}

export function image(
  n: number,
  facts: Partial<ImageFacts> = {},
  more: Partial<IndexedImage> = {},
): IndexedImage {
  return {
    digest: digestOf(n),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    platform: 'linux/amd64',
    parentIndex: '',
    tags: [`v${n}`],
    listingKey: `key-${n}`,
    versions: [],
    facts: { ...noFacts(), ...facts },
    ...more,
  };
}

export function tempStore(): { store: IndexStore; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'manifesto-fleet-'));
  const store = openSqliteStore(join(dir, 'index.db'));
  return {
    store,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
