#!/usr/bin/env bash
# Provisions the real OCI registries and peer CLIs that manifesto's integration tests run against,
# from Debian's package archive, into one folder. Nothing on the host is installed or changed:
# packages are downloaded with a private apt state and unpacked with `dpkg -x`.
#
#   scripts/provision-peers.sh               # install what is missing (a fast no-op when all is present)
#   scripts/provision-peers.sh --force       # reinstall everything
#   scripts/provision-peers.sh --check       # exit 0 when everything is present, 1 otherwise
#   export PATH="$(scripts/provision-peers.sh --print-bin):$PATH"
#
# Folder: $MANIFESTO_PEERS_DIR, default <repo>/.cache/peers (git-ignored). Its bin/ holds:
#   docker-registry  CNCF distribution 2.8 (no referrers API: clients must use the tag schema)
#   refreg           go-containerregistry's registry with the OCI 1.1 referrers API on (in memory),
#                    built here from scripts/refreg/main.go and the Go sources that Debian's
#                    golang-github-google-go-containerregistry-dev package ships (GOPATH mode, offline)
#   crane, oras, cosign, notation   peer clients
#   skopeo, umoci    OCI image layout readers/writers (containers/image, opencontainers/umoci)
#   kubectl          (not used by tests yet)
# skopeo links against a newer glibc than older hosts have (trixie's 2.41; bookworm has 2.36), so it
# is unpacked with its own libraries into skopeo/ and bin/skopeo runs it through that glibc's loader.
# Needs: a Debian-family machine (apt-get, dpkg, the debian-archive-keyring) and its Debian mirror.
# Takes about a minute on a fresh machine (downloads ~180 MB); the Go toolchain used for refreg is
# removed afterwards unless MANIFESTO_PEERS_KEEP_BUILD=1. Without --force only missing tools are
# installed, and tools already present are never removed meanwhile (other test runs may use them).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${MANIFESTO_PEERS_DIR:-$root/.cache/peers}"
BIN="$DIR/bin"
want=(docker-registry refreg crane oras cosign notation skopeo umoci kubectl)

all_present() {
  local t
  for t in "${want[@]}"; do [[ -x "$BIN/$t" ]] || return 1; done
}
missing() { # the wanted tools not (yet) in $BIN
  local t
  for t in "${want[@]}"; do if [[ $force == 1 || ! -x "$BIN/$t" ]]; then echo "$t"; fi; done
}

force=0
case "${1:-}" in
  --print-bin) echo "$BIN"; exit 0 ;;
  --check) all_present; exit $? ;;
  --force) force=1 ;;
  "") ;;
  *) echo "usage: $0 [--print-bin|--check|--force]" >&2; exit 2 ;;
esac

if [[ $force == 0 ]] && all_present; then
  echo "peers: all present in $BIN"; exit 0
fi

for tool in apt-get dpkg; do
  command -v "$tool" >/dev/null || { echo "peers: '$tool' not found: a Debian-family machine is needed" >&2; exit 1; }
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -f "$keyring" ]] || { echo "peers: $keyring missing: apt-get install debian-archive-keyring" >&2; exit 1; }

mkdir -p "$DIR"
# One provisioning at a time (parallel test runs share the folder).
if command -v flock >/dev/null; then
  exec 9>"$DIR/.lock"
  flock 9
  if [[ $force == 0 ]] && all_present; then echo "peers: all present in $BIN"; exit 0; fi
fi

started=$SECONDS
work="$DIR/build"
rm -rf "$work"
if [[ $force == 1 ]]; then rm -rf "$DIR/root" "$DIR/skopeo" "$BIN" "$DIR/versions.txt"; fi
mapfile -t todo < <(missing)
needs() { local t; for t in "$@"; do [[ " ${todo[*]} " == *" $t "* ]] && return 0; done; return 1; }
mkdir -p "$BIN" "$DIR/root" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs/tools" \
  "$work/debs/build" "$work/debs/skopeo" "$work/root"
echo "peers: installing ${todo[*]}"

# The Debian mirror this machine already uses; the newer suites are added to a private apt state only.
mirror=""
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
  mirror=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list)
fi
[[ -n "$mirror" ]] || { echo "peers: no Debian mirror found in this machine's apt sources" >&2; exit 1; }

{
  echo "deb [signed-by=$keyring] $mirror trixie main"
  echo "deb [signed-by=$keyring] $mirror sid main"
} > "$work/apt/sources.list"
APT=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache" -o APT::Sandbox::User=root
     -o Acquire::Retries=3)

echo "peers: reading package lists from $mirror (trixie, sid)"
# Mirrors of sid change several times a day (a "Hash Sum mismatch" can happen mid-sync): retry.
for attempt in 1 2 3 4; do
  if apt-get "${APT[@]}" update -qq >/dev/null; then break; fi
  (( attempt < 4 )) || { echo "peers: apt-get update failed" >&2; exit 1; }
  echo "peers: apt-get update failed, retrying in $((attempt * 10))s" >&2
  sleep $((attempt * 10))
done

fetch() { # fetch DEST PACKAGE[/SUITE]...
  local dest="$1"; shift
  local p
  for p in "$@"; do
    (cd "$dest" && apt-get "${APT[@]}" download -qq "$p" >/dev/null) \
      || { echo "peers: could not download $p" >&2; exit 1; }
  done
}
echo "peers: downloading packages"
# Plain peers: one package each (Go binaries that need only the host's libc).
declare -A package=([docker-registry]=docker-registry/trixie [oras]=oras [cosign]=cosign [crane]=crane
  [notation]=notation [umoci]=umoci [kubectl]=kubectl/trixie)
plain=()
for t in docker-registry oras cosign crane notation umoci kubectl; do
  if needs "$t"; then plain+=("$t"); fetch "$work/debs/tools" "${package[$t]}"; fi
done
if needs refreg; then
  fetch "$work/debs/build" golang-1.24-go/trixie golang-1.24-src/trixie golang-github-google-go-containerregistry-dev
fi
if needs skopeo; then
  # skopeo with the trixie libraries it links (and that glibc, whose loader runs it).
  fetch "$work/debs/skopeo" skopeo/trixie libgpgme11t64/trixie libassuan9/trixie libgpg-error0/trixie \
    libsqlite3-0/trixie libc6/trixie
fi

shopt -s nullglob
for f in "$work"/debs/tools/*.deb; do dpkg -x "$f" "$DIR/root"; done
for f in "$work"/debs/build/*.deb; do dpkg -x "$f" "$work/root"; done
for f in "$work"/debs/*/*.deb; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$f"; done >> "$DIR/versions.txt"
shopt -u nullglob
sort -u -o "$DIR/versions.txt" "$DIR/versions.txt"

for t in "${plain[@]}"; do
  [[ -x "$DIR/root/usr/bin/$t" ]] || { echo "peers: $t missing from its package" >&2; exit 1; }
  ln -sfn "$DIR/root/usr/bin/$t" "$BIN/$t"
done

if needs skopeo; then
  rm -rf "$DIR/skopeo.tmp"
  mkdir -p "$DIR/skopeo.tmp"
  for f in "$work"/debs/skopeo/*.deb; do dpkg -x "$f" "$DIR/skopeo.tmp"; done
  rm -rf "$DIR/skopeo" && mv "$DIR/skopeo.tmp" "$DIR/skopeo"
  loader=$(cd "$DIR/skopeo" && { ls -d usr/lib64/ld-linux-*.so.* usr/lib/ld-linux-*.so.* 2>/dev/null || true; } | head -n 1)
  libdir=$(cd "$DIR/skopeo" && dirname "$(ls -d usr/lib/*/libc.so.6 | head -n 1)")
  [[ -n "$loader" && -x "$DIR/skopeo/usr/bin/skopeo" ]] || { echo "peers: skopeo or its loader missing" >&2; exit 1; }
  cat > "$BIN/skopeo.tmp" <<WRAPPER
#!/bin/sh
# skopeo from Debian, run through the glibc it was built against (unpacked beside it).
root="\$(cd "\$(dirname "\$0")/../skopeo" && pwd)"
exec "\$root/$loader" --library-path "\$root/$libdir" "\$root/usr/bin/skopeo" "\$@"
WRAPPER
  chmod +x "$BIN/skopeo.tmp" && mv "$BIN/skopeo.tmp" "$BIN/skopeo"
fi

if needs refreg; then
  echo "peers: building refreg"
  gopath="$work/gopath"
  mkdir -p "$gopath/src/refreg"
  cp "$root/scripts/refreg/main.go" "$gopath/src/refreg/main.go"
  ln -sfn "$work/root/usr/share/gocode/src/github.com" "$gopath/src/github.com"
  goroot="$work/root/usr/lib/go-1.24"
  (cd "$gopath/src/refreg" && GOROOT="$goroot" GOPATH="$gopath" GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local \
    GOPROXY=off GOCACHE="$work/gocache" CGO_ENABLED=0 \
    "$goroot/bin/go" build -trimpath -ldflags='-s -w' -o "$BIN/refreg.tmp" . && mv "$BIN/refreg.tmp" "$BIN/refreg")
fi

if [[ "${MANIFESTO_PEERS_KEEP_BUILD:-}" != 1 ]]; then rm -rf "$work"; fi

all_present || { echo "peers: installation incomplete in $BIN" >&2; exit 1; }
echo "peers: installed into $BIN in $((SECONDS - started))s (Debian packages:)"
sed 's/^/  /' "$DIR/versions.txt"
