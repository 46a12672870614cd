"""Cache keys from the code: an edit to a stage's code (or to a stage before it) makes new keys, and every
pipeline module a stage runs is in its list (pipeline/code_hash.py, pipeline/flows/cache_keys.py)."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from pipeline import code_hash as ch
from pipeline.config import load_settings
from pipeline.flows import cache_keys
from pipeline.records import Document, PaperMeta

REPO = Path(ch.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_caches():
    ch.code_hash.cache_clear()
    ch.distribution_versions.cache_clear()
    yield
    ch.code_hash.cache_clear()
    ch.distribution_versions.cache_clear()


def make_package(root: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> str:
    """A package of ``modules`` (file name -> source) on sys.path, under a name no other test uses."""
    name = f"tmppkg_{uuid.uuid4().hex[:10]}"
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text('"""A package made by a test."""\n')
    for file, source in modules.items():
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        (folder / file).write_text(source)
    monkeypatch.syspath_prepend(str(root))
    return name


def rehash(*modules: str) -> str:
    ch.code_hash.cache_clear()
    return ch.code_hash(tuple(modules))


# --------------------------------------------------------------------------- code_hash


def test_an_edit_to_any_file_of_a_package_changes_its_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = make_package(tmp_path, monkeypatch, {"a.py": "X = 1\n", "b.py": "def f():\n    return 2\n"})
    before = rehash(pkg)
    assert ch.code_hash((pkg,)) == before  # stable while nothing changes
    assert [p.name for p in ch.module_files(pkg)] == ["__init__.py", "a.py", "b.py"]

    (tmp_path / pkg / "b.py").write_text("def f():\n    return 3\n")
    assert ch.code_hash((pkg,)) == before  # cached for the life of the process, as the code it hashes is
    after_b = rehash(pkg)
    assert after_b != before

    (tmp_path / pkg / "a.py").write_text("X = 1  # a comment is an edit too\n")
    assert rehash(pkg) not in (before, after_b)


def test_a_single_module_is_hashed_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = make_package(tmp_path, monkeypatch, {"a.py": "X = 1\n", "b.py": "Y = 2\n"})
    assert ch.module_files(f"{pkg}.a") == [tmp_path / pkg / "a.py"]
    a, b, whole = rehash(f"{pkg}.a"), rehash(f"{pkg}.b"), rehash(pkg)
    assert len({a, b, whole}) == 3

    (tmp_path / pkg / "a.py").write_text("X = 10\n")
    assert rehash(f"{pkg}.a") != a
    assert rehash(f"{pkg}.b") == b  # another module's edit leaves it alone
    assert rehash(pkg) != whole


def test_new_moved_and_removed_files_change_the_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = make_package(tmp_path, monkeypatch, {"a.py": "X = 1\n", "sub/__init__.py": "", "sub/c.py": "Z = 3\n"})
    start = rehash(pkg)
    assert "sub/c.py" in {rel for rel, _ in ch._sources(pkg)}  # subpackages count, named within the package
    (tmp_path / pkg / "new.py").write_text("")
    with_new = rehash(pkg)
    assert with_new != start
    (tmp_path / pkg / "new.py").unlink()
    assert rehash(pkg) == start
    (tmp_path / pkg / "sub2").mkdir()
    (tmp_path / pkg / "sub" / "c.py").rename(tmp_path / pkg / "sub2" / "c.py")  # same bytes, same order, another module
    assert [p.name for p in ch.module_files(pkg)] == ["__init__.py", "a.py", "__init__.py", "c.py"]
    assert rehash(pkg) != start


def test_the_hash_does_not_depend_on_where_the_code_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers that share a result store from different checkouts share keys."""
    sources = {"a.py": "X = 1\n", "sub/__init__.py": "", "sub/b.py": "Y = 2\n"}
    pkg = make_package(tmp_path / "one", monkeypatch, sources)
    here = rehash(pkg)
    other = tmp_path / "two" / "deeper" / pkg
    for file, source in {"__init__.py": '"""A package made by a test."""\n', **sources}.items():
        (other / file).parent.mkdir(parents=True, exist_ok=True)
        (other / file).write_text(source)
    monkeypatch.syspath_prepend(str(other.parent))
    for name in [m for m in sys.modules if m == pkg or m.startswith(f"{pkg}.")]:
        monkeypatch.delitem(sys.modules, name)
    assert ch.module_files(pkg)[0].is_relative_to(other)  # really the other copy
    assert rehash(pkg) == here


def test_a_missing_module_is_an_import_error() -> None:
    with pytest.raises(ImportError, match="no module pipeline.no_such_stage to hash"):
        ch.code_hash(("pipeline.no_such_stage",))


# --------------------------------------------------------------------------- the keys follow the code


def _parameters(pdf: Path) -> dict[str, dict]:
    settings = load_settings()
    doc = Document(sections=[], page_count=1, source_path=str(pdf), sha256="d" * 64)
    meta = PaperMeta(title="Attention Is All You Need", arxiv_id="1706.03762", version=5)
    return {
        "extract": {"kind": "pdf", "pdf_path": str(pdf)},
        "chunk": {"doc": doc, "settings": settings, "title": meta.title},
        "summary": {"meta": meta, "chunks": [], "settings": settings, "doc_sha256": doc.sha256,
                    "prompts": {"notes": "abc", "section": "def"}},
    }


def keys(parameters: dict[str, dict]) -> dict[str, str]:
    ch.code_hash.cache_clear()
    return {
        "extract": cache_keys.extract_key(None, parameters["extract"]),
        "chunk": cache_keys.chunk_key(None, parameters["chunk"]),
        "summary": cache_keys.summary_key(None, parameters["summary"]),
    }


@pytest.fixture
def stages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Each stage's code replaced by a temporary package of its own: stage -> the module file to edit."""
    files = {}
    for stage in ("extract", "chunk", "summary"):
        pkg = make_package(tmp_path / "code" / stage, monkeypatch, {"work.py": f"STAGE = {stage!r}\n"})
        monkeypatch.setitem(ch.STAGE_MODULES, stage, (pkg,))
        files[stage] = tmp_path / "code" / stage / pkg / "work.py"
    return files


def test_editing_a_stage_changes_its_key_and_the_keys_after_it(tmp_path: Path, stages: dict[str, Path]) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 a paper\n%%EOF\n")
    parameters = _parameters(pdf)
    before = keys(parameters)
    assert keys(parameters) == before  # nothing changed: the same keys

    stages["extract"].write_text("STAGE = 'extract'  # edited\n")
    after_extract = keys(parameters)
    # every key changes: a chunk of a Document that newer extraction code would make differently is stale
    assert all(after_extract[s] != before[s] for s in before), (before, after_extract)

    stages["chunk"].write_text("STAGE = 'chunk'  # edited\n")
    after_chunk = keys(parameters)
    assert after_chunk["extract"] == after_extract["extract"]
    assert after_chunk["chunk"] != after_extract["chunk"] and after_chunk["summary"] != after_extract["summary"]

    stages["summary"].write_text("STAGE = 'summary'  # edited\n")
    after_summary = keys(parameters)
    assert after_summary["extract"] == after_chunk["extract"] and after_summary["chunk"] == after_chunk["chunk"]
    assert after_summary["summary"] != after_chunk["summary"]


def test_a_library_upgrade_changes_the_keys_of_the_stages_that_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4 a paper\n%%EOF\n")
    parameters = _parameters(pdf)
    before = keys(parameters)
    assert f"pypdf=={importlib.metadata.version('pypdf')}" in ch.distribution_versions(ch.STAGE_DISTRIBUTIONS["extract"])
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "scikit-learn" else real(name))
    ch.distribution_versions.cache_clear()
    after = keys(parameters)
    assert after["extract"] == before["extract"] and after["chunk"] == before["chunk"]
    assert after["summary"] != before["summary"]  # the TF-IDF evidence the summary keeps
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "pypdf" else real(name))
    ch.distribution_versions.cache_clear()
    assert all(keys(parameters)[s] != before[s] for s in before)  # pypdf's text feeds every later stage


def test_a_prompt_change_changes_the_chunk_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk is as long as fits beside the notes prompt: a longer prompt must not be served old chunks."""
    import shutil

    from pipeline.summarize.prompts import prompts_dir

    prompts = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), prompts)
    monkeypatch.setenv("PAPERDRAFT_PROMPTS_DIR", str(prompts))
    parameters = _parameters(tmp_path / "unused.pdf")["chunk"]
    before = cache_keys.chunk_key(None, parameters)
    notes = prompts / "notes.j2"
    notes.write_text(notes.read_text() + "\nA much longer instruction than before.\n")
    assert cache_keys.chunk_key(None, parameters) != before


# --------------------------------------------------------------------------- the real lists cover the code

# What each stage's task runs: tasks.extract_task -> core.extract, chunk_task -> core.chunk,
# summarise_task -> core.summarize. The pipeline modules those functions call, and everything those import.
STAGE_FUNCTIONS = {"extract": "extract", "chunk": "chunk", "summary": "summarize", "figures": "find_figures"}


def test_every_stage_module_resolves_to_files() -> None:
    for stage, modules in ch.STAGE_MODULES.items():
        assert modules, stage
        for name in modules:
            files = ch.module_files(name)
            assert files and all(f.is_file() and f.suffix == ".py" for f in files), name
            assert all(f.is_relative_to(REPO / "pipeline") for f in files), (name, files)  # this checkout's code
        assert len(ch.stage_code_hash(stage)) == 64
    assert set(ch.STAGE_MODULES) == set(cache_keys.UPSTREAM) == set(ch.STAGE_DISTRIBUTIONS) == set(STAGE_FUNCTIONS)
    for names in ch.STAGE_DISTRIBUTIONS.values():
        assert "==?" not in " ".join(ch.distribution_versions(names))  # each is installed: the name is right


def _core_modules_called(function: str) -> set[str]:
    """The pipeline modules whose names ``pipeline.core.<function>`` uses in its body, following the
    functions of core it calls (``chunk`` -> ``chunk_tokens`` -> ``note_overhead``)."""
    tree = ast.parse((REPO / "pipeline" / "core.py").read_text())
    imported = {alias.asname or alias.name: node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    imported.update({alias.asname or alias.name: f"pipeline.{alias.name}" for node in tree.body
                     if isinstance(node, ast.ImportFrom) and node.module == "pipeline" for alias in node.names})
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    modules, seen, todo = set(), set(), [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for statement in functions[name].body:
            for node in ast.walk(statement):
                if isinstance(node, ast.Name):
                    if node.id in functions:
                        todo.append(node.id)
                    elif imported.get(node.id, "").startswith("pipeline"):
                        modules.add(imported[node.id])
    return modules


def test_the_walk_of_core_follows_its_calls() -> None:
    assert _core_modules_called("extract") == {"pipeline.extract.pdf", "pipeline.extract.text_file",
                                               "pipeline.extract.choose"}
    assert {"pipeline.summarize.chunk", "pipeline.summarize.summarizer"} <= _core_modules_called("chunk")


LOADED = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps({n: getattr(m, "__file__", None) for n, m in sys.modules.items()
                  if n == "pipeline" or n.startswith("pipeline.")}))
"""


def inert(path: Path) -> bool:
    """A package __init__ with only a docstring and constants (``__version__ = "0.1.0"``): it shapes nothing."""
    body = ast.parse(path.read_text()).body
    return path.name == "__init__.py" and all(
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        or isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for node in body
    )


def test_inert_package_inits_are_told_apart() -> None:
    assert inert(REPO / "pipeline" / "__init__.py")
    assert not inert(REPO / "pipeline" / "fetch" / "__init__.py")  # it imports
    assert not inert(REPO / "pipeline" / "core.py")


@pytest.mark.parametrize("stage", sorted(STAGE_FUNCTIONS))
def test_every_pipeline_module_a_stage_imports_is_in_its_list(stage: str) -> None:
    entry = sorted(_core_modules_called(STAGE_FUNCTIONS[stage]))
    assert entry
    proc = subprocess.run([sys.executable, "-c", LOADED, *entry], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = {name: Path(file).resolve() for name, file in json.loads(proc.stdout).items() if file}
    assert set(entry) <= set(loaded)
    covered = {f.resolve() for name in ch.STAGE_MODULES[stage] for f in ch.module_files(name)}
    needed = {name: file for name, file in loaded.items() if not inert(file)}
    needed["pipeline.core"] = (REPO / "pipeline" / "core.py").resolve()  # the stage's function itself
    missing = sorted(name for name, file in needed.items() if file not in covered)
    assert not missing, f"add {missing} to STAGE_MODULES[{stage!r}] in pipeline/code_hash.py"
