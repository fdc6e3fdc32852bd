/**
 * `npm run demo`: manifesto's main job on its embedded default, an OCI image layout directory (no
 * registry needed). Creates a layout with a sample image tagged v1.1 in ./demo-layout (or the
 * directory given), then stores, lists and reads metadata with the real CLI.
 *
 *   node scripts/demo.ts [DIR]
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main.ts';
import { openLayout } from '../src/content/layout/oci-layout-repository.ts';
import { pushTestImage } from '../test/support/images.ts';

const given = process.argv[2] ?? 'demo-layout';
const dir = resolve(given);
const image = `oci:${given}:v1.1`;
await rm(dir, { recursive: true, force: true });
const layout = await openLayout(dir, { create: true });
const pushed = await pushTestImage(layout, { tag: 'v1.1', seed: 'demo' });
console.log(`# an OCI image layout with one image: ${image} (${pushed.digest})\n`);

const work = await mkdtemp(join(tmpdir(), 'manifesto-demo-'));
const seccomp = join(work, 'seccomp.json');
writeFileSync(
  seccomp,
  `${JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write', 'exit'], action: 'SCMP_ACT_ALLOW' }] }, null, 2)}\n`,
);
const contact = join(work, 'contact.yaml');
writeFileSync(contact, 'team: payments\nemail: payments@example.com\nchat: "#payments-oncall"\n');

async function run(...argv: string[]): Promise<void> {
  console.log(`$ manifesto ${argv.join(' ')}`);
  const code = await main(argv);
  if (code !== 0) process.exit(code);
  console.log();
}

try {
  await run('put', image, 'seccomp', seccomp);
  await run('put', image, 'contact', contact);
  await run('put', image, 'seccomp', seccomp, '--annotation', 'reviewed-by=security');
  await run('list', image);
  await run('history', image, 'seccomp');
  await run('get', image, 'contact');
  console.log(`# the layout stays in ${dir}; try: node src/cli/bin.ts get ${image} seccomp`);
} finally {
  await rm(work, { recursive: true, force: true });
}
