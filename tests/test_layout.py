"""The layout the README promises: stage folders, small modules, no import circle, the README's tree true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
MAX_LINES = 300  # a module one can read in a sitting


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The pipeline modules ``name`` imports, anywhere in its body (function-level imports count too)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("pipeline"):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return found


def test_every_module_is_small() -> None:
    big = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def test_no_import_circle() -> None:
    mods = modules()
    graph = {name: {m for m in imports(name, path) if m in mods and m != name} for name, path in mods.items()}
    # a package's __init__ re-exporting its own submodules is not a circle through its parent
    graph = {n: {m for m in deps if not n.startswith(m + ".")} for n, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(dep):] + [dep]))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_no_module_uses_relative_imports() -> None:
    relative = [name for name, path in modules().items()
                if any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(ast.parse(path.read_text())))]
    assert not relative, f"use absolute imports (pipeline.x.y): {relative}"


def test_the_readme_layout_matches_the_tree() -> None:
    """Every folder and module in the README's layout exists, and every one that exists is in it."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- layout -->\n```text\n(.*?)```", readme, re.S)
    assert block, "README.md has no layout block"
    listed = set()
    folders: list[str] = []  # the folder at each depth of indentation (two spaces a level)
    for line in block.group(1).splitlines():
        m = re.match(r"^(\s*)(\S+)", line)
        if not m or not m.group(1):  # pipeline/ itself, and the project's other top-level folders
            continue
        depth = len(m.group(1)) // 2 - 1
        del folders[depth:]
        entry = "".join(folders) + m.group(2)
        listed.add(entry)
        if entry.endswith("/"):
            folders.append(m.group(2))
    actual = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    actual |= {p.relative_to(PACKAGE).as_posix() + "/" for p in PACKAGE.rglob("*") if p.is_dir() and (p / "__init__.py").exists()}
    assert listed == actual, f"in the README only: {sorted(listed - actual)}; in the tree only: {sorted(actual - listed)}"
