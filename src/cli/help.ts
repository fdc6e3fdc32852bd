/** Usage text for `manifesto --help` and `manifesto COMMAND --help`. */

export const GLOBAL_HELP = `manifesto: store, sign and find metadata for container images, in the registry that holds them.

Usage: manifesto COMMAND [OPTIONS]

Commands:
  put IMAGE TYPE FILE|-        store a new version of TYPE for IMAGE (- reads standard input)
  get IMAGE TYPE               print the latest version's content (--version D for another)
  list IMAGE                   list the types stored for IMAGE with their latest versions
  history IMAGE TYPE           list every version of TYPE, newest first
  delete IMAGE TYPE            delete the latest version (--version D, or --all)
  prune IMAGE --keep N         delete all but the N newest versions of each type (--type T)
  login REGISTRY               store credentials in Docker's config.json
  logout REGISTRY              remove stored credentials
  version                      print the version

IMAGE is a registry reference (registry.example.com/team/app:v1.1, app@sha256:...; tag latest
by default) or an OCI image layout directory: oci:PATH[:TAG|@DIGEST].

Registry options: --plain-http, --insecure (skip TLS verification), --ca-file FILE,
  -u/--username USER with --password-stdin (otherwise Docker's credentials are used).
Output options: --json (stable JSON on stdout), --debug.
Exit codes: 0 ok, 1 internal error, 2 usage, 3 not found, 4 auth, 5 conflict, 6 unavailable,
  7 integrity, 8 ambiguous, 9 verification failed, 10 denied, 11 partial failure, 12 unsupported.
Run "manifesto COMMAND --help" for a command's options.`;

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  put: `Usage: manifesto put IMAGE TYPE FILE|- [OPTIONS]

Stores FILE (or standard input) as a new version of TYPE for IMAGE; it becomes the latest.
  --media-type TYPE      media type of the content (detected when absent: JSON, YAML, text, binary)
  --annotation K=V       add an annotation (repeatable)
  --author NAME          who stores it (default: $MANIFESTO_AUTHOR, else user@host)
  --max-size SIZE        refuse content larger than SIZE (default 1G; $MANIFESTO_MAX_SIZE)
  --json                 print the stored version as JSON`,
  get: `Usage: manifesto get IMAGE TYPE [OPTIONS]

Prints the content of the latest version of TYPE for IMAGE, byte for byte, after verifying its digest.
  --version DIGEST       a specific version (see "manifesto history")
  -o, --output FILE      write to FILE instead of standard output
  --json                 print the version and its content (text, or base64) as JSON`,
  list: `Usage: manifesto list IMAGE [--json]

Lists every type stored for IMAGE (also artifacts attached by oras, cosign and notation) with
the number of versions and the latest one.`,
  history: `Usage: manifesto history IMAGE TYPE [--json]

Lists every version of TYPE for IMAGE, newest first.`,
  delete: `Usage: manifesto delete IMAGE TYPE [--version DIGEST | --all] [--json]

Deletes the latest version of TYPE (the previous one becomes the latest), the given version, or all.`,
  prune: `Usage: manifesto prune IMAGE --keep N [--type TYPE] [--dry-run] [--json]

Deletes all but the N newest versions of each type written by manifesto (or of TYPE only).`,
  login: `Usage: manifesto login REGISTRY -u USER --password-stdin

Checks the credentials against REGISTRY and stores them in Docker's config.json
($DOCKER_CONFIG or ~/.docker), through its credential store when one is configured.`,
  logout: `Usage: manifesto logout REGISTRY

Removes the credentials stored for REGISTRY.`,
  version: 'Usage: manifesto version [--json]',
};
