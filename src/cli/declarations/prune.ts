/** `manifesto prune`: keeps the N newest versions of each type. */
import type { Platform } from '../../oci/descriptor.ts';
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption } from '../shared-options.ts';

export const prune: CommandDeclaration = {
  name: 'prune',
  registry: true,
  usage: ['prune IMAGE --keep N [--type TYPE] [--dry-run] [--platform P] [--json]'],
  intro: 'Deletes all but the N newest versions of each type written by manifesto (or of TYPE only).',
  options: {
    keep: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'how many versions of each type stay (required)',
    },
    type: { type: 'string', value: 'TYPE', help: 'only this type' },
    'dry-run': { type: 'boolean', help: 'print what would be deleted, delete nothing' },
    platform: platformOption(`:
its own versions`),
  },
  run: async (args, context) => {
    const [image] = args.positionals(['image']);
    args.required('keep', 'manifesto prune IMAGE --keep 3');
    const { pruneCommand } = await import('../commands/delete.ts');
    await pruneCommand(
      {
        image: image!,
        type: args.text('type'),
        keep: args.value<number>('keep')!,
        dryRun: args.on('dry-run'),
        platform: args.value<Platform>('platform'),
      },
      context,
    );
    return 0;
  },
};
