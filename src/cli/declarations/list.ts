/** `manifesto list`: the types stored for an image (or many images, or a repository's orphans). */
import type { Platform } from '../../oci/descriptor.ts';
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, TRUST_POLICY_OPTION } from '../shared-options.ts';
import { runBulk } from './run-bulk.ts';

export const list: CommandDeclaration = {
  name: 'list',
  registry: true,
  usage: [
    'list IMAGE [--platform P | --tree] [--json]',
    'list --from REFS.txt [--concurrency N]',
    'list REPO --orphans [--json]',
  ],
  intro: `Lists every type stored for IMAGE (also artifacts attached by oras, cosign and notation) with
the number of versions and the latest one.`,
  options: {
    platform: platformOption(`;
its own types and those it inherits from the index (marked)`),
    tree: {
      type: 'boolean',
      help: `a multi-platform IMAGE: the index's types, then each platform's (alias
--all-platforms)`,
    },
    'all-platforms': { type: 'boolean', help: 'the same as --tree' },
    verify: {
      type: 'boolean',
      help: "whether each type's latest version is signed, by whom, trusted or not",
    },
    'trust-policy': TRUST_POLICY_OPTION,
    from: {
      type: 'string',
      value: 'REFS.txt',
      help: `many images (one reference per line, or - for standard input), --concurrency N
at a time; one JSON line per image on stdout; exit 11 if some failed`,
    },
    concurrency: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'with --from: images at a time (default 8)',
    },
    orphans: {
      type: 'boolean',
      help: `referrers in REPO whose image is gone (found through sha256-<hex> index tags;
a referrers-API registry or a layout cannot list them: said on stderr); remove
each with "manifesto delete REPO@DIGEST --orphan"`,
    },
  },
  run: async (args, context) => {
    if (args.text('from') !== undefined) return runBulk('list', args, context);
    if (args.on('orphans')) {
      const [repository] = args.positionals(['repo']);
      const { listOrphansCommand } = await import('../commands/delete.ts');
      await listOrphansCommand(repository!, context);
      return 0;
    }
    const [image] = args.positionals(['image']);
    if (args.on('verify')) {
      const { listVerifyCommand } = await import('../commands/verified-views.ts');
      return listVerifyCommand(
        {
          image: image!,
          platform: args.value<Platform>('platform'),
          trustPolicy: args.text('trust-policy'),
        },
        context,
      );
    }
    const { listCommand } = await import('../commands/list.ts');
    await listCommand(
      {
        image: image!,
        platform: args.value<Platform>('platform'),
        tree: args.on('tree') || args.on('all-platforms'),
      },
      context,
    );
    return 0;
  },
};
