/**
 * The CLI front end: parses argv against the command's declaration (src/cli/declarations/; loaded
 * lazily with the command's code, so that start-up stays fast), runs it, and maps every failure to a
 * one-line message and a documented exit code.
 */
import { EXIT_CODES } from '../errors/errors.ts';
import type { ClientOptions } from '../open/client-options.ts';
import { describeQuirks, type RegistryQuirks } from '../registry/registry-quirks.ts';
import { VERSION } from '../version.ts';
import { COMMANDS } from './commands.ts';
import type { CommandContext } from './context.ts';
import { acceptedOptions, commandHelp, parseCommandLine } from './declare.ts';
import { reportError } from './errors-output.ts';
import { GLOBAL_HELP } from './help.ts';
import { type CommandIO, processIO, terminalSafeStream, writeLine } from './io.ts';
import { readPasswordFromStdin, registryOptionsFromArgs } from './registry-options.ts';
import { REGISTRY_OPTIONS } from './shared-options.ts';

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
  // Not a spread: that would read stdin, which io.ts keeps lazy.
  const io: CommandIO = {
    stdout: processStreams.stdout,
    stderr: terminalSafeStream(processStreams.stderr),
    get stdin() {
      return processStreams.stdin;
    },
    env: processStreams.env,
    interactive: processStreams.interactive,
  };
  const [name, ...rest] = argv;
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug');
  // --debug: what each registry turned out to do, printed at the end (docs/format.md).
  const registries: RegistryQuirks[] = [];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]]?.load : undefined;
    const text = topic === undefined ? GLOBAL_HELP : commandHelp(await topic(), REGISTRY_OPTIONS);
    (name === undefined ? io.stderr : io.stdout).write(`${text}\n`);
    return name === undefined ? EXIT_CODES.usage : 0;
  }
  if (name === '--version' || name === '-v') {
    writeLine(io.stdout, `manifesto ${VERSION}`);
    return 0;
  }
  try {
    const load = COMMANDS[name]?.load;
    if (load === undefined) {
      const { usageError } = await import('../errors/errors.ts');
      throw usageError(
        'COMMAND_UNKNOWN',
        `unknown command "${name}"`,
        'Run "manifesto --help" for the commands.',
      );
    }
    const command = await load();
    const args = parseCommandLine(name, rest, acceptedOptions(command, REGISTRY_OPTIONS), io.env);
    if (args.on('help')) {
      writeLine(io.stdout, commandHelp(command, REGISTRY_OPTIONS));
      return 0;
    }
    const json = args.on('json');
    let client: ClientOptions = { env: io.env };
    let openImage: CommandContext['openImage'] = async () => {
      throw new Error(`${name} opens no images`);
    };
    if (command.registry && command.opensImages !== false) {
      const password = args.on('password-stdin') ? await readPasswordFromStdin(io) : undefined;
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
