// Child process for the concurrency tests: opens the layout at argv[2] and pushes `count` manifests,
// each with the subject in argv[3] (JSON, or "-" for none) and, when argv[6] is "tag", a tag
// `w<worker>-<n>`. Prints the pushed digests as JSON.
import { openLayout } from '../../../../src/content/layout/oci-layout-repository.ts';
import type { Descriptor } from '../../../../src/oci/descriptor.ts';
import { pushImage } from './layout-fixtures.ts';

const [path, subjectArg, worker, count, tagging] = process.argv.slice(2);
if (path === undefined || subjectArg === undefined || worker === undefined || count === undefined) {
  throw new Error('usage: push-worker.ts LAYOUT SUBJECT_JSON|- WORKER COUNT [tag]');
}
const subject = subjectArg === '-' ? undefined : (JSON.parse(subjectArg) as Descriptor);
const repo = await openLayout(path, { create: true });
const pushed: string[] = [];
for (let n = 0; n < Number(count); n++) {
  const parts = {
    artifactType: 'application/x-worker',
    annotations: { worker, n: String(n) },
    ...(subject === undefined ? {} : { subject }),
  };
  const desc = await pushImage(repo, parts, tagging === 'tag' ? `w${worker}-${n}` : undefined);
  pushed.push(desc.digest);
}
process.stdout.write(JSON.stringify(pushed));
