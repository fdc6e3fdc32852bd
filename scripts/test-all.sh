#!/usr/bin/env bash
# The second command on a fresh machine: sets up and runs every test (unit and integration):
#   Node 24 when the system Node is older than 22.12 (scripts/node24.sh), npm ci, then npm test,
#   which provisions the real registries and peer CLIs the first time (scripts/provision-peers.sh,
#   from Debian's archive into .cache/peers, or $MANIFESTO_PEERS_DIR), starts the registries on
#   loopback ports and stops them afterwards. Arguments go to npm test (e.g. --unit, a file).
#   CI runs .ci/run: the same plus typecheck, lint and build.
#
#   scripts/test-all.sh [--unit | --integration | FILE...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_bin="$(scripts/node24.sh)"
export PATH="$node_bin:$PATH"
npm ci --no-audit --no-fund --loglevel=error
npm test -- "$@"
