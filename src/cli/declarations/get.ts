/** `manifesto get`: prints (or writes) the content of a version. */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, TRUST_POLICY_OPTION } from '../shared-options.ts';

export const get: CommandDeclaration = {
  name: 'get',
  registry: true,
  usage: ['get IMAGE TYPE [OPTIONS]'],
  intro:
    'Prints the content of the latest version of TYPE for IMAGE, byte for byte, after verifying its digest.',
  options: {
    version: { type: 'string', value: 'DIGEST', help: 'a specific version (see "manifesto history")' },
    output: {
      type: 'string',
      short: 'o',
      value: 'FILE',
      help: `write to FILE instead of standard output: a regular file, replaced atomically;
a FIFO, device, folder or missing folder is refused (exit 2); a version of
several files (oras attach a b) writes each file into an existing FOLDER`,
    },
    force: {
      type: 'boolean',
      help: 'with -o: replace a symbolic link at FILE (the link itself; never its target)',
    },
    platform: platformOption(`;
if it has no version of its own, the index's (noted on stderr as inherited)`),
    'no-inherit': {
      type: 'boolean',
      help: "with --platform: only the platform's own versions, never the index's",
    },
    json: { type: 'boolean', help: 'print the version and its content (text, or base64) as JSON' },
    verify: {
      type: 'boolean',
      help: `only content the trust policy accepts: exit 9 and nothing printed when an
enforcing rule fails (a newer version unsigned, untrusted, expired...);
warn rules print a warning and the latest`,
    },
    'trust-policy': TRUST_POLICY_OPTION,
    'accept-rollback': {
      type: 'boolean',
      help: `with --verify: accept a verified latest older than the one this machine
verified before (else ROLLBACK_DETECTED, exit 9; see "manifesto verify --help")`,
    },
    'trusted-state': {
      type: 'string',
      value: 'PATH',
      help: `with --verify: a shared trusted state (file, or directory holding
trusted-versions.json; default $MANIFESTO_TRUSTED_STATE, else this machine's)`,
    },
  },
  outro: `Without --platform on a multi-platform IMAGE: the index's version; if only platforms have TYPE, an
error naming them (exit 8).`,
  run: async (args, context) => {
    const [image, type] = args.positionals(['image', 'type']);
    const { getCommand } = await import('../commands/get.ts');
    await getCommand(
      {
        image: image!,
        type: type!,
        version: args.text('version'),
        output: args.text('output'),
        force: args.on('force'),
        platform: args.value<Platform>('platform'),
        noInherit: args.on('no-inherit'),
        verify: args.on('verify'),
        trustPolicy: args.text('trust-policy'),
        acceptRollback: args.on('accept-rollback'),
        trustedState: args.text('trusted-state'),
      },
      context,
    );
    return 0;
  },
};
