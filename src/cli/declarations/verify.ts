/** `manifesto verify`: the latest versions against the trust policy. */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, TRUST_POLICY_OPTION } from '../shared-options.ts';

export const verify: CommandDeclaration = {
  name: 'verify',
  registry: true,
  usage: [
    'verify IMAGE [--type T] [--platform P] [--trust-policy FILE] [--accept-rollback] [--trusted-state PATH] [--json]',
  ],
  intro: `Checks the latest version of each type (or of T) against the trust policy (--trust-policy, else
$MANIFESTO_TRUST_POLICY, else ~/.config/manifesto/trust-policy.yaml; docs/format.md, "Trust policy").
Types whose rule is skip (or that no rule matches) are not checked. Exit 0 only if every checked
version verifies (and no newer version fails to), else 9. --json prints a report per type. The
latest is chosen by what was signed (or by the version manifests), never by the listing's
annotations, which any pusher can edit on registries without the referrers API.

Reading under the policy: get --verify (prints nothing and exits 9 when an enforcing rule fails),
list --verify (who signed each type's latest), history --verify (the verified chain; missing or
re-ordered links are reported, exit 9 under an enforcing rule).

Rollback protection: get --verify, history --verify and verify remember, per repository, subject
and type, the newest version they verified ($MANIFESTO_STATE_DIR, else $XDG_STATE_HOME/manifesto,
else ~/.local/state/manifesto: trusted-versions.json). A verified latest older than the remembered
one (a newer version deleted or withheld) fails with ROLLBACK_DETECTED, exit 9, nothing printed.`,
  options: {
    type: { type: 'string', value: 'T', help: 'only this type' },
    platform: platformOption(),
    'trust-policy': TRUST_POLICY_OPTION,
    'accept-rollback': {
      type: 'boolean',
      help: `accept what is offered now: reset the remembered version (also on get and
history --verify)`,
    },
    'trusted-state': {
      type: 'string',
      value: 'PATH',
      help: `a trusted state shared by several machines (a file, or a directory holding
trusted-versions.json, e.g. on a filesystem every CI runner mounts; default
$MANIFESTO_TRUSTED_STATE, else this machine's file): a fresh machine then
detects a newest version withheld since another one verified it`,
    },
  },
  outro: 'manifesto delete and prune on this machine lower the mark to what remains: not a rollback.',
  run: async (args, context) => {
    const [image] = args.positionals(['image']);
    const { verifyCommand } = await import('../commands/verify.ts');
    return verifyCommand(
      {
        image: image!,
        type: args.text('type'),
        platform: args.value<Platform>('platform'),
        trustPolicy: args.text('trust-policy'),
        acceptRollback: args.on('accept-rollback'),
        trustedState: args.text('trusted-state'),
      },
      context,
    );
  },
};
