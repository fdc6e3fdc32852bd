/**
 * Options several commands declare, each with its help text, its parser and its variable: the
 * registry connection options (every command that opens images), --platform and the trust options.
 */
import { parseSeconds } from '../util/settings.ts';
import type { OptionDeclaration, OptionDeclarations } from './declare.ts';
import { parsePlatformFlag } from './platform-flag.ts';

/** Options every command that talks to a registry accepts (registry-options.ts reads them). */
export const REGISTRY_OPTIONS: OptionDeclarations = {
  'plain-http': {
    type: 'boolean',
    env: 'MANIFESTO_PLAIN_HTTP',
    help: 'plain HTTP for every registry ($MANIFESTO_PLAIN_HTTP=1; =0: https, loopback too)',
  },
  insecure: {
    type: 'boolean',
    env: 'MANIFESTO_INSECURE',
    help: 'skip TLS verification ($MANIFESTO_INSECURE)',
  },
  'ca-file': {
    type: 'string',
    value: 'FILE',
    env: 'MANIFESTO_CA_FILE',
    help: 'extra CA certificates, PEM ($MANIFESTO_CA_FILE)',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    env: 'MANIFESTO_TIMEOUT',
    parse: parseSeconds,
    help: 'longest silence of a registry, default 15 ($MANIFESTO_TIMEOUT)',
  },
  username: {
    type: 'string',
    short: 'u',
    value: 'USER',
    help: 'with --password-stdin, instead of stored credentials',
  },
  'password-stdin': {
    type: 'boolean',
    help: 'read the password (or token) of --username from standard input',
  },
};

const PLATFORM_HELP = `the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
(linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine)`;

/** `--platform P`, with what it means for this command appended (`extra` starts with its punctuation). */
export function platformOption(extra = ''): OptionDeclaration {
  return { type: 'string', value: 'P', parse: parsePlatformFlag, help: PLATFORM_HELP + extra };
}

export const TRUST_POLICY_OPTION: OptionDeclaration = {
  type: 'string',
  value: 'FILE',
  help: 'the trust policy (default $MANIFESTO_TRUST_POLICY, ~/.config/manifesto/trust-policy.yaml)',
};

export const SIGNING_OPTIONS: OptionDeclarations = {
  cert: {
    type: 'string',
    value: 'FILE',
    help: "Notary: the key's certificate chain (default: NAME.crt next to NAME.key)",
  },
  'sign-format': {
    type: 'string',
    value: 'F',
    help: `notary (default for ECDSA/RSA keys with a certificate) or sigstore (any key;
the default for Ed25519 keys, which sign in sigstore only)`,
  },
  expires: { type: 'string', value: 'DURATION', help: 'the signature expires after 90s, 30m, 12h, 7d, 2w' },
};
