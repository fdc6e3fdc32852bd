/** `manifesto index`: the fleet index (sync, status, query, drop; docs/index.md). */
import { usageError } from '../../errors/errors.ts';
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';
import { TRUST_POLICY_OPTION } from '../shared-options.ts';

export const fleetIndex: CommandDeclaration = {
  name: 'index',
  registry: true,
  usage: [
    'index sync TARGET... [--from FILE] [--concurrency N] [--trust-policy FILE]',
    'index status',
    'index query EXPR [--limit N] [--cursor C] [--count] [--explain] [--csv]',
    'index query [EXPR] --vulnerability ID | --package P | --missing T | --unsigned T | --unverified T | --stale DAYS | --pending GATE | --deployed ENV | --prunable DAYS',
    'index query --fields',
    'index drop',
  ],
  intro: `The fleet index: a local, rebuildable cache of the images and metadata of registries and layouts,
for questions across every image (docs/index.md).
  sync TARGET...         read into the index: host[:port] (every repository, from /v2/_catalog),
                         host/prefix/ (the catalog's repositories under prefix/), host/team/app (one
                         repository), oci:DIR (a layout); unchanged images cost one listing each
  status                 what is indexed, when each registry was last synced, errors
  query EXPR             images for which the CEL expression is true, e.g.
                           '"production" in deployment.environments && vuln.critical > 0'
                           '"CVE-2024-0727" in vuln.ids'   '!("vuln" in signed)'
  drop                   remove the index file (the next sync rebuilds it)`,
  options: {
    from: {
      type: 'string',
      value: 'FILE',
      help: 'sync: more targets, one per line (for registries that refuse the catalog)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'sync: requests in flight per repository (default 8)',
    },
    'trust-policy': {
      ...TRUST_POLICY_OPTION,
      help: 'sync: verify the latest version of each type under this trust policy (default $MANIFESTO_TRUST_POLICY, else ~/.config/manifesto/trust-policy.yaml if it exists)',
    },
    fields: { type: 'boolean', help: 'query: the fields a query may use, with their types' },
    limit: {
      type: 'string',
      value: 'N',
      parse: parseWholeNumber,
      help: 'query: at most N images (default 100)',
    },
    cursor: { type: 'string', value: 'C', help: 'query: continue after the last page' },
    count: { type: 'boolean', help: 'query: print the number of matching images' },
    explain: { type: 'boolean', help: 'query: show which parts run as SQL and which in process' },
    csv: { type: 'boolean', help: 'query: CSV' },
    vulnerability: {
      type: 'string',
      value: 'ID',
      help: 'query: images with this vulnerability (not VEX-suppressed)',
    },
    package: {
      type: 'string',
      value: 'NAME|PURL',
      help: 'query: images with this package (SBOM or scan); a purl without @version: any version',
    },
    missing: { type: 'string', value: 'TYPE', help: 'query: images without metadata of TYPE' },
    unsigned: {
      type: 'string',
      value: 'TYPE',
      help: 'query: images whose latest TYPE has no signature (or no TYPE)',
    },
    unverified: {
      type: 'string',
      value: 'TYPE',
      help: 'query: images whose latest TYPE does not verify under the trust policy of the last sync',
    },
    stale: {
      type: 'string',
      value: 'DAYS',
      parse: parseWholeNumber,
      help: 'query: deployed images whose vuln report is older than DAYS (or missing)',
    },
    pending: { type: 'string', value: 'GATE', help: 'query: images whose GATE approval is pending' },
    deployed: { type: 'string', value: 'ENV', help: 'query: images deployed in ENV now' },
    prunable: {
      type: 'string',
      value: 'DAYS',
      parse: parseWholeNumber,
      help: 'query: not deployed, and deprecated/end-of-life/prunable or undeployed for DAYS',
    },
    json: { type: 'boolean', help: 'query: JSON lines (one image per line, with indexedAt and checkedAt)' },
    index: {
      type: 'string',
      value: 'PATH',
      env: 'MANIFESTO_INDEX',
      help: 'the index file (default $MANIFESTO_INDEX, else $MANIFESTO_STATE_DIR/index.db)',
    },
  },
  outro: 'Exit codes: 2 for an invalid query (naming the column), 11 when some repositories failed to sync.',
  run: async (args, context) => {
    const [action, ...rest] = args.positionalValues;
    const index = args.text('index');
    if (action === 'sync') {
      const { indexSyncCommand } = await import('../commands/fleet-index.ts');
      return indexSyncCommand(
        {
          index,
          targets: rest,
          from: args.text('from'),
          concurrency: args.value<number>('concurrency'),
          trustPolicy: args.text('trust-policy'),
        },
        context,
      );
    }
    if (action === 'query') {
      const fields = args.on('fields');
      const [, expression] = args.positionals(['action', 'expression'], 1);
      const { indexQueryCommand } = await import('../commands/fleet-index.ts');
      return indexQueryCommand(
        {
          index,
          expression: fields ? undefined : expression,
          limit: args.value<number>('limit'),
          cursor: args.text('cursor'),
          count: args.on('count'),
          explain: args.on('explain'),
          fields,
          csv: args.on('csv'),
          questions: {
            vulnerability: args.text('vulnerability'),
            package: args.text('package'),
            missing: args.text('missing'),
            unsigned: args.text('unsigned'),
            unverified: args.text('unverified'),
            staleDays: args.value<number>('stale'),
            pending: args.text('pending'),
            deployed: args.text('deployed'),
            prunableDays: args.value<number>('prunable'),
          },
        },
        context,
      );
    }
    if ((action === 'status' || action === 'drop') && rest.length === 0) {
      const commands = await import('../commands/fleet-index.ts');
      await (action === 'status' ? commands.indexStatusCommand : commands.indexDropCommand)(
        { index },
        context,
      );
      return 0;
    }
    throw usageError(
      action === undefined || action === 'status' || action === 'drop'
        ? 'ARGS_POSITIONALS'
        : 'ARGS_UNKNOWN_ACTION',
      action === undefined ? 'index: which action?' : `index: unknown action "${action}"`,
      'manifesto index sync TARGET... | status | query EXPR | drop (see manifesto index --help)',
    );
  },
};
