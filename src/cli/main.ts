/**
 * The CLI front end: parses argv, runs one command (loaded lazily, so that start-up stays fast),
 * and maps every failure to a one-line message and a documented exit code.
 */
import { EXIT_CODES } from '../errors/errors.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { describeQuirks, type RegistryQuirks } from '../registry/registry-quirks.ts';
import { VERSION } from '../version.ts';
import {
  booleanOption,
  type OptionSpecs,
  type ParsedArgs,
  parseAnnotations,
  parseCommandArgs,
  parseSize,
  parseWholeNumber,
  positionals,
  REGISTRY_OPTIONS,
  stringList,
  stringOption,
} from './args.ts';
import type { CommandContext } from './context.ts';
import { reportError } from './errors-output.ts';
import { COMMAND_HELP, GLOBAL_HELP } from './help.ts';
import { type CommandIO, processIO, terminalSafeStream, writeJson, writeLine } from './io.ts';
import { parsePlatformFlag } from './platform-flag.ts';
import { readPasswordFromStdin, registryOptionsFromArgs } from './registry-options.ts';

type Runner = (args: ParsedArgs, context: CommandContext) => Promise<number>;

/** `put --from FILE` / `list --from FILE`: many items in one process (src/cli/commands/bulk.ts). */
async function runBulk(name: 'put' | 'list', args: ParsedArgs, context: CommandContext): Promise<number> {
  const from = stringOption(args, 'from')!;
  if (args.positionals.length > 0) {
    const { usageError } = await import('../errors/errors.ts');
    throw usageError(
      'ARGS_INVALID',
      `${name} --from FILE takes no IMAGE arguments`,
      'Put every item in the file.',
    );
  }
  const concurrency = stringOption(args, 'concurrency');
  const maxSize = stringOption(args, 'max-size');
  const options = {
    from,
    concurrency: concurrency === undefined ? undefined : parseWholeNumber(concurrency, '--concurrency'),
    maxSize: maxSize === undefined ? undefined : parseSize(maxSize, '--max-size'),
    noValidate: booleanOption(args, 'no-validate'),
    strictTypes: booleanOption(args, 'strict-types'),
  };
  const { bulkPutCommand, bulkListCommand } = await import('./commands/bulk.ts');
  await (name === 'put' ? bulkPutCommand(options, context) : bulkListCommand(options, context));
  return 0;
}

interface CommandDefinition {
  options: OptionSpecs;
  /** Whether the command opens images (gets the registry options). */
  registry: boolean;
  run: Runner;
}

const COMMANDS: Readonly<Record<string, CommandDefinition>> = {
  put: {
    registry: true,
    options: {
      'media-type': { type: 'string' },
      annotation: { type: 'string', short: 'a', multiple: true },
      author: { type: 'string' },
      'max-size': { type: 'string' },
      platform: { type: 'string' },
      'all-platforms': { type: 'boolean' },
      'file-per-platform': { type: 'string' },
      'no-validate': { type: 'boolean' },
      'strict-types': { type: 'boolean' },
      'strict-content': { type: 'boolean' },
      sign: { type: 'string' },
      cert: { type: 'string' },
      'sign-format': { type: 'string' },
      expires: { type: 'string' },
      from: { type: 'string' },
      concurrency: { type: 'string' },
    },
    run: async (args, context) => {
      if (stringOption(args, 'from') !== undefined) return runBulk('put', args, context);
      const perPlatform = stringOption(args, 'file-per-platform') !== undefined;
      const [image, type, file] = positionals('put', args, ['image', 'type', 'file'], perPlatform ? 1 : 0);
      const maxSize = stringOption(args, 'max-size');
      const { putCommand } = await import('./commands/put.ts');
      await putCommand(
        {
          image: image!,
          type: type!,
          file: file ?? '',
          mediaType: stringOption(args, 'media-type'),
          annotations: parseAnnotations(stringList(args, 'annotation')),
          author: stringOption(args, 'author'),
          maxSize: maxSize === undefined ? undefined : parseSize(maxSize, '--max-size'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          allPlatforms: booleanOption(args, 'all-platforms'),
          filePerPlatform: stringOption(args, 'file-per-platform'),
          sign: stringOption(args, 'sign'),
          cert: stringOption(args, 'cert'),
          signFormat: stringOption(args, 'sign-format'),
          expires: stringOption(args, 'expires'),
          noValidate: booleanOption(args, 'no-validate'),
          strictTypes: booleanOption(args, 'strict-types'),
          strictContent: booleanOption(args, 'strict-content'),
        },
        context,
      );
      return 0;
    },
  },
  get: {
    registry: true,
    options: {
      version: { type: 'string' },
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      platform: { type: 'string' },
      'no-inherit': { type: 'boolean' },
      verify: { type: 'boolean' },
      'trust-policy': { type: 'string' },
      'accept-rollback': { type: 'boolean' },
      'trusted-state': { type: 'string' },
    },
    run: async (args, context) => {
      const [image, type] = positionals('get', args, ['image', 'type']);
      const { getCommand } = await import('./commands/get.ts');
      await getCommand(
        {
          image: image!,
          type: type!,
          version: stringOption(args, 'version'),
          output: stringOption(args, 'output'),
          force: booleanOption(args, 'force'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          noInherit: booleanOption(args, 'no-inherit'),
          verify: booleanOption(args, 'verify'),
          trustPolicy: stringOption(args, 'trust-policy'),
          acceptRollback: booleanOption(args, 'accept-rollback'),
          trustedState: stringOption(args, 'trusted-state'),
        },
        context,
      );
      return 0;
    },
  },
  list: {
    registry: true,
    options: {
      platform: { type: 'string' },
      tree: { type: 'boolean' },
      'all-platforms': { type: 'boolean' },
      verify: { type: 'boolean' },
      'trust-policy': { type: 'string' },
      from: { type: 'string' },
      concurrency: { type: 'string' },
      orphans: { type: 'boolean' },
    },
    run: async (args, context) => {
      if (stringOption(args, 'from') !== undefined) return runBulk('list', args, context);
      if (booleanOption(args, 'orphans')) {
        const [repository] = positionals('list', args, ['repo']);
        const { listOrphansCommand } = await import('./commands/delete.ts');
        await listOrphansCommand(repository!, context);
        return 0;
      }
      const [image] = positionals('list', args, ['image']);
      if (booleanOption(args, 'verify')) {
        const { listVerifyCommand } = await import('./commands/verified-views.ts');
        return listVerifyCommand(
          {
            image: image!,
            platform: parsePlatformFlag(stringOption(args, 'platform')),
            trustPolicy: stringOption(args, 'trust-policy'),
          },
          context,
        );
      }
      const { listCommand } = await import('./commands/list.ts');
      await listCommand(
        {
          image: image!,
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          tree: booleanOption(args, 'tree') || booleanOption(args, 'all-platforms'),
        },
        context,
      );
      return 0;
    },
  },
  images: {
    registry: true,
    options: {},
    run: async (args, context) => {
      const [layout] = positionals('images', args, ['layout']);
      const { imagesCommand } = await import('./commands/images.ts');
      await imagesCommand({ layout: layout! }, context);
      return 0;
    },
  },
  history: {
    registry: true,
    options: {
      platform: { type: 'string' },
      verify: { type: 'boolean' },
      'trust-policy': { type: 'string' },
      'accept-rollback': { type: 'boolean' },
      'trusted-state': { type: 'string' },
    },
    run: async (args, context) => {
      const [image, type] = positionals('history', args, ['image', 'type']);
      if (booleanOption(args, 'verify')) {
        const { historyVerifyCommand } = await import('./commands/verified-views.ts');
        return historyVerifyCommand(
          {
            image: image!,
            type: type!,
            platform: parsePlatformFlag(stringOption(args, 'platform')),
            trustPolicy: stringOption(args, 'trust-policy'),
            acceptRollback: booleanOption(args, 'accept-rollback'),
            trustedState: stringOption(args, 'trusted-state'),
          },
          context,
        );
      }
      const { historyCommand } = await import('./commands/history.ts');
      await historyCommand(
        { image: image!, type: type!, platform: parsePlatformFlag(stringOption(args, 'platform')) },
        context,
      );
      return 0;
    },
  },
  delete: {
    registry: true,
    options: {
      version: { type: 'string' },
      all: { type: 'boolean' },
      'all-types': { type: 'boolean' },
      orphan: { type: 'boolean' },
      platform: { type: 'string' },
    },
    run: async (args, context) => {
      const allTypes = booleanOption(args, 'all-types');
      if (booleanOption(args, 'orphan')) {
        const [reference] = positionals('delete', args, ['repo@digest']);
        const { deleteOrphanCommand } = await import('./commands/delete.ts');
        await deleteOrphanCommand(reference!, context);
        return 0;
      }
      const [image, type] = positionals('delete', args, allTypes ? ['image'] : ['image', 'type']);
      const { deleteCommand } = await import('./commands/delete.ts');
      await deleteCommand(
        {
          image: image!,
          type: type,
          allTypes,
          version: stringOption(args, 'version'),
          all: booleanOption(args, 'all'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
        },
        context,
      );
      return 0;
    },
  },
  prune: {
    registry: true,
    options: {
      keep: { type: 'string' },
      type: { type: 'string' },
      'dry-run': { type: 'boolean' },
      platform: { type: 'string' },
    },
    run: async (args, context) => {
      const [image] = positionals('prune', args, ['image']);
      const keep = stringOption(args, 'keep');
      if (keep === undefined) {
        const { usageError } = await import('../errors/errors.ts');
        throw usageError(
          'ARGS_INVALID',
          'prune: --keep N is required',
          'e.g. manifesto prune IMAGE --keep 3',
        );
      }
      const { pruneCommand } = await import('./commands/delete.ts');
      await pruneCommand(
        {
          image: image!,
          type: stringOption(args, 'type'),
          keep: parseWholeNumber(keep, '--keep'),
          dryRun: booleanOption(args, 'dry-run'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
        },
        context,
      );
      return 0;
    },
  },
  sign: {
    registry: true,
    options: {
      key: { type: 'string' },
      cert: { type: 'string' },
      'sign-format': { type: 'string' },
      version: { type: 'string' },
      expires: { type: 'string' },
      platform: { type: 'string' },
    },
    run: async (args, context) => {
      const [image, type] = positionals('sign', args, ['image', 'type']);
      const key = stringOption(args, 'key');
      if (key === undefined) {
        const { usageError } = await import('../errors/errors.ts');
        throw usageError(
          'ARGS_INVALID',
          'sign: --key FILE is required',
          'e.g. manifesto sign IMAGE vuln --key scanner.key',
        );
      }
      const { signCommand } = await import('./commands/sign.ts');
      await signCommand(
        {
          image: image!,
          type: type!,
          keyFile: key,
          certFile: stringOption(args, 'cert'),
          format: stringOption(args, 'sign-format'),
          version: stringOption(args, 'version'),
          expires: stringOption(args, 'expires'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
        },
        context,
      );
      return 0;
    },
  },
  verify: {
    registry: true,
    options: {
      type: { type: 'string' },
      platform: { type: 'string' },
      'trust-policy': { type: 'string' },
      'accept-rollback': { type: 'boolean' },
      'trusted-state': { type: 'string' },
    },
    run: async (args, context) => {
      const [image] = positionals('verify', args, ['image']);
      const { verifyCommand } = await import('./commands/verify.ts');
      return verifyCommand(
        {
          image: image!,
          type: stringOption(args, 'type'),
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          trustPolicy: stringOption(args, 'trust-policy'),
          acceptRollback: booleanOption(args, 'accept-rollback'),
          trustedState: stringOption(args, 'trusted-state'),
        },
        context,
      );
    },
  },
  key: {
    registry: false,
    options: {
      out: { type: 'string' },
      algorithm: { type: 'string' },
      subject: { type: 'string' },
      days: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      force: { type: 'boolean' },
    },
    run: async (args, context) => {
      const [action] = positionals('key', args, ['action']);
      const out = stringOption(args, 'out');
      const { usageError } = await import('../errors/errors.ts');
      if (action !== 'generate') {
        throw usageError(
          'ARGS_INVALID',
          `unknown key action "${action}"`,
          'Use: manifesto key generate --out NAME',
        );
      }
      if (out === undefined) {
        throw usageError(
          'ARGS_INVALID',
          'key generate: --out NAME is required',
          'e.g. manifesto key generate --out qa',
        );
      }
      const days = stringOption(args, 'days');
      const password = booleanOption(args, 'password-stdin')
        ? await readPasswordFromStdin(context.io)
        : undefined;
      const { keyGenerateCommand } = await import('./commands/key.ts');
      await keyGenerateCommand(
        {
          out,
          algorithm: stringOption(args, 'algorithm'),
          subject: stringOption(args, 'subject'),
          days: days === undefined ? undefined : parseWholeNumber(days, '--days'),
          password,
          force: booleanOption(args, 'force'),
        },
        context,
      );
      return 0;
    },
  },
  login: {
    registry: true,
    options: {},
    run: async (args, context) => {
      const [registry] = positionals('login', args, ['registry']);
      const { loginCommand } = await import('./commands/login.ts');
      await loginCommand({ registry: registry! }, context);
      return 0;
    },
  },
  logout: {
    registry: false,
    // Scripts pass the same registry flags to every command: accept (and ignore) them here too.
    options: REGISTRY_OPTIONS,
    run: async (args, context) => {
      const [registry] = positionals('logout', args, ['registry']);
      const { logoutCommand } = await import('./commands/login.ts');
      await logoutCommand({ registry: registry! }, context);
      return 0;
    },
  },
  show: {
    registry: true,
    options: {
      platform: { type: 'string' },
      verify: { type: 'boolean' },
      'trust-policy': { type: 'string' },
    },
    run: async (args, context) => {
      const [image, type] = positionals('show', args, ['image', 'type']);
      const { showCommand } = await import('./commands/show.ts');
      await showCommand(
        {
          image: image!,
          type: type!,
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          verify: booleanOption(args, 'verify'),
          trustPolicy: stringOption(args, 'trust-policy'),
        },
        context,
      );
      return 0;
    },
  },
  check: {
    registry: true,
    options: {
      policy: { type: 'string' },
      platform: { type: 'string' },
      'all-platforms': { type: 'boolean' },
      record: { type: 'boolean' },
      sign: { type: 'string' },
      cert: { type: 'string' },
      'sign-format': { type: 'string' },
      author: { type: 'string' },
      'trust-policy': { type: 'string' },
      'trusted-state': { type: 'string' },
    },
    run: async (args, context) => {
      const [image] = positionals('check', args, ['image']);
      const policy = stringOption(args, 'policy');
      if (policy === undefined) {
        const { usageError } = await import('../errors/errors.ts');
        throw usageError(
          'ARGS_INVALID',
          'check: --policy FILE is required',
          'e.g. manifesto check IMAGE --policy deploy-policy.yaml',
        );
      }
      const { checkCommand } = await import('./commands/check.ts');
      return checkCommand(
        {
          image: image!,
          policy,
          platform: parsePlatformFlag(stringOption(args, 'platform')),
          allPlatforms: booleanOption(args, 'all-platforms'),
          record: booleanOption(args, 'record'),
          sign: stringOption(args, 'sign'),
          cert: stringOption(args, 'cert'),
          signFormat: stringOption(args, 'sign-format'),
          author: stringOption(args, 'author'),
          trustPolicy: stringOption(args, 'trust-policy'),
          trustedState: stringOption(args, 'trusted-state'),
        },
        context,
      );
    },
  },
  index: {
    registry: true,
    options: {
      index: { type: 'string' },
      from: { type: 'string' },
      concurrency: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      count: { type: 'boolean' },
      explain: { type: 'boolean' },
      fields: { type: 'boolean' },
      csv: { type: 'boolean' },
    },
    run: async (args, context) => {
      const [action, ...rest] = args.positionals;
      const index = stringOption(args, 'index');
      const number = (flag: string) => {
        const text = stringOption(args, flag);
        return text === undefined ? undefined : parseWholeNumber(text, `--${flag}`);
      };
      const commands = await import('./commands/fleet-index.ts');
      if (action === 'sync') {
        return commands.indexSyncCommand(
          { index, targets: rest, from: stringOption(args, 'from'), concurrency: number('concurrency') },
          context,
        );
      }
      if (action === 'query') {
        const fields = booleanOption(args, 'fields');
        const [expression] = positionals('index query', { ...args, positionals: rest }, ['expression'], 1);
        return commands.indexQueryCommand(
          {
            index,
            expression: fields ? undefined : expression,
            limit: number('limit'),
            cursor: stringOption(args, 'cursor'),
            count: booleanOption(args, 'count'),
            explain: booleanOption(args, 'explain'),
            fields,
            csv: booleanOption(args, 'csv'),
          },
          context,
        );
      }
      if ((action === 'status' || action === 'drop') && rest.length === 0) {
        await (action === 'status' ? commands.indexStatusCommand : commands.indexDropCommand)(
          { index },
          context,
        );
        return 0;
      }
      const { usageError } = await import('../errors/errors.ts');
      throw usageError(
        'ARGS_INVALID',
        action === undefined ? 'index: which action?' : `index: unknown action "${action}"`,
        'manifesto index sync TARGET... | status | query EXPR | drop (see manifesto index --help)',
      );
    },
  },
  version: {
    registry: false,
    options: {},
    run: async (_args, context) => {
      if (context.json) writeJson(context.io.stdout, { version: VERSION, node: process.versions.node });
      else writeLine(context.io.stdout, `manifesto ${VERSION}`);
      return 0;
    },
  },
};

export interface MainOptions {
  /** Clock for commands (tests). */
  now?: () => Date;
  /** Registry options that override the flags (tests: request counting, settle time). */
  client?: ClientOptions;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  processStreams: CommandIO = processIO(),
  options: MainOptions = {},
): Promise<number> {
  const io = { ...processStreams, stderr: terminalSafeStream(processStreams.stderr) };
  const [name, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug');
  // --debug: what each registry turned out to do, printed at the end (docs/format.md).
  const registries: RegistryQuirks[] = [];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const text = topic !== undefined ? COMMAND_HELP[topic] : undefined;
    (name === undefined ? io.stderr : io.stdout).write(`${text ?? GLOBAL_HELP}\n`);
    return name === undefined ? EXIT_CODES.usage : 0;
  }
  if (name === '--version' || name === '-v') {
    writeLine(io.stdout, `manifesto ${VERSION}`);
    return 0;
  }
  try {
    const command = COMMANDS[name];
    if (command === undefined) {
      const { usageError } = await import('../errors/errors.ts');
      throw usageError(
        'COMMAND_UNKNOWN',
        `unknown command "${name}"`,
        'Run "manifesto --help" for the commands.',
      );
    }
    const args = parseCommandArgs(
      name,
      rest,
      command.registry ? { ...REGISTRY_OPTIONS, ...command.options } : command.options,
    );
    if (booleanOption(args, 'help')) {
      writeLine(io.stdout, COMMAND_HELP[name] ?? GLOBAL_HELP);
      return 0;
    }
    const json = booleanOption(args, 'json');
    let client: ClientOptions = { env: io.env };
    let openImage: CommandContext['openImage'] = async () => {
      throw new Error(`${name} opens no images`);
    };
    if (command.registry) {
      const password = booleanOption(args, 'password-stdin') ? await readPasswordFromStdin(io) : undefined;
      const warned = new Set<string>();
      const warn = (message: string) => {
        if (warned.has(message)) return;
        warned.add(message);
        io.stderr.write(`warning: ${message}\n`);
      };
      client = { ...registryOptionsFromArgs(args, io, password), warn, ...options.client };
      if (debug) client.onRegistry = (record) => registries.push(record);
      const { createImageOpener } = await import('../open/open-image.ts');
      openImage = createImageOpener(client);
    }
    return await command.run(args, { io, json, openImage, client, now: options.now });
  } catch (error) {
    return reportError(error, io, { json: wantsJson, debug });
  } finally {
    for (const record of registries) io.stderr.write(`debug: ${describeQuirks(record)}\n`);
  }
}
