// Child process of concurrent-writers.test.ts: loads everything, prints "ready", waits for
// "go <epoch ms>" on stdin and that moment, then pushes one referrer manifest for the given subject
// and prints {digest, requests, writes, ms} as JSON.
import { createInterface } from 'node:readline';
import type { Descriptor } from '../../../../src/oci/descriptor.ts';
import { OCI_MANIFEST } from '../../../../src/oci/media-types.ts';
import type { TestRegistry } from '../../../support/registries.ts';
import { referrerManifest } from '../../behaviour/content.ts';
import { RequestLog, registryRepository } from './registry-repositories.ts';

interface ChildInput {
  registry: TestRegistry;
  repository: string;
  subject: Descriptor;
  index: number;
  /** Read the listing first and pass its state (as metadata writers do). */
  withState: boolean;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const log = new RequestLog();
const repo = registryRepository(input.registry, input.repository, {
  log,
  options: {
    // Every step goes to stderr, as JSON lines, for the parent to keep when a write is lost.
    tagSchema: {
      trace: (event) => process.stderr.write(`${JSON.stringify({ writer: input.index, ...event })}\n`),
    },
  },
});
const bytes = referrerManifest(input.subject, 'application/vnd.example.race', `writer-${input.index}`);

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
const [go] = await lines[Symbol.asyncIterator]()
  .next()
  .then((r) => [String(r.value ?? '')]);
lines.close();
const startAt = Number(go?.split(' ')[1]);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
const started = performance.now();
const state = input.withState ? (await repo.referrers(input.subject.digest)).state : undefined;
const descriptor = await repo.pushManifest(bytes, { mediaType: OCI_MANIFEST, referrersState: state });
process.stdout.write(
  `${JSON.stringify({
    digest: descriptor.digest,
    requests: log.count,
    writes: log.events.filter((e) => e.method === 'PUT' && e.url.includes('/manifests/sha256-')).length,
    ms: Math.round(performance.now() - started),
  })}\n`,
);
