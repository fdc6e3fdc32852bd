/** Usage text for `manifesto --help` and `manifesto COMMAND --help`. */

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

export const COMMAND_HELP: Readonly<Record<string, string>> = {
  put: `Usage: manifesto put IMAGE TYPE FILE|- [OPTIONS]
       manifesto put IMAGE TYPE --all-platforms --file-per-platform TEMPLATE [OPTIONS]
       manifesto put --from OPS.jsonl [--concurrency N]

Stores FILE (or standard input) as a new version of TYPE for IMAGE; it becomes the latest.
  --media-type TYPE      media type of the content (detected when absent: JSON, YAML, text, binary)
  --annotation K=V       add an annotation (repeatable)
  --author NAME          who stores it (default: $MANIFESTO_AUTHOR, else user@host)
  --max-size SIZE        refuse content larger than SIZE (default 1G; $MANIFESTO_MAX_SIZE)
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine)
  --all-platforms        store for every platform of a multi-platform IMAGE, in parallel (exit 11 if
                         some platforms failed; the others are stored)
  --file-per-platform TEMPLATE
                         with --all-platforms, instead of FILE: each platform's own file, TEMPLATE with
                         {os}, {arch}, {variant}, {osversion} replaced (./scan-{os}-{arch}{variant}.json)
  --no-validate          store content of a well-known kind without validating it
  --strict-types         refuse a TYPE that looks like a typo of a well-known one (secomp: seccomp?);
                         without it a warning on stderr ($MANIFESTO_STRICT_TYPES=1 turns it on)
  --strict-content       refuse content about another image or platform (a Trivy report whose
                         RepoDigests or ImageConfig name another, provenance about another digest);
                         without it a warning on stderr ($MANIFESTO_STRICT_CONTENT=1 turns it on)
  --json                 print the stored version as JSON
  --sign KEY             sign the new version (see "manifesto sign --help"): --cert FILE,
                         --sign-format notary|sigstore, --expires DURATION

Without --platform on a multi-platform IMAGE the version is stored for the index: it applies to all
platforms (a note on stderr says so).

--from OPS.jsonl (or - for standard input): many puts in one process, one JSON object per line:
  {"image": "REG/REPO:TAG", "type": "scan", "file": "scan.json"} with optional "mediaType",
  "annotations" (object), "author", "platform". Every line is checked first (a malformed line: exit 2,
  nothing written). --concurrency N (default 16) items at work at a time; the versions of one type
  on one image are stored in file order.
  One JSON result per line on stdout ({"line", "image", "ok", "version"} or {"ok": false, "error"});
  a progress bar on stderr on a terminal; exit 11 when some items failed (the others are stored).`,
  get: `Usage: manifesto get IMAGE TYPE [OPTIONS]

Prints the content of the latest version of TYPE for IMAGE, byte for byte, after verifying its digest.
  --version DIGEST       a specific version (see "manifesto history")
  -o, --output FILE      write to FILE instead of standard output: a regular file, replaced atomically;
                         a FIFO, device, folder or missing folder is refused (exit 2); a version of
                         several files (oras attach a b) writes each file into an existing FOLDER
  --force                with -o: replace a symbolic link at FILE (the link itself; never its target)
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine);
                         if it has no version of its own, the index's (noted on stderr as inherited)
  --no-inherit           with --platform: only the platform's own versions, never the index's
  --json                 print the version and its content (text, or base64) as JSON
  --verify               only content the trust policy accepts: exit 9 and nothing printed when an
                         enforcing rule fails (a newer version unsigned, untrusted, expired...);
                         warn rules print a warning and the latest
  --trust-policy FILE    the trust policy (default $MANIFESTO_TRUST_POLICY, ~/.config/manifesto/trust-policy.yaml)
  --accept-rollback      with --verify: accept a verified latest older than the one this machine
                         verified before (else ROLLBACK_DETECTED, exit 9; see "manifesto verify --help")
  --trusted-state PATH   with --verify: a shared trusted state (file, or directory holding
                         trusted-versions.json; default $MANIFESTO_TRUSTED_STATE, else this machine's)

Without --platform on a multi-platform IMAGE: the index's version; if only platforms have TYPE, an
error naming them (exit 8).`,
  list: `Usage: manifesto list IMAGE [--platform P | --tree] [--json]
       manifesto list --from REFS.txt [--concurrency N]
       manifesto list REPO --orphans [--json]

Lists every type stored for IMAGE (also artifacts attached by oras, cosign and notation) with
the number of versions and the latest one.
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine);
                         its own types and those it inherits from the index (marked)
  --tree                 a multi-platform IMAGE: the index's types, then each platform's (alias
                         --all-platforms)
  --verify [--trust-policy FILE]
                         whether each type's latest version is signed, by whom, trusted or not
  --from REFS.txt        many images (one reference per line, or - for standard input), --concurrency N
                         (default 8) at a time; one JSON line per image on stdout; exit 11 if some failed
  --orphans              referrers in REPO whose image is gone (found through sha256-<hex> index tags;
                         a referrers-API registry or a layout cannot list them: said on stderr); remove
                         each with "manifesto delete REPO@DIGEST --orphan"`,
  images: `Usage: manifesto images oci:DIR [--json]

Lists the images of an OCI image layout: its index.json entries that are not metadata (referrers),
each with its digest, tags (org.opencontainers.image.ref.name; none for layouts written by
crane pull --format oci), media type or artifactType, and size. oci:DIR without a tag names the
only image; with several, name one as oci:DIR:TAG or oci:DIR@DIGEST.`,
  history: `Usage: manifesto history IMAGE TYPE [--platform P] [--verify [--trust-policy FILE]] [--json]

Lists every version of TYPE for IMAGE, newest first. With --verify: each version's trust, and the
verified chain (each signed version names the one it superseded); a missing link (deleted version),
a re-ordered or replayed version and an unverified newer version are reported (exit 9 when the rule
enforces), and a signed latest older than the one this machine verified before (ROLLBACK_DETECTED;
--accept-rollback accepts it; --trusted-state PATH: a shared trusted state).
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine):
                         its own versions`,
  delete: `Usage: manifesto delete IMAGE TYPE [--version DIGEST | --all] [--platform P] [--json]
       manifesto delete IMAGE --all-types [--platform P] [--json]
       manifesto delete REPO@DIGEST --orphan [--json]

Deletes the latest version of TYPE (the previous one becomes the latest), the given version, or all.
--all-types deletes every manifesto version of every type of IMAGE with their signatures, in one
batch (e.g. before deleting the image, so no metadata is left orphaned); other tools' referrers stay.
--orphan deletes the referrer DIGEST whose subject is gone (the image was deleted first), with its
listing entry; refused when the subject exists.
This machine's record of the newest verified version is lowered to what remains (not a rollback).
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine):
                         its own versions`,
  prune: `Usage: manifesto prune IMAGE --keep N [--type TYPE] [--dry-run] [--platform P] [--json]

Deletes all but the N newest versions of each type written by manifesto (or of TYPE only).
  --platform P           the image for platform P of a multi-platform IMAGE: OS/ARCH[/VARIANT][:OSVERSION]
                         (linux/arm64 = linux/arm64/v8, linux/arm = linux/arm/v7), or local (this machine):
                         its own versions`,
  login: `Usage: manifesto login REGISTRY -u USER --password-stdin

Checks the credentials against REGISTRY and stores them in Docker's config.json
($DOCKER_CONFIG or ~/.docker), through its credential store when one is configured.`,
  logout: `Usage: manifesto logout REGISTRY

Removes the credentials stored for REGISTRY.`,
  show: `Usage: manifesto show IMAGE TYPE [--platform P] [--verify [--trust-policy FILE]] [--json]

Summarises the latest version of TYPE for IMAGE. Well-known kinds (vuln, vex, sbom, provenance,
approval, seccomp, apparmor, contact, deployment, lifecycle; docs/kinds.md) are normalised and
summarised; --json prints the normalised shape. approval and deployment are records from many
writers: every version is merged (the latest approval per gate, the latest deployment per environment
and cluster, each with its version). Other types: media type, size and the first lines.
  --platform P           the image for platform P of a multi-platform IMAGE (else the index's version,
                         noted as inherited)
  --verify               read under the trust policy, as get --verify; approval and deployment
                         merge only the versions that verify (the others named on stderr)
  --trust-policy FILE    the trust policy (implies --verify)
  --json                 the normalised content as JSON`,
  check: `Usage: manifesto check IMAGE --policy FILE [--platform P | --all-platforms] [--trust-policy FILE] [--json] [--record [--sign KEY [--cert CRT]]]

Evaluates the deployment policy FILE (YAML; docs/policy.md) against IMAGE's metadata: rules require,
maxAge, vulnerabilities (maxSeverity, noFixable, allow, VEX), approvals, provenance, signedBy, cel.
Prints each rule's verdict and reason. Exit 0 allow, 10 deny, 2 malformed policy, other codes errors.
  --policy FILE          the policy file (required)
  --platform P           only platform P of a multi-platform IMAGE
  --all-platforms        every platform (the default for a multi-platform IMAGE); each platform uses its
                         own metadata, else the index's; IMAGE passes only if every platform passes
  --trust-policy FILE    for signedBy rules, whose authorities are the trust policy's (default
                         $MANIFESTO_TRUST_POLICY, ~/.config/manifesto/trust-policy.yaml); the types
                         they name are read at their latest verified version, by the signed chain
  --trusted-state PATH   the trusted state those reads compare with and advance (as verify)
  --record               store the decision as a new "decision" version of IMAGE
  --sign KEY             sign the recorded decision (as put --sign; --cert, --sign-format as there)
  --author NAME          who records the decision
  --json                 the decision as JSON`,
  version: 'Usage: manifesto version [--json]',
  sign: `Usage: manifesto sign IMAGE TYPE --key FILE [OPTIONS]

Signs a stored version (the latest, or --version D); the signature is a referrer of the version manifest.
  --key FILE             private key (PEM; encrypted PKCS#8 reads $MANIFESTO_KEY_PASSWORD)
  --cert FILE            Notary: the key's certificate chain (default: NAME.crt next to NAME.key)
  --sign-format F        notary (default for ECDSA/RSA keys with a certificate) or sigstore (any key;
                         the default for Ed25519 keys, which sign in sigstore only)
  --expires DURATION     the signature expires after 90s, 30m, 12h, 7d, 2w
  --version DIGEST       another version than the latest
  --platform P           the image for platform P of a multi-platform IMAGE
  --json                 print the signature as JSON

put IMAGE TYPE FILE --sign FILE [--cert FILE] [--sign-format F] [--expires D] stores and signs in one step.`,
  verify: `Usage: manifesto verify IMAGE [--type T] [--platform P] [--trust-policy FILE] [--accept-rollback]
                       [--trusted-state PATH] [--json]

Checks the latest version of each type (or of T) against the trust policy (--trust-policy, else
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
one (a newer version deleted or withheld) fails with ROLLBACK_DETECTED, exit 9, nothing printed.
  --accept-rollback      accept what is offered now: reset the remembered version (also on get and
                         history --verify)
  --trusted-state PATH   a trusted state shared by several machines (a file, or a directory holding
                         trusted-versions.json, e.g. on a filesystem every CI runner mounts; default
                         $MANIFESTO_TRUSTED_STATE, else this machine's file): a fresh machine then
                         detects a newest version withheld since another one verified it
manifesto delete and prune on this machine lower the mark to what remains: not a rollback.`,
  key: `Usage: manifesto key generate --out NAME [--algorithm A] [--subject DN] [--days N] [--password-stdin] [--force]

Writes NAME.key (PKCS#8 PEM, mode 600; encrypted with the password from --password-stdin or
$MANIFESTO_KEY_PASSWORD, else a note on stderr says it is not), NAME.pub (public key, for sigstore
authorities of a trust policy) and, for ECDSA keys, NAME.crt (a self-signed code-signing certificate
for Notary Project signatures). Each file is written new and renamed into place, never through a
symbolic link; existing files are refused (exit 2) unless --force.
  --force                replace existing files (and symbolic links: the link, never its target)
  --algorithm A          ecdsa-p256 (default), ecdsa-p384, ed25519 (sigstore format only: no certificate)
  --subject DN           the certificate subject, e.g. "CN=qa, O=Acme, ST=WA, C=US" (default
                         CN=NAME, O=NAME, ST=unspecified, C=ZZ; notation's trust policy pins a
                         subject only with C, ST and O, so a note warns when one is missing)
  --days N               certificate validity (default 365)`,
  index: `Usage: manifesto index sync TARGET... [--from FILE] [--concurrency N]
       manifesto index status
       manifesto index query EXPR [--limit N] [--cursor C] [--count] [--explain] [--csv]
       manifesto index query --fields
       manifesto index drop

The fleet index: a local, rebuildable cache of the images and metadata of registries and layouts,
for questions across every image (docs/index.md).
  sync TARGET...      read into the index: host[:port] (every repository, from /v2/_catalog),
                      host/prefix/ (the catalog's repositories under prefix/), host/team/app (one
                      repository), oci:DIR (a layout); unchanged images cost one listing each
  --from FILE         more targets, one per line (for registries that refuse the catalog)
  --concurrency N     requests in flight per repository (default 8)
  status              what is indexed, when each registry was last synced, errors
  query EXPR          images for which the CEL expression is true, e.g.
                        '"production" in deployment.environments && vuln.critical > 0'
                        '"CVE-2024-0727" in vuln.ids'   '!("vuln" in signed)'
  --fields            the fields a query may use, with their types
  --limit N           at most N images (default 100); --cursor C continues after the last page
  --count             print the number of matching images
  --explain           show which parts run as SQL and which in process
  --csv, --json       CSV, or JSON lines (one image per line, with indexedAt and checkedAt)
  drop                remove the index file (the next sync rebuilds it)
  --index PATH        the index file (default $MANIFESTO_INDEX, else $MANIFESTO_STATE_DIR/index.db)
Exit codes: 2 for an invalid query (naming the column), 11 when some repositories failed to sync.`,
};
