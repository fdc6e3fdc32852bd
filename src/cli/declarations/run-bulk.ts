/** `put --from FILE` and `list --from FILE`: many items in one process (src/cli/commands/bulk.ts). */
import type { CommandContext } from '../context.ts';
import type { CommandArgs } from '../declare.ts';

export async function runBulk(
  name: 'put' | 'list',
  args: CommandArgs,
  context: CommandContext,
): Promise<number> {
  if (args.positionalCount > 0) {
    const { usageError } = await import('../../errors/errors.ts');
    throw usageError(
      'ARGS_CONFLICT',
      `${name} --from FILE takes no IMAGE arguments`,
      'Put every item in the file.',
    );
  }
  const options = {
    from: args.text('from')!,
    concurrency: args.value<number>('concurrency'),
    maxSize: args.value<number>('max-size'),
    noValidate: args.on('no-validate'),
    strictTypes: args.on('strict-types'),
  };
  const { bulkPutCommand, bulkListCommand } = await import('../commands/bulk.ts');
  await (name === 'put' ? bulkPutCommand(options, context) : bulkListCommand(options, context));
  return 0;
}
