#!/usr/bin/env bash
# Everything a fresh machine needs before building and testing, idempotent and quick when already done:
# npm packages (npm ci, re-run whenever package-lock.json changes) and the real VS Code test host.
set -euo pipefail
cd "$(dirname "$0")/.."
for v in $(compgen -e | grep -i '^npm_'); do unset "$v"; done   # npm test's own variables confuse nested installs
stamp=node_modules/.perf-heat-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
missing=()
command -v addr2line >/dev/null || missing+=(binutils)
command -v gcc >/dev/null || missing+=(gcc)
# The symbolizer's differential test compares with llvm-symbolizer and reads libc's separate debug file.
command -v llvm-symbolizer >/dev/null || missing+=(llvm)
dpkg -s libc6-dbg >/dev/null 2>&1 || missing+=(libc6-dbg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" != "--no-vscode" ]; then bash scripts/setup-vscode-host.sh >/dev/null; fi
