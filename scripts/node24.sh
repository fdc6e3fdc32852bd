#!/usr/bin/env bash
# Prints a directory whose `node`/`npm`/`npx` are Node >= 22.12 (Node 24 LTS preferred).
# When the system Node is older, Node 24 is installed from the npm registry's `node@24`
# package (official binaries) into .cache/node24 inside the checkout, once.
#
#   export PATH="$(scripts/node24.sh):$PATH"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_major=24

if command -v node >/dev/null 2>&1; then
  v="$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)"
  major="${v%%.*}"; rest="${v#*.}"; minor="${rest%%.*}"
  if (( major >= 23 || (major == 22 && minor >= 12) )); then
    dirname "$(command -v node)"; exit 0
  fi
fi

prefix="$root/.cache/node24"
bin="$prefix/node_modules/node/bin"
if [[ ! -x "$bin/node" ]] || [[ "$("$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$want_major" ]]; then
  mkdir -p "$prefix"
  echo "node24: installing node@$want_major from the npm registry into $prefix" >&2
  (cd "$prefix" && npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$prefix" "node@$want_major" >&2)
fi
# npm and npx that run under this node: link the system npm's CLI scripts beside it.
if [[ ! -x "$bin/npm" ]]; then
  npm_cli="$(npm root -g 2>/dev/null)/npm/bin"
  if [[ -f "$npm_cli/npm-cli.js" ]]; then
    printf '#!/usr/bin/env bash\nexec "%s/node" "%s/npm-cli.js" "$@"\n' "$bin" "$npm_cli" > "$bin/npm"
    printf '#!/usr/bin/env bash\nexec "%s/node" "%s/npx-cli.js" "$@"\n' "$bin" "$npm_cli" > "$bin/npx"
    chmod +x "$bin/npm" "$bin/npx"
  fi
fi
echo "$bin"
