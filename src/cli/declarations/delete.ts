/** `manifesto delete`: a version, all versions of a type, every type, or an orphaned referrer. */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption } from '../shared-options.ts';

export const deleteDeclaration: CommandDeclaration = {
  name: 'delete',
  registry: true,
  usage: [
    'delete IMAGE TYPE [--version DIGEST | --all] [--platform P] [--json]',
    'delete IMAGE --all-types [--platform P] [--json]',
    'delete REPO@DIGEST --orphan [--json]',
  ],
  intro: `Deletes the latest version of TYPE (the previous one becomes the latest), the given version, or all.
--all-types deletes every manifesto version of every type of IMAGE with their signatures, in one
batch (e.g. before deleting the image, so no metadata is left orphaned); other tools' referrers stay.
--orphan deletes the referrer DIGEST whose subject is gone (the image was deleted first), with its
listing entry; refused when the subject exists.
This machine's record of the newest verified version is lowered to what remains (not a rollback).`,
  options: {
    version: { type: 'string', value: 'DIGEST', help: 'this version instead of the latest' },
    all: { type: 'boolean', help: 'every version of TYPE' },
    'all-types': { type: 'boolean', help: 'every manifesto version of every type of IMAGE' },
    orphan: { type: 'boolean', help: 'the referrer REPO@DIGEST, whose subject is gone' },
    platform: platformOption(`:
its own versions`),
  },
  run: async (args, context) => {
    const allTypes = args.on('all-types');
    if (args.on('orphan')) {
      const [reference] = args.positionals(['repo@digest']);
      const { deleteOrphanCommand } = await import('../commands/delete.ts');
      await deleteOrphanCommand(reference!, context);
      return 0;
    }
    const [image, type] = args.positionals(allTypes ? ['image'] : ['image', 'type']);
    const { deleteCommand } = await import('../commands/delete.ts');
    await deleteCommand(
      {
        image: image!,
        type,
        allTypes,
        version: args.text('version'),
        all: args.on('all'),
        platform: args.value<Platform>('platform'),
      },
      context,
    );
    return 0;
  },
};
