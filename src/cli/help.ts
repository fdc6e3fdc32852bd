/** Usage text for `manifesto --help` (each command's own help comes from its declaration: declare.ts). */
import { COMMANDS } from './commands.ts';

/** `  put IMAGE TYPE FILE|-        store a new version...`, one line per command of commands.ts. */
function commandList(): string {
  return Object.values(COMMANDS)
    .map((c) => `  ${c.synopsis.padEnd(28)} ${c.summary}`)
    .join('\n');
}

export const GLOBAL_HELP = `manifesto: store, sign and find metadata for container images, in the registry that holds them.

Usage: manifesto COMMAND [OPTIONS]

Commands:
${commandList()}

IMAGE is a registry reference (registry.example.com/team/app:v1.1, app@sha256:...; tag latest
by default) or an OCI image layout directory: oci:PATH[:TAG|@DIGEST] (no tag: the tag latest if
the layout has it, else the layout's only image).
Multi-platform images: IMAGE naming an index (OCI image index, Docker manifest list) means the
  index itself, whose metadata applies to all platforms; --platform P (put, get, list, history,
  delete, prune) means the index's image for P. P is OS/ARCH[/VARIANT][:OSVERSION] or local.

Registry options: --plain-http, --insecure (skip TLS verification), --ca-file FILE,
  --timeout SECONDS (longest silence of a registry, default 15),
  -u/--username USER with --password-stdin (otherwise Docker's credentials are used).
Output options: --json (stable JSON on stdout), --debug.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 not found, 4 auth, 5 conflict, 6 unavailable,
  7 integrity, 8 ambiguous, 9 verification failed, 10 denied, 11 partial failure, 12 unsupported.
Run "manifesto COMMAND --help" for a command's options.`;
