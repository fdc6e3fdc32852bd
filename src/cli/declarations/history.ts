/** `manifesto history`: every version of a type, newest first (with --verify: the verified chain). */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, TRUST_POLICY_OPTION } from '../shared-options.ts';

export const history: CommandDeclaration = {
  name: 'history',
  registry: true,
  usage: ['history IMAGE TYPE [--platform P] [--verify [--trust-policy FILE]] [--json]'],
  intro: `Lists every version of TYPE for IMAGE, newest first. With --verify: each version's trust, and the
verified chain (each signed version names the one it superseded); a missing link (deleted version),
a re-ordered or replayed version and an unverified newer version are reported (exit 9 when the rule
enforces), and a signed latest older than the one this machine verified before (ROLLBACK_DETECTED;
--accept-rollback accepts it; --trusted-state PATH: a shared trusted state).`,
  options: {
    platform: platformOption(`:
its own versions`),
    verify: { type: 'boolean', help: "each version's trust and the verified chain" },
    'trust-policy': TRUST_POLICY_OPTION,
    'accept-rollback': {
      type: 'boolean',
      help: 'with --verify: accept a verified latest older than the one verified before',
    },
    'trusted-state': {
      type: 'string',
      value: 'PATH',
      help: `with --verify: a shared trusted state (file, or directory holding
trusted-versions.json; default $MANIFESTO_TRUSTED_STATE, else this machine's)`,
    },
  },
  run: async (args, context) => {
    const [image, type] = args.positionals(['image', 'type']);
    const platform = args.value<Platform>('platform');
    if (args.on('verify')) {
      const { historyVerifyCommand } = await import('../commands/verified-views.ts');
      return historyVerifyCommand(
        {
          image: image!,
          type: type!,
          platform,
          trustPolicy: args.text('trust-policy'),
          acceptRollback: args.on('accept-rollback'),
          trustedState: args.text('trusted-state'),
        },
        context,
      );
    }
    const { historyCommand } = await import('../commands/history.ts');
    await historyCommand({ image: image!, type: type!, platform }, context);
    return 0;
  },
};
