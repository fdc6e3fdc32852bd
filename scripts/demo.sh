#!/usr/bin/env bash
# The first command on a fresh machine: sets up and runs manifesto's main job on its embedded
# default, an OCI image layout directory (no registry, no Docker):
#   Node 24 when the system Node is older than 22.12 (scripts/node24.sh, into .cache/node24),
#   npm ci, npm run build (dist/manifesto.mjs), then npm run demo (scripts/demo.ts: makes
#   ./demo-layout with an image tagged v1.1, then puts, lists and gets metadata with the real CLI).
#
#   scripts/demo.sh [DIR]      # DIR: where the layout goes (default ./demo-layout)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_bin="$(scripts/node24.sh)"
export PATH="$node_bin:$PATH"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm run --silent demo -- "$@"
echo "# the CLI is $PWD/dist/manifesto.mjs (npm link puts it on your PATH as manifesto; it needs Node >= 22.12: $node_bin)"
