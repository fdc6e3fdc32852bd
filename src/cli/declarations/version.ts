/** `manifesto version`. */
import { VERSION } from '../../version.ts';
import type { CommandDeclaration } from '../declare.ts';
import { writeJson, writeLine } from '../io.ts';

export const version: CommandDeclaration = {
  name: 'version',
  registry: false,
  usage: ['version [--json]'],
  intro: 'Prints the version of manifesto (with --json, also of Node).',
  options: {},
  run: async (_args, context) => {
    if (context.json) writeJson(context.io.stdout, { version: VERSION, node: process.versions.node });
    else writeLine(context.io.stdout, `manifesto ${VERSION}`);
    return 0;
  },
};
