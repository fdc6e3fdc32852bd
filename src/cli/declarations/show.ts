/** `manifesto show`: a summary of the latest version (well-known kinds normalised). */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { parsePlatformFlag } from '../platform-flag.ts';
import { TRUST_POLICY_OPTION } from '../shared-options.ts';

export const show: CommandDeclaration = {
  name: 'show',
  registry: true,
  usage: ['show IMAGE TYPE [--platform P] [--verify [--trust-policy FILE]] [--json]'],
  intro: `Summarises the latest version of TYPE for IMAGE. Well-known kinds (vuln, vex, sbom, provenance,
approval, seccomp, apparmor, contact, deployment, lifecycle; docs/kinds.md) are normalised and
summarised; --json prints the normalised shape. approval and deployment are records from many
writers: every version is merged (the latest approval per gate, the latest deployment per environment
and cluster, each with its version). Other types: media type, size and the first lines.`,
  options: {
    platform: {
      type: 'string',
      value: 'P',
      parse: parsePlatformFlag,
      help: `the image for platform P of a multi-platform IMAGE (else the index's version,
noted as inherited)`,
    },
    verify: {
      type: 'boolean',
      help: `read under the trust policy, as get --verify; approval and deployment
merge only the versions that verify (the others named on stderr)`,
    },
    'trust-policy': { ...TRUST_POLICY_OPTION, help: `${TRUST_POLICY_OPTION.help}; implies --verify` },
    json: { type: 'boolean', help: 'the normalised content as JSON' },
  },
  run: async (args, context) => {
    const [image, type] = args.positionals(['image', 'type']);
    const { showCommand } = await import('../commands/show.ts');
    await showCommand(
      {
        image: image!,
        type: type!,
        platform: args.value<Platform>('platform'),
        verify: args.on('verify'),
        trustPolicy: args.text('trust-policy'),
      },
      context,
    );
    return 0;
  },
};
