/** `manifesto copy`: an image with every referrer, between registries and OCI layouts. */
import type { Platform } from '../../oci/descriptor.ts';
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, TRUST_POLICY_OPTION } from '../shared-options.ts';

export const copy: CommandDeclaration = {
  name: 'copy',
  registry: true,
  usage: [
    'copy SRC DST [--platform P] [--types T,...] [--latest-only] [--no-referrers] [--dry-run] [--verify] [--json]',
  ],
  intro: `Copies the image SRC (a single image or an index with every platform) to DST with every referrer,
recursively: manifesto's metadata versions and their signatures, and other tools' artifacts
(cosign, notation, oras, buildx). By digest, so every signature stays valid at DST. SRC and DST are
registry images (host/repo:tag) or OCI layouts (oci:DIR[:tag]), in any combination: registry ->
oci:DIR -> registry is an air-gapped transfer. Blobs and manifests DST has are not copied again, so
a second run copies nothing and an interrupted run is completed by the next. DST without a tag
takes SRC's tag. Afterwards the referrers of each copied manifest are compared by digest; exit 11
names what DST lacks.`,
  options: {
    platform: platformOption(`:
copy only that platform's image (DST's tag names it)`),
    types: {
      type: 'string',
      value: 'T,...',
      help: `only these metadata types (type names or artifact types), with their signatures`,
    },
    'latest-only': { type: 'boolean', help: 'only the latest version of each type' },
    'no-referrers': { type: 'boolean', help: 'the image alone, no metadata (like crane copy)' },
    'dry-run': { type: 'boolean', help: 'say what would be copied; write nothing' },
    verify: {
      type: 'boolean',
      help: `then check the trust policy at DST on the copied image, as manifesto verify
does (exit 9 when a checked type does not verify)`,
    },
    'trust-policy': TRUST_POLICY_OPTION,
    concurrency: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'manifests copied at a time (default 4)',
    },
  },
  run: async (args, context) => {
    const [source, destination] = args.positionals(['src', 'dst']);
    const { copyCommand } = await import('../commands/copy.ts');
    return copyCommand(
      {
        source: source!,
        destination: destination!,
        platform: args.value<Platform>('platform'),
        types: args
          .text('types')
          ?.split(',')
          .map((t) => t.trim())
          .filter((t) => t !== ''),
        latestOnly: args.on('latest-only'),
        referrers: !args.on('no-referrers'),
        dryRun: args.on('dry-run'),
        concurrency: args.value<number>('concurrency'),
        verify: args.on('verify'),
        trustPolicy: args.text('trust-policy'),
      },
      context,
    );
  },
};
