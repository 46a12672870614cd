"""Open a draft in the author's editor, with the cursor on the critique.

The editor is ``$VISUAL``, then ``$EDITOR`` (either may carry arguments, e.g.
``code --wait`` or ``emacs -nw``), then the first of a few common editors on
``PATH``. How to ask for a line depends on the editor; unknown editors get the
file only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from pipeline.draftfile.format import PLACEHOLDER
from pipeline.draftfile.parse import read_draft
from pipeline.errors import NoEditorError

FALLBACKS = ("sensible-editor", "editor", "nano", "vim", "vi", "emacs", "micro")
PLUS_LINE = {"vi", "vim", "nvim", "gvim", "mvim", "view", "nano", "pico", "rnano", "emacs", "emacsclient",
             "micro", "kak", "joe", "jmacs", "jstar", "mg", "ne", "gedit", "mousepad", "pluma", "xed", "vis"}
CODE_LIKE = {"code", "code-insiders", "codium", "vscodium", "cursor", "windsurf"}
COLON_LINE = {"subl", "sublime_text", "hx", "helix", "zed", "zeditor"}
WAIT_FLAGS = {"code": "--wait", "code-insiders": "--wait", "codium": "--wait", "vscodium": "--wait",
              "cursor": "--wait", "windsurf": "--wait", "subl": "--wait", "zed": "--wait", "gvim": "-f", "mvim": "-f"}




@dataclass
class Editor:
    """The command to run, where it came from ("$VISUAL", "$EDITOR" or "PATH"), and why a setting was passed over."""

    argv: list[str]
    origin: str
    passed_over: list[str] = field(default_factory=list)  # "$EDITOR='code --wait' is not an executable on PATH"


def find_editor(env: Mapping[str, str] | None = None) -> Editor:
    """``$VISUAL``, ``$EDITOR``, then a fallback on PATH; raises :class:`NoEditorError` saying what was tried."""
    env = os.environ if env is None else env
    path = env.get("PATH", os.defpath)
    tried, passed_over = [], []
    for var in ("VISUAL", "EDITOR"):
        value = (env.get(var) or "").strip()
        if not value:
            tried.append(f"${var} is not set")
            continue
        try:
            argv = shlex.split(value)
        except ValueError as exc:
            passed_over.append(f"${var}={value!r} cannot be parsed ({exc})")
            continue
        found = shutil.which(argv[0], path=path) if argv else None
        if found:
            return Editor([found, *argv[1:]], f"${var}", passed_over)
        passed_over.append(f"${var}={value!r} is not an executable on PATH")
    tried += passed_over
    for name in FALLBACKS:
        found = shutil.which(name, path=path)
        if found:
            return Editor([found], "PATH", passed_over)
    tried.append(f"none of {', '.join(FALLBACKS)} is on PATH")
    raise NoEditorError("no editor found: " + "; ".join(tried),
                        hint="set $EDITOR (e.g. export EDITOR=nano), or open the file yourself")


def _kind(program: str) -> str:
    """The editor's name, following links such as Debian's ``editor`` -> ``/usr/bin/nano``."""
    name = Path(program).name.lower().removesuffix(".exe")
    if name in PLUS_LINE | CODE_LIKE | COLON_LINE:
        return name
    real = Path(os.path.realpath(program)).name.lower().removesuffix(".exe")
    return real.split(".")[0] if real.split(".")[0] in PLUS_LINE else real


def editor_argv(argv: list[str], path: Path, line: int) -> list[str]:
    """The command that opens ``path`` at ``line`` in this editor."""
    kind = _kind(argv[0])
    wait = WAIT_FLAGS.get(kind)
    extra = [wait] if wait and wait not in argv and not (wait == "--wait" and "-w" in argv) else []
    if kind in CODE_LIKE:
        return [*argv, *extra, "-g", f"{path}:{line}"]
    if kind in COLON_LINE:
        return [*argv, *extra, f"{path}:{line}"]
    if kind == "kate":
        return [*argv, "-l", str(line), str(path)]
    if kind in PLUS_LINE:
        return [*argv, *extra, f"+{line}", str(path)]
    return [*argv, str(path)]


def critique_line(path: Path) -> int:
    """The line to put the cursor on: the placeholder, else the critique's first written line, else its heading."""
    doc = read_draft(path)
    if not doc.critique:
        return 1
    found = doc.text.find(PLACEHOLDER, doc.critique.start, doc.critique.end)
    if found < 0:
        region = doc.masked[doc.critique.start : doc.critique.end]
        stripped = len(region) - len(region.lstrip())
        found = doc.critique.start + stripped if region.strip() else doc.critique.at
    return doc.line_col(found)[0]


def open_in_editor(path: Path, env: Mapping[str, str] | None = None,
                   warn: Callable[[str], None] = lambda message: None) -> tuple[list[str], int]:
    """Run the editor on ``path`` at the critique and wait for it; returns (command, exit status).

    ``warn`` hears about each editor setting that was passed over, before another editor opens."""
    editor = find_editor(env)
    for reason in editor.passed_over:
        warn(f"{reason}; opening {Path(editor.argv[0]).name} instead")
    argv = editor_argv(editor.argv, path, critique_line(path))
    try:
        return argv, subprocess.run(argv, env=None if env is None else dict(env)).returncode
    except OSError as exc:
        raise NoEditorError(f"could not start {editor.origin} editor {argv[0]}: {exc}",
                            hint="check $VISUAL and $EDITOR") from None
