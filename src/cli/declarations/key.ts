/** `manifesto key generate`: a signing key pair (and a certificate for Notary signatures). */
import { usageError } from '../../errors/errors.ts';
import { parseWholeNumber } from '../../util/settings.ts';
import type { CommandDeclaration } from '../declare.ts';
import { readPasswordFromStdin } from '../registry-options.ts';

export const key: CommandDeclaration = {
  name: 'key',
  registry: false,
  usage: ['key generate --out NAME [--algorithm A] [--subject DN] [--days N] [--password-stdin] [--force]'],
  intro: `Writes NAME.key (PKCS#8 PEM, mode 600; encrypted with the password from --password-stdin or
$MANIFESTO_KEY_PASSWORD, else a note on stderr says it is not), NAME.pub (public key, for sigstore
authorities of a trust policy) and, for ECDSA keys, NAME.crt (a self-signed code-signing certificate
for Notary Project signatures). Each file is written new and renamed into place, never through a
symbolic link; existing files are refused (exit 2) unless --force.`,
  options: {
    out: {
      type: 'string',
      value: 'NAME',
      help: 'the files to write: NAME.key, NAME.pub, NAME.crt (required)',
    },
    force: {
      type: 'boolean',
      help: 'replace existing files (and symbolic links: the link, never its target)',
    },
    algorithm: {
      type: 'string',
      value: 'A',
      help: 'ecdsa-p256 (default), ecdsa-p384, ed25519 (sigstore format only: no certificate)',
    },
    subject: {
      type: 'string',
      value: 'DN',
      help: `the certificate subject, e.g. "CN=qa, O=Acme, ST=WA, C=US" (default
CN=NAME, O=NAME, ST=unspecified, C=ZZ; notation's trust policy pins a
subject only with C, ST and O, so a note warns when one is missing)`,
    },
    days: { type: 'string', value: 'N', parse: parseWholeNumber, help: 'certificate validity (default 365)' },
    'password-stdin': {
      type: 'boolean',
      help: 'encrypt NAME.key with the password read from standard input',
    },
  },
  run: async (args, context) => {
    const [action] = args.positionals(['action']);
    if (action !== 'generate') {
      throw usageError(
        'ARGS_UNKNOWN_ACTION',
        `unknown key action "${action}"`,
        'Use: manifesto key generate --out NAME',
      );
    }
    const out = args.text('out');
    if (out === undefined) {
      throw usageError(
        'ARGS_OPTION_REQUIRED',
        'key generate: --out NAME is required',
        'e.g. manifesto key generate --out qa',
      );
    }
    const days = args.value<number>('days');
    const password = args.on('password-stdin') ? await readPasswordFromStdin(context.io) : undefined;
    const { keyGenerateCommand } = await import('../commands/key.ts');
    await keyGenerateCommand(
      {
        out,
        algorithm: args.text('algorithm'),
        subject: args.text('subject'),
        days,
        password,
        force: args.on('force'),
      },
      context,
    );
    return 0;
  },
};
