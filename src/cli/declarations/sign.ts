/** `manifesto sign`: signs a stored version. */
import type { Platform } from '../../oci/descriptor.ts';
import type { CommandDeclaration } from '../declare.ts';
import { platformOption, SIGNING_OPTIONS } from '../shared-options.ts';

export const sign: CommandDeclaration = {
  name: 'sign',
  registry: true,
  usage: ['sign IMAGE TYPE --key FILE [OPTIONS]'],
  intro:
    'Signs a stored version (the latest, or --version D); the signature is a referrer of the version manifest.',
  options: {
    key: {
      type: 'string',
      value: 'FILE',
      help: 'private key (PEM; encrypted PKCS#8 reads $MANIFESTO_KEY_PASSWORD)',
    },
    ...SIGNING_OPTIONS,
    version: { type: 'string', value: 'DIGEST', help: 'another version than the latest' },
    platform: platformOption(),
    json: { type: 'boolean', help: 'print the signature as JSON' },
  },
  outro:
    'put IMAGE TYPE FILE --sign FILE [--cert FILE] [--sign-format F] [--expires D] stores and signs in one step.',
  run: async (args, context) => {
    const [image, type] = args.positionals(['image', 'type']);
    const key = args.required('key', 'manifesto sign IMAGE vuln --key scanner.key');
    const { signCommand } = await import('../commands/sign.ts');
    await signCommand(
      {
        image: image!,
        type: type!,
        keyFile: key,
        certFile: args.text('cert'),
        format: args.text('sign-format'),
        version: args.text('version'),
        expires: args.text('expires'),
        platform: args.value<Platform>('platform'),
      },
      context,
    );
    return 0;
  },
};
