#!/usr/bin/env bash
# try-vscode.sh: the by-hand check of `paperdraft lsp` in VS Code, run headless.
#
# VS Code is code-server 4.100.3 (VS Code 1.100.3 in the browser; the last code-server for Node 20), from
# npm; the client is this repository's extension (docs/editors/vscode), built with @vscode/vsce; Debian's
# chromium, driven by puppeteer-core (try-vscode-drive.js), opens a `--model none` draft of the corpus PDF
# of 1706.03762 and reads what VS Code shows: the status bar's counts, the Problems panel, a hover on a
# cite, the code actions at the placeholder, the document symbols; then the client's log.
#
#   bash docs/editors/try-vscode.sh > transcript.txt     (from the repository, after `make install`)
#
# Tried on Debian 12 with Node 20.20.2, offline but for the package registries. Needs apt's chromium,
# ripgrep and libkrb5-dev (code-server's native modules are built against /usr/include/node; the ripgrep
# it would download from GitHub is seeded from Debian's). Everything else goes under $H.
set -euo pipefail

WT=${WT:-$(cd "$(dirname "$0")/../.." && pwd)}
H=${H:-${TMPDIR:-/tmp}/try-vscode}
PY=${PY:-$WT/.venv/bin/python}
PDF=${PDF:-$WT/../shared/corpus/pdfs/1706.03762v5.pdf}
CS_VERSION=4.100.3
PORT=${PORT:-8787}
export PAPERDRAFT_ARXIV_API_URL=http://127.0.0.1:9 PAPERDRAFT_ARXIV_OAI_URL=http://127.0.0.1:9 HF_HUB_OFFLINE=1
export npm_config_nodedir=/usr npm_config_yes=true   # node-gyp builds against Node's own headers: no download
step() { printf '\n==== %s ====\n' "$*"; }

mkdir -p "$H/bin" "$H/logs" "$H/out"
cat > "$H/bin/paperdraft" <<WRAP
#!/bin/sh
export PAPERDRAFT_HOME="\${PAPERDRAFT_HOME:-$H/home}" PYTHONPATH=$WT
exec $PY -m pipeline.cli "\$@"
WRAP
chmod +x "$H/bin/paperdraft"

step "versions"
echo "node $(node -v), npm $(npm -v), $(chromium --version 2>/dev/null || echo 'no chromium')"

CS=$H/code-server/node_modules/.bin/code-server
if [ ! -x "$CS" ]; then
    step "code-server $CS_VERSION from npm"
    cache=/tmp/vscode-ripgrep-cache-1.15.11   # @vscode/ripgrep's download, seeded with Debian's rg
    mkdir -p "$cache" "$H/rg" && cp "$(command -v rg)" "$H/rg/rg"
    tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$H/rg" rg
    mkdir -p "$H/code-server" && cd "$H/code-server" && echo '{"name": "cs", "private": true}' > package.json
    npm install --no-audit --no-fund "code-server@$CS_VERSION" > "$H/logs/npm-install.log" 2>&1 \
        || { tail -30 "$H/logs/npm-install.log"; exit 1; }
fi
echo "code-server: $("$CS" --version 2>/dev/null | tail -1)"

step "the extension, built from docs/editors/vscode and installed"
rm -rf "$H/extension" && cp -r "$WT/docs/editors/vscode" "$H/extension" && cd "$H/extension"
npm install --no-audit --no-fund --omit=dev > "$H/logs/extension-npm.log" 2>&1
npx --yes @vscode/vsce@3.9.2 package --skip-license --allow-missing-repository -o "$H/paperdraft-lsp.vsix" 2>&1 \
    | grep -E 'DONE|ERROR'
"$CS" --extensions-dir "$H/extensions" --install-extension "$H/paperdraft-lsp.vsix" --force 2>&1 | tail -1

step "a draft (no model), and paperdraft check on it"
rm -rf "$H/proj" "$H/home" && mkdir -p "$H/proj/.vscode" && cd "$H/proj" && git init -q
cat > .vscode/settings.json <<JSON
{ "paperdraft.server.command": "$H/bin/paperdraft", "paperdraft.trace.server": "messages" }
JSON
"$H/bin/paperdraft" draft "$PDF" --model none 2>&1 | tail -1
DRAFT=$(ls "$H"/proj/drafts/*.md)
"$H/bin/paperdraft" check "$DRAFT" 2>&1 | tee "$H/check.txt" || true
echo "check: $(grep -c ': error: ' "$H/check.txt") errors, $(grep -c ': warning: ' "$H/check.txt") warnings"

step "code-server on 127.0.0.1:$PORT"
rm -rf "$H/data"
"$CS" --auth none --bind-addr "127.0.0.1:$PORT" --user-data-dir "$H/data" --extensions-dir "$H/extensions" \
    --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
    "$H/proj" > "$H/logs/code-server.log" 2>&1 &
trap 'kill $! 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
curl -s "http://127.0.0.1:$PORT/healthz"; echo

step "headless chromium drives the workbench"
mkdir -p "$H/driver" && cp "$WT/docs/editors/try-vscode-drive.js" "$H/driver/drive.js" && cd "$H/driver"
[ -d node_modules/puppeteer-core ] || PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund \
    puppeteer-core@24 > "$H/logs/driver-npm.log" 2>&1
timeout 240 node drive.js "http://127.0.0.1:$PORT/?folder=$H/proj" "$DRAFT" "$H/out"
echo "screenshots: $H/out/problems.png $H/out/hover.png $H/out/codeactions.png"

step "the language client's log"
LOG=$(find "$H/data/logs" -name '*paperdraft*' -type f | head -1)
grep -E "problems\]|publishDiagnostics|textDocument/(hover|codeAction|documentSymbol)|initialize" "$LOG" \
    | sed -E 's/^[0-9:. -]+//' | head -40
