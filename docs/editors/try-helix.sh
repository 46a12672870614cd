#!/usr/bin/env bash
# try-helix.sh: the by-hand check of `paperdraft lsp` in Helix, run headless in tmux.
#
# From scratch: makes the wrappers (bin/paperdraft, bin/hx), the README's languages.toml, a fresh
# PAPERDRAFT_HOME and a fresh project (git init) with a `--model none` draft of the corpus PDF of
# 1706.03762, then opens it in Helix in a tmux pane and presses the keys an author would: the
# diagnostics picker, ]d through every diagnostic, hover on a cite, code actions (Jump to the critique,
# Open the paper at p. N, I checked this claim), the document symbols, and a critique typed over the
# TODO(author) placeholder. It prints a capture of the pane after each step, then what Helix's log
# (hx -v) shows of the LSP traffic. Nothing is saved: the draft on disk is the same before and after.
#
#   bash docs/editors/try-helix.sh > transcript.txt     (from the repository, after `make install`)
#
# Tried on Debian 12, where Helix has no package: Helix 25.01.1 is Debian 13's (trixie) .deb, run with
# trixie's glibc through trixie's ld.so, all extracted under $H/root (the three .debs are fetched from
# deb.debian.org when missing). Needs tmux, the paperdraft checkout $WT with its venv python, and the corpus
# PDF. No network for paperdraft: the arXiv URLs point at 127.0.0.1:9 so any lookup fails at once.
set -euo pipefail

WT=${WT:-$(cd "$(dirname "$0")/../.." && pwd)}
H=${H:-${TMPDIR:-/tmp}/try-helix}
PY=${PY:-$WT/.venv/bin/python}
PDF=${PDF:-$WT/../shared/corpus/pdfs/1706.03762v5.pdf}
DEBS="pool/main/h/hx/hx_25.01.1-4_amd64.deb pool/main/g/glibc/libc6_2.41-12+deb13u5_amd64.deb
      pool/main/g/gcc-14/libgcc-s1_14.2.0-19_amd64.deb"
TM="tmux -L try-helix"          # a tmux server of its own
LOG=$H/cache/helix/helix.log

say() { printf '\n==== %s ====\n' "$*"; }

# ---------------------------------------------------------------- Helix, wrappers, config
mkdir -p "$H"
if [ ! -x "$H/root/usr/lib/hx/hx" ]; then
    for deb in $DEBS; do
        [ -f "$H/$(basename "$deb")" ] || curl -sSf -o "$H/$(basename "$deb")" "http://deb.debian.org/debian/$deb"
    done
    for deb in "$H"/hx_*.deb "$H"/libc6_*.deb "$H"/libgcc-s1_*.deb; do dpkg-deb -x "$deb" "$H/root"; done
fi
mkdir -p "$H/bin" "$H/stub" "$H/config/helix"

cat > "$H/bin/paperdraft" <<EOF
#!/bin/sh
# paperdraft from the worktree $WT, with the venv's python and an isolated home
export PAPERDRAFT_HOME="\${PAPERDRAFT_HOME:-$H/home}"
export PYTHONPATH=$WT
exec $PY -m pipeline.cli "\$@"
EOF

cat > "$H/bin/hx" <<EOF
#!/bin/sh
# Helix from Debian trixie's .deb, run with trixie's glibc through trixie's ld.so. --library-path
# applies to hx alone (it is not LD_LIBRARY_PATH), so the language servers hx starts use the system's.
R=$H/root
export HELIX_RUNTIME="\${HELIX_RUNTIME:-\$R/usr/lib/hx/runtime}"
exec "\$R/usr/lib64/ld-linux-x86-64.so.2" --library-path "\$R/usr/lib/x86_64-linux-gnu" "\$R/usr/lib/hx/hx" "\$@"
EOF

# "Open the paper" asks the editor for window/showDocument with external: true; Helix hands the URL to
# xdg-open. This stub, first on the editor's PATH, records the URL instead of opening a viewer.
cat > "$H/stub/xdg-open" <<EOF
#!/bin/sh
echo "xdg-open \$*" >> $H/stub/opened.log
EOF
chmod +x "$H/bin/paperdraft" "$H/bin/hx" "$H/stub/xdg-open"

# the README's snippet, exactly
cat > "$H/config/helix/languages.toml" <<'EOF'
[language-server.paperdraft]
command = "paperdraft"
args = ["lsp"]

[[language]]
name = "markdown"
language-servers = ["paperdraft", "marksman"]   # keep your others
EOF

export PATH="$H/bin:$PATH" XDG_CONFIG_HOME=$H/config XDG_CACHE_HOME=$H/cache PAPERDRAFT_HOME=$H/home
export PAPERDRAFT_ARXIV_API_URL=http://127.0.0.1:9 PAPERDRAFT_ARXIV_OAI_URL=http://127.0.0.1:9
EDITOR_PATH="$H/stub:$PATH"

say "versions"
hx --version
tmux -V
paperdraft --help >/dev/null && echo "paperdraft: $(command -v paperdraft) -> PYTHONPATH=$WT $PY"
say "hx --health markdown"
hx --health markdown | sed 's/\x1b\[[0-9;]*m//g'

# ---------------------------------------------------------------- a fresh draft
rm -rf "$H/home" "$H/proj" "$H/cache" "$H/stub/opened.log"
mkdir -p "$H/proj" && cd "$H/proj" && git init -q
say "paperdraft draft $PDF --model none"
paperdraft draft "$PDF" --model none 2>&1
DRAFT=$(ls drafts/*.md)

# A --model none draft only quotes the paper, so it has no `unverified` flag; add one, as the pipeline
# writes a weakly supported sentence ("sentence (p. N, §x). <!-- unverified: weakly supported by the paper,
# check it against p. N, §x -->"), to try the flag's hover and code action.
sed -i '0,/^## Key ideas$/s//## Key ideas\n\nThe Transformer runs eight attention heads in parallel (p. 5, §3.2.2). <!-- unverified: weakly supported by the paper, check it against p. 5, §3.2.2 -->/' "$DRAFT"
say "the flag added to $DRAFT"
grep -n 'unverified:' "$DRAFT"
BEFORE=$(sha256sum "$DRAFT")

say "paperdraft check $DRAFT"
paperdraft check "$DRAFT" 2>&1 | tee "$H/check.txt" || true
CHECK_POS=$(grep -oE "^$DRAFT:[0-9]+:[0-9]+" "$H/check.txt" | sed "s|^$DRAFT:||" | tr '\n' ' ')

# ---------------------------------------------------------------- Helix in tmux
$TM kill-server 2>/dev/null && sleep 1 || true
trap '$TM kill-server 2>/dev/null || true' EXIT
$TM new-session -d -s hx -x 200 -y 50 \
    "env PATH='$EDITOR_PATH' XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_CACHE_HOME=$XDG_CACHE_HOME hx -v $DRAFT"

keys() { $TM send-keys -t hx "$@"; sleep 0.4; }           # keys by tmux name (Space, Escape, Enter, Down)
text() { $TM send-keys -t hx -l "$1"; sleep 0.4; }         # literal text
esc() { $TM send-keys -t hx Escape; sleep 0.4; }          # alone: ESC then a key at once reads as Alt-key
alt_semicolon() { $TM send-keys -t hx -H 1b 3b; sleep 0.4; }  # Alt-; (flip the selection), as raw bytes
cap() { say "$1"; $TM capture-pane -p -t hx | sed 's/ *$//'; }
status() { $TM capture-pane -p -t hx | grep -E '^ (NOR|INS|SEL) ' | sed 's/  */ /g'; }
pos() { status | grep -oE '[0-9]+:[0-9]+$' || echo '?'; }
published() { grep -c 'textDocument/publishDiagnostics' "$LOG" 2>/dev/null || true; }
wait_diags() {  # until the server publishes more than $1 times, then a moment for Helix to draw
    for _ in $(seq 100); do [ "$(published)" -gt "$1" ] && break; sleep 0.1; done; sleep 0.5
}
settled() {  # the server's latest diagnostics are for Helix's latest change (versions in the log)
    "$PY" - "$LOG" <<'PY'
import re, sys
changed = published = -1
for line in open(sys.argv[1], encoding="utf-8"):
    if "textDocument/didChange" in line:
        changed = max(changed, int(re.search(r'"version":(\d+)', line).group(1)))
    elif "textDocument/publishDiagnostics" in line:
        published = max(published, int(re.search(r'"version": (\d+)\}, "method"', line).group(1)))
sys.exit(0 if published >= changed else 1)
PY
}
wait_settled() { for _ in $(seq 100); do settled && break; sleep 0.2; done; sleep 0.5; }
search() { keys g g; keys /; text "$1"; keys Enter; }      # Helix's search is a regex
# pick a code action by title: the menu's items are one per row, in order
pick() {
    local i
    i=$($TM capture-pane -p -t hx | grep -nE 'I checked this claim|Open the paper|Jump to the critique' \
        | grep -n "$1" | head -1 | cut -d: -f1)
    [ -n "$i" ] || { echo "no action '$1' in the menu"; return 1; }
    for _ in $(seq 2 "$i"); do keys Down; done              # the first item is selected when it opens
    keys Enter
}

wait_diags 0
keys :; text 'set soft-wrap.enable true'; keys Enter    # long lines wrap in the captures (view only)
cap "1. the draft open, after the server's first diagnostics (status line: warnings, errors)"

# the LSP child: its environment and which libc it maps (trixie's must stay with hx)
LSPPID=$(ps -eo pid=,ppid=,args= | awk -v top="$($TM list-panes -t hx -F '#{pane_pid}')" '
    { ppid[$1] = $2; args[$1] = $0 }
    END { for (p in args) if (args[p] ~ /pipeline\.cli lsp/) for (q = p; q > 1; q = ppid[q]) if (q == top) print p }')
say "the language server hx started"
ps -o pid=,args= -p "$LSPPID"
echo "LD_LIBRARY_PATH in its environment: $(tr '\0' '\n' < /proc/$LSPPID/environ | grep -c '^LD_LIBRARY_PATH=' || true)"
echo "libc it maps: $(grep -oE '/[^ ]*libc\.so[^ ]*' /proc/$LSPPID/maps | sort -u | tr '\n' ' ')"

keys Space d
cap "1a. space d: the diagnostics picker"
esc

say "1b. ]d through every diagnostic from the top, against paperdraft check"
echo "(]d selects the diagnostic's range with the cursor at its end; Alt-; puts the cursor at its start)"
keys g g
N=$(echo "$CHECK_POS" | wc -w)
HX_POS=""
for _ in $(seq "$N"); do keys ] d; alt_semicolon; HX_POS="$HX_POS$(pos) "; done
echo "helix ]d: $HX_POS"
echo "check   : $CHECK_POS"
[ "$HX_POS" = "$CHECK_POS" ] && echo "the same lines and columns" || echo "DIFFERENT"

search 'p\. 4, §3\.2\.1'
keys Space k
cap "2. space k on the cite (p. 4, §3.2.1): hover"
esc

keys Space a
cap "3a. space a on the cite: code actions"
pick "Jump to the critique"
cap "3b. after 'Jump to the critique' (cursor now $(pos))"

search 'p\. 4, §3\.2\.1'
keys Space a
pick "Open the paper at p. 4"
say "3c. after 'Open the paper at p. 4': what the stub xdg-open was given"
sleep 1; cat "$H/stub/opened.log" 2>/dev/null || echo "(nothing)"

search 'unverified:'
keys Space k
cap "3d. space k on the unverified flag: the closest passages"
esc
keys Space a
cap "3e. space a on the unverified flag: code actions"
pick "I checked this claim"
wait_settled
cap "3f. after 'I checked this claim' (the line of the flag, unsaved [+]; one error fewer)"

keys Space s
cap "4. space s: the document symbols"
esc

search 'TODO\(author\)'
keys g h; keys v; keys g l; keys c      # select the placeholder line (not its newline) and change it
CRITIQUE=(
"The central claim, that attention alone can replace recurrence for translation, rests mostly on two WMT 2014 benchmarks, "
"and I would like to see how much of the gain survives when the baselines get the same training budget and tuning effort. "
"The ablation table is the strongest part of the paper: it varies heads, key size and dropout one at a time, which makes the architecture choices easy to judge. "
"What the paper assumes, though, is that quadratic cost in sequence length is acceptable; for long documents that assumption breaks, "
"and the restricted attention they mention is left for future work. Reproducing the results seems feasible, since the code is public in tensor2tensor, "
"but eight P100 GPUs for days is still a real cost for a small lab. I would use this model for sentence-level tasks today, and would hesitate on very long inputs."
)
for chunk in "${CRITIQUE[@]}"; do text "$chunk"; done   # typed in bursts, as a person would
esc
wait_settled
keys g h                                # back to the start of the line, for the capture
cap "5a. a $(printf '%s' "${CRITIQUE[*]}" | wc -w)-word critique typed over TODO(author)"
keys Space d
cap "5b. space d after typing: no placeholder, no short-critique"
esc

keys :; text 'q!'; keys Enter
sleep 1
$TM kill-server 2>/dev/null || true
say "the draft on disk (not saved)"
[ "$(sha256sum "$DRAFT")" = "$BEFORE" ] && echo "unchanged: $BEFORE" || echo "CHANGED"

# ---------------------------------------------------------------- what the log shows
say "Helix's log ($LOG): the LSP traffic, in short"
grep -iE 'marksman' "$LOG" || echo "(no line about marksman: Helix skips a server it cannot find, silently)"
echo "diagnostics Helix dropped as older than the buffer (sent for a keystroke while more followed):" \
     "$(grep -c 'out of date' "$LOG" || true)"
"$PY" - "$LOG" <<'EOF'
import json, re, sys
sent, run = {}, []
def flush():  # a run of didChange (one per keystroke) as one line
    if run:
        print(f"-> textDocument/didChange x {len(run)}, versions {run[0]} to {run[-1]}")
        run.clear()
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"helix_lsp::transport \[INFO\] paperdraft (->|<-) (\{.*)$", line)
    if not m:
        continue
    try:
        msg = json.loads(m.group(2))
    except ValueError:
        continue
    way, method = m.group(1), msg.get("method")
    if method == "textDocument/didChange":
        run.append(msg["params"]["textDocument"]["version"])
        continue
    flush()
    if way == "->" and "id" in msg and method:
        sent[msg["id"]] = method
    if method in ("initialize", "initialized", "textDocument/didOpen"):
        print(way, method, (msg["params"].get("clientInfo") or ""))
    elif method == "textDocument/publishDiagnostics":
        ds = msg["params"]["diagnostics"]
        print(way, method, "version", msg["params"].get("version"), "->",
              " ".join(f"{d['range']['start']['line'] + 1}:{d['code']}" for d in ds))
    elif method:
        print(way, method, json.dumps(msg.get("params"), ensure_ascii=False)[:300])
    elif way == "<-" and "id" in msg and sent.get(msg["id"]):
        print(way, "result of", sent[msg["id"]], json.dumps(msg.get("result"), ensure_ascii=False)[:700])
flush()
EOF
