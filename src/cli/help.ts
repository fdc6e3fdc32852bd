/** Usage text for `manifesto --help` (each command's own help comes from its declaration: declare.ts). */

export const GLOBAL_HELP = `manifesto: store, sign and find metadata for container images, in the registry that holds them.

Usage: manifesto COMMAND [OPTIONS]

Commands:
  put IMAGE TYPE FILE|-        store a new version of TYPE for IMAGE (- reads standard input)
  get IMAGE TYPE               print the latest version's content (--version D for another)
  list IMAGE                   list the types stored for IMAGE with their latest versions
  history IMAGE TYPE           list every version of TYPE, newest first
  images oci:DIR               list the images of an OCI image layout (digests and tags)
  delete IMAGE TYPE            delete the latest version (--version D, or --all; IMAGE --all-types: everything)
  prune IMAGE --keep N         delete all but the N newest versions of each type (--type T)
  sign IMAGE TYPE --key K      sign the latest (or --version D) version of TYPE
  verify IMAGE [--type T]      check the latest versions against the trust policy (exit 0: all verify)
  key generate --out NAME      write NAME.key, NAME.pub and NAME.crt for signing
  login REGISTRY               store credentials in Docker's config.json
  logout REGISTRY              remove stored credentials
  show IMAGE TYPE              summarise the latest version (well-known kinds normalised)
  check IMAGE --policy FILE    deployment gate: exit 0 allow, 10 deny (docs/policy.md)
  index sync|status|query|drop the fleet index: questions across every image of registries (docs/index.md)
  version                      print the version

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
