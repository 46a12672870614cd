"""pipeline.errors: every error pickles whole (Prefect moves them between processes), and it is the only
place where errors a user can meet are defined; nothing in pipeline/ raises a bare built-in error to users."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pickle
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.author.check import Finding

PIPELINE = Path(errors.__file__).resolve().parent
ERROR_CLASSES = sorted(
    (obj for _, obj in inspect.getmembers(errors, inspect.isclass)
     if issubclass(obj, errors.PaperdraftError) and obj.__module__ == errors.__name__),
    key=lambda cls: cls.__name__,
)


def _value(cls: type, name: str):
    """A value for constructor argument ``name`` that is not its default."""
    values = {
        "message": f"{cls.__name__}: paper 1706.03762v5 went wrong",
        "hint": "try the thing the hint says",
        "findings": [Finding("drafts/a.md", 3, 7, "error", "unfilled placeholder"),
                     Finding("drafts/a.md", 9, 1, "warning", "a number the paper lacks")],
        "rows": [{"source": "1706.03762", "status": "failed", "error": "boom", "seconds": 1.5},
                 {"source": "1810.04805", "status": "written", "error": None, "seconds": 2.0}],
    }
    if name not in values:
        pytest.fail(f"{cls.__name__}({name}=...): give this test a non-default value for the new argument")
    return values[name]


def test_the_hierarchy_is_found() -> None:
    names = {cls.__name__ for cls in ERROR_CLASSES}
    assert {"PaperdraftError", "NotReadyError", "PapersFailed", "ModelError", "NoEditorError"} <= names
    assert len(ERROR_CLASSES) == 15  # the tree in pipeline/errors.py's docstring


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_error_pickles_whole(cls: type) -> None:
    params = [p for p in inspect.signature(cls).parameters.values() if p.kind is not p.VAR_KEYWORD]
    kwargs = {p.name: _value(cls, p.name) for p in params}
    for p in params:
        if p.default is not p.empty:
            assert kwargs[p.name] != p.default, p.name
    original = cls(**kwargs)
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert copy.args == original.args
    assert vars(copy) == vars(original)
    assert set(vars(original)) >= {"message", "hint"}
    for name, value in kwargs.items():  # every argument survives as the attribute of that name
        assert getattr(copy, name) == value, name
    assert str(copy) == str(original) and kwargs["hint"] in str(copy)
    assert copy.exit_code == original.exit_code == cls.exit_code
    # also when a hint is left out (the constructor's defaults), e.g. as the CLI raises most of them
    bare = cls(**{p.name: kwargs[p.name] for p in params if p.default is p.empty})
    again = pickle.loads(pickle.dumps(bare))
    assert (type(again), again.args, vars(again), str(again)) == (cls, bare.args, vars(bare), str(bare))


def test_exit_codes() -> None:
    usage = {cls.__name__ for cls in ERROR_CLASSES if cls.exit_code == 2}
    assert usage == {"InvalidSourceError", "ConfigError", "NoEditorError", "PublishFormatError"}
    assert {cls.exit_code for cls in ERROR_CLASSES} == {1, 2}


# --------------------------------------------------------------------------- one place for errors

# Exceptions defined outside pipeline/errors.py that never reach a user, each caught and turned into a
# PaperdraftError inside pipeline/: the fetch loop's signals (Retryable -> FetchError in with_retries;
# ApiError -> PaperNotFoundError / InvalidSourceError in metadata.py), the PDF reader's time-out signal
# (_OutOfTime -> ExtractionError), and the flow's "this paper's step did not complete" (_Stop).
INTERNAL_EXCEPTIONS = {
    ("fetch/retries.py", "Retryable"),
    ("fetch/client.py", "ApiError"),
    ("extract/pdf_reader.py", "_OutOfTime"),
    ("flows/flow.py", "_Stop"),
    ("figures/render.py", "RenderProblem"),  # caught in figures/worker.py: the figure gets a problem
    ("extract/latex/picture_worker.py", "_Refused"),  # caught in its run(): the job is refused, the PDF's crop shown
}
# Not errors but signals (BaseException, not Exception): Ctrl-C or SIGTERM during a write, which the CLI
# reports as "interrupted" and exits 130 or 143 with.
SIGNALS = {("interrupts.py", "Interrupted")}
# Built-in errors that may be raised in pipeline/, by (file, function, error): ImportError only for the
# developer, at import (arxiv's private API changed; a stage module to hash is gone), one ValueError
# that its only caller turns into a ConfigError (config._coerce), the AttributeError of a module's lazy
# ``__getattr__`` (Python's protocol for a missing name), and the SystemExit that ends ``serve`` on SIGTERM.
ALLOWED_BUILTIN_RAISES = {
    ("fetch/client.py", "check_arxiv_api", "ImportError"),
    ("code_hash.py", "_sources", "ImportError"),
    ("config.py", "_whole", "ValueError"),
    ("flows/__init__.py", "__getattr__", "AttributeError"),
    ("flows/local.py", "_exit", "SystemExit"),
}
BUILTIN_EXCEPTIONS = {name for name, obj in vars(builtins).items()
                      if isinstance(obj, type) and issubclass(obj, BaseException)}


def _sources() -> list[tuple[str, ast.Module]]:
    files = sorted(PIPELINE.rglob("*.py"))
    assert len(files) > 40  # really the whole package
    return [(str(f.relative_to(PIPELINE)), ast.parse(f.read_text(), str(f))) for f in files]


def _base_name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def exception_classes(tree: ast.Module) -> list[str]:
    """Names of the classes (at any depth) in ``tree`` that derive from an exception: a built-in one,
    one of pipeline.errors, or another exception class of the same module."""
    known = BUILTIN_EXCEPTIONS | {cls.__name__ for cls in ERROR_CLASSES}
    found: list[str] = []
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    changed = True
    while changed:  # a class may derive from one defined after it in the walk
        changed = False
        for node in classes:
            if node.name not in found and any(_base_name(b) in known | set(found) for b in node.bases):
                found.append(node.name)
                changed = True
    return found


def test_exception_classes_are_found_by_the_walk() -> None:
    tree = ast.parse("import pipeline.errors as e\nclass A(ValueError): pass\nclass B(A): pass\n"
                     "class C(e.FetchError): pass\nclass D: pass\ndef f():\n    class _E(Exception): pass\n")
    assert sorted(exception_classes(tree)) == ["A", "B", "C", "_E"]


def test_user_facing_errors_are_defined_only_in_errors_py() -> None:
    found = {(path, name) for path, tree in _sources() if path != "errors.py" for name in exception_classes(tree)}
    assert found == INTERNAL_EXCEPTIONS | SIGNALS, (
        "define errors a user can meet in pipeline/errors.py; an internal one goes in INTERNAL_EXCEPTIONS "
        "with where it is caught"
    )
    for path, name in SIGNALS:  # really signals: no ``except Exception`` takes them for an error
        cls = getattr(importlib.import_module("pipeline." + path[:-3].replace("/", ".")), name)
        assert issubclass(cls, BaseException) and not issubclass(cls, Exception), cls


def builtin_raises(tree: ast.Module) -> list[tuple[str, str]]:
    """(function, error) for each built-in exception raised in ``tree`` (``raise ValueError(...)``, ``raise KeyError``);
    the function is the innermost one around the raise ("" at module level)."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in BUILTIN_EXCEPTIONS:
                found.append((function, exc.id))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "")
    return found


def test_builtin_raises_are_found_by_the_walk() -> None:
    tree = ast.parse("def f(x):\n    if x:\n        raise ValueError('no')\n    raise KeyError\n"
                     "def g():\n    raise err\nraise FileNotFoundError(2)\n")
    assert builtin_raises(tree) == [("f", "ValueError"), ("f", "KeyError"), ("", "FileNotFoundError")]


def test_nothing_raises_a_bare_builtin_error_to_users() -> None:
    found = {(path, function, name) for path, tree in _sources() for function, name in builtin_raises(tree)}
    assert found <= ALLOWED_BUILTIN_RAISES, sorted(found - ALLOWED_BUILTIN_RAISES)
