/**
 * Every command: its name and how to load its declaration (src/cli/declarations/). Declarations are
 * loaded lazily like the commands' code, so `manifesto put` loads put's declaration and nothing of
 * the other commands. Adding a command is one declaration file and one entry here
 * (which also gives its line in `manifesto --help`).
 */
import type { CommandDeclaration } from './declare.ts';

export interface CommandEntry {
  /** How it is called, for the command list of `manifesto --help`. */
  synopsis: string;
  /** What it does, one line. */
  summary: string;
  load: () => Promise<CommandDeclaration>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  put: {
    synopsis: 'put IMAGE TYPE FILE|-',
    summary: 'store a new version of TYPE for IMAGE (- reads standard input)',
    load: async () => (await import('./declarations/put.ts')).put,
  },
  get: {
    synopsis: 'get IMAGE TYPE',
    summary: "print the latest version's content (--version D for another)",
    load: async () => (await import('./declarations/get.ts')).get,
  },
  list: {
    synopsis: 'list IMAGE',
    summary: 'list the types stored for IMAGE with their latest versions',
    load: async () => (await import('./declarations/list.ts')).list,
  },
  history: {
    synopsis: 'history IMAGE TYPE',
    summary: 'list every version of TYPE, newest first',
    load: async () => (await import('./declarations/history.ts')).history,
  },
  images: {
    synopsis: 'images oci:DIR',
    summary: 'list the images of an OCI image layout (digests and tags)',
    load: async () => (await import('./declarations/images.ts')).images,
  },
  delete: {
    synopsis: 'delete IMAGE TYPE',
    summary: 'delete the latest version (--version D, or --all; IMAGE --all-types: everything)',
    load: async () => (await import('./declarations/delete.ts')).deleteDeclaration,
  },
  prune: {
    synopsis: 'prune IMAGE --keep N',
    summary: 'delete all but the N newest versions of each type (--type T)',
    load: async () => (await import('./declarations/prune.ts')).prune,
  },
  sign: {
    synopsis: 'sign IMAGE TYPE --key K',
    summary: 'sign the latest (or --version D) version of TYPE',
    load: async () => (await import('./declarations/sign.ts')).sign,
  },
  verify: {
    synopsis: 'verify IMAGE [--type T]',
    summary: 'check the latest versions against the trust policy (exit 0: all verify)',
    load: async () => (await import('./declarations/verify.ts')).verify,
  },
  key: {
    synopsis: 'key generate --out NAME',
    summary: 'write NAME.key, NAME.pub and NAME.crt for signing',
    load: async () => (await import('./declarations/key.ts')).key,
  },
  login: {
    synopsis: 'login REGISTRY',
    summary: "store credentials in Docker's config.json",
    load: async () => (await import('./declarations/login.ts')).login,
  },
  logout: {
    synopsis: 'logout REGISTRY',
    summary: 'remove stored credentials',
    load: async () => (await import('./declarations/login.ts')).logout,
  },
  show: {
    synopsis: 'show IMAGE TYPE',
    summary: 'summarise the latest version (well-known kinds normalised)',
    load: async () => (await import('./declarations/show.ts')).show,
  },
  check: {
    synopsis: 'check IMAGE --policy FILE',
    summary: 'deployment gate: exit 0 allow, 10 deny (docs/policy.md)',
    load: async () => (await import('./declarations/check.ts')).check,
  },
  index: {
    synopsis: 'index sync|status|query|drop',
    summary: 'the fleet index: questions across every image of registries (docs/index.md)',
    load: async () => (await import('./declarations/fleet-index.ts')).fleetIndex,
  },
  copy: {
    synopsis: 'copy SRC DST',
    summary: 'copy an image with every referrer (metadata, signatures), registry or oci:DIR',
    load: async () => (await import('./declarations/copy.ts')).copy,
  },
  mirror: {
    synopsis: 'mirror --query EXPR PREFIX',
    summary: 'copy every image a fleet-index query matches, with its metadata',
    load: async () => (await import('./declarations/mirror.ts')).mirror,
  },
  version: {
    synopsis: 'version',
    summary: 'print the version',
    load: async () => (await import('./declarations/version.ts')).version,
  },
};
