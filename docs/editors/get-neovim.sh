#!/bin/bash
# Fetch a newer Neovim (and its shared libraries, glibc included) from Debian and unpack it into $D/root,
# installing nothing system-wide; for docs/editors/try-neovim.lua on a Debian 12 machine.
# Usage: bash get-neovim.sh                    sid    -> $D/root,        launcher $D/bin/nvim-new (0.12.x)
#        SUITE=trixie bash get-neovim.sh       trixie -> $D/root-trixie, launcher $D/bin/nvim-trixie (0.10.4)
set -euo pipefail
SUITE=${SUITE:-sid}
D=${D:-${TMPDIR:-/tmp}/try-neovim}; DEBS=$D/debs-$SUITE
if [ "$SUITE" = sid ]; then ROOT=$D/root; LAUNCH=$D/bin/nvim-new; else ROOT=$D/root-$SUITE; LAUNCH=$D/bin/nvim-$SUITE; fi
MIRROR=http://deb.debian.org/debian
mkdir -p "$ROOT" "$DEBS" "$D/bin"
[ -s "$D/$SUITE.txt" ] || curl -fsS "$MIRROR/dists/$SUITE/main/binary-amd64/Packages.xz" | xz -dc > "$D/$SUITE.txt"
# Resolve the Depends/Pre-Depends closure of neovim (first alternative, ignoring versions).
python3 - "$D/$SUITE.txt" neovim > "$DEBS/list.txt" <<'PY'
import sys, re
pk = {}; prov = {}
for stanza in open(sys.argv[1], encoding="utf-8").read().split("\n\n"):
    f = {}
    for line in stanza.splitlines():
        if line and not line[0].isspace() and ":" in line:
            k, v = line.split(":", 1); f[k] = v.strip()
    if "Package" in f:
        pk.setdefault(f["Package"], f)
        for p in f.get("Provides", "").split(","):
            p = re.sub(r"\(.*\)", "", p).strip()
            if p: prov.setdefault(p, f["Package"])
seen = []; todo = [sys.argv[2]]
while todo:
    n = todo.pop()
    if n not in pk: n = prov.get(n, n)
    if n in seen or n not in pk: continue
    seen.append(n)
    deps = pk[n].get("Pre-Depends", "") + "," + pk[n].get("Depends", "")
    for d in deps.split(","):
        d = d.split("|")[0]; d = re.sub(r"\(.*?\)|\[.*?\]|:any", "", d).strip()
        if d: todo.append(d)
for n in seen: print(n, pk[n]["Version"], pk[n]["Filename"])
PY
cat "$DEBS/list.txt"
while read -r name ver file; do
  deb="$DEBS/$(basename "$file")"
  [ -s "$deb" ] || curl -fsS -o "$deb" "$MIRROR/$file"
  dpkg-deb -x "$deb" "$ROOT"
done < "$DEBS/list.txt"
# Launcher (the rtp entry gives it Debian's bundled tree-sitter parsers, compiled-in as /usr/lib/nvim):
# run nvim with the unpacked loader/libc; --library-path affects nvim only, not its children.
cat > "$LAUNCH" <<SH
#!/bin/sh
export VIMRUNTIME=$ROOT/usr/share/nvim/runtime
exec $ROOT/usr/lib64/ld-linux-x86-64.so.2 --library-path $ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu $ROOT/usr/bin/nvim --cmd 'set rtp^=$ROOT/usr/lib/nvim' "\$@"
SH
chmod +x "$LAUNCH"
"$LAUNCH" --version | head -3
