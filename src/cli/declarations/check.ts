/** `manifesto check`: the deployment gate. */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, SIGNING_OPTIONS, TRUST_POLICY_OPTION } from '../shared-options.ts';

export const check: CommandDeclaration = {
  name: 'check',
  registry: true,
  usage: [
    'check IMAGE --policy FILE [--platform P | --all-platforms] [--trust-policy FILE] [--json] [--record [--sign KEY [--cert CRT]]]',
    'check --query EXPR --policy FILE [--index PATH] [--trust-policy FILE] [--json] [--record ...]',
  ],
  intro: `Evaluates the deployment policy FILE (YAML; docs/policy.md) against IMAGE's metadata: rules require,
maxAge, vulnerabilities (maxSeverity, noFixable, allow, VEX), approvals, provenance, signedBy, cel.
Prints each rule's verdict and reason. Exit 0 allow, 10 deny, 2 malformed policy, other codes errors.`,
  options: {
    policy: { type: 'string', value: 'FILE', help: 'the policy file (required)' },
    platform: platformOption(': only that platform'),
    'all-platforms': {
      type: 'boolean',
      help: `every platform (the default for a multi-platform IMAGE); each platform uses its
own metadata, else the index's; IMAGE passes only if every platform passes`,
    },
    'trust-policy': {
      ...TRUST_POLICY_OPTION,
      help: `for signedBy rules, whose authorities are the trust policy's (default
$MANIFESTO_TRUST_POLICY, ~/.config/manifesto/trust-policy.yaml); the types
they name are read at their latest verified version, by the signed chain`,
    },
    'trusted-state': {
      type: 'string',
      value: 'PATH',
      help: 'the trusted state those reads compare with and advance (as verify)',
    },
    record: { type: 'boolean', help: 'store the decision as a new "decision" version of IMAGE' },
    sign: { type: 'string', value: 'KEY', help: 'sign the recorded decision (as put --sign)' },
    cert: SIGNING_OPTIONS.cert!,
    'sign-format': SIGNING_OPTIONS['sign-format']!,
    author: { type: 'string', value: 'NAME', help: 'who records the decision' },
    json: { type: 'boolean', help: 'the decision as JSON' },
    query: {
      type: 'string',
      value: 'EXPR',
      help: 'instead of IMAGE: every image of the fleet index the query selects (docs/index.md); exit 10 if any is denied',
    },
    index: {
      type: 'string',
      value: 'PATH',
      env: 'MANIFESTO_INDEX',
      help: 'with --query: the fleet index file (default $MANIFESTO_INDEX, else $MANIFESTO_STATE_DIR/index.db)',
    },
  },
  run: async (args, context) => {
    // The flags one image and a query of the fleet index share.
    const checkFlags = () => ({
      platform: args.value<Platform>('platform'),
      allPlatforms: args.on('all-platforms'),
      record: args.on('record'),
      sign: args.text('sign'),
      cert: args.text('cert'),
      signFormat: args.text('sign-format'),
      author: args.text('author'),
      trustPolicy: args.text('trust-policy'),
      trustedState: args.text('trusted-state'),
    });
    const query = args.text('query');
    if (query !== undefined) {
      args.positionals([]);
      const { fleetCheckCommand } = await import('../commands/fleet-check.ts');
      return fleetCheckCommand(
        {
          query,
          index: args.text('index'),
          policy: args.required('policy', 'manifesto check --query EXPR --policy deploy-policy.yaml'),
          ...checkFlags(),
        },
        context,
      );
    }
    const [image] = args.positionals(['image']);
    const policy = args.required('policy', 'manifesto check IMAGE --policy deploy-policy.yaml');
    const { checkCommand } = await import('../commands/check.ts');
    return checkCommand(
      {
        image: image!,
        policy,
        ...checkFlags(),
      },
      context,
    );
  },
};
