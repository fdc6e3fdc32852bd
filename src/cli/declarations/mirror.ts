/** `manifesto mirror`: copy every image a fleet-index query matches, with its metadata. */
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';

export const mirror: CommandDeclaration = {
  name: 'mirror',
  registry: true,
  usage: ['mirror --query EXPR DST-PREFIX [--index PATH] [--concurrency N] [--dry-run] [--json]'],
  intro: `Copies every image the fleet index query EXPR matches (docs/index.md) to DST-PREFIX/<repository>,
under its first tag, with every referrer, as manifesto copy does (docs/copy.md). A matching platform
mirrors its whole multi-platform image. Images already at DST cost their listings only (copy is
idempotent). One line per image on stdout (JSON lines with --json); exit 11 if some failed.`,
  options: {
    query: { type: 'string', value: 'EXPR', help: 'the CEL expression selecting images (index query)' },
    index: { type: 'string', value: 'PATH', help: 'the index file (default $MANIFESTO_INDEX)' },
    concurrency: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'images copied at a time (default 4)',
    },
    types: { type: 'string', value: 'T,...', help: 'only these metadata types, with their signatures' },
    'latest-only': { type: 'boolean', help: 'only the latest version of each type' },
    'dry-run': { type: 'boolean', help: 'say what would be copied; write nothing' },
  },
  run: async (args, context) => {
    const [prefix] = args.positionals(['dst-prefix']);
    const { mirrorCommand } = await import('../commands/mirror.ts');
    return mirrorCommand(
      {
        query: args.required('query', "mirror --query 'vuln.critical == 0' registry.prod/team"),
        prefix: prefix!,
        index: args.text('index'),
        concurrency: args.value<number>('concurrency'),
        types: args
          .text('types')
          ?.split(',')
          .map((t) => t.trim())
          .filter((t) => t !== ''),
        latestOnly: args.on('latest-only'),
        dryRun: args.on('dry-run'),
      },
      context,
    );
  },
};
