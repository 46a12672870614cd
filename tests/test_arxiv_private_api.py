"""arxiv's private API: used only by pipeline/fetch/client.py, checked at import, pinned in pyproject.toml.

``pipeline.fetch.client`` replaces ``arxiv.Client._parse_feed`` and reads ``Client._session`` and
``arxiv._feed``; an arxiv release may change any of them without notice. These tests prove the check
refuses another minor version and notices each name going missing, that no other module reaches into
arxiv's private names, and that arxiv still calls our override the way it is written.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import tomllib
from pathlib import Path

import arxiv
import pytest
from arxiv import _feed
from packaging.requirements import Requirement

from pipeline.fetch import client
from pipeline.fetch.client import ARXIV_API_PINNED, check_arxiv_api

PIPELINE = Path(client.__file__).resolve().parents[1]
REPO = PIPELINE.parent


# --------------------------------------------------------------------------- the version check


@pytest.mark.parametrize("version", ["4.1.0", "4.10.0", "5.0.0", "3.9.1", "4"])
def test_another_minor_version_is_refused(version: str) -> None:
    with pytest.raises(ImportError) as info:
        check_arxiv_api(version)
    message = str(info.value)
    assert f"arxiv {ARXIV_API_PINNED}.x" in message and f"found arxiv {version}" in message
    assert "pyproject.toml" in message and "ARXIV_API_PINNED" in message


def test_the_installed_arxiv_passes() -> None:
    assert ARXIV_API_PINNED == "4.0"
    check_arxiv_api(arxiv.__version__)
    check_arxiv_api(f"{ARXIV_API_PINNED}.99")  # any patch release of the pinned minor version


def test_pyproject_pins_the_minor_version_the_module_was_written_for() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    [spec] = [Requirement(r).specifier for r in project["dependencies"] if Requirement(r).name == "arxiv"]
    major, minor = map(int, ARXIV_API_PINNED.split("."))
    assert spec.contains(f"{major}.{minor}.0") and spec.contains(arxiv.__version__)
    for outside in (f"{major}.{minor + 1}.0", f"{major + 1}.0.0", f"{major}.{minor - 1}.9" if minor else f"{major - 1}.9"):
        assert not spec.contains(outside), (str(spec), outside)


# --------------------------------------------------------------------------- each private name going missing


def _refused(*names: str) -> str:
    with pytest.raises(ImportError) as info:
        check_arxiv_api(arxiv.__version__)
    message = str(info.value)
    assert f"arxiv {arxiv.__version__} lacks the private API" in message
    for name in names:
        assert name in message, message
    return message


def test_missing_parse_feed_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(arxiv.Client, "_parse_feed")
    _refused("Client._parse_feed")


def test_missing_feed_parse_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_feed, "parse")
    message = _refused("arxiv._feed.parse")
    assert "Client._parse_feed" not in message  # only what is really gone


def test_missing_parsed_feed_and_its_fields_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(_feed, "ParsedFeed")
    _refused("arxiv._feed.ParsedFeed", "ParsedFeed(header, results, malformed, error)")


def test_missing_session_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    init = arxiv.Client.__init__

    def without_session(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        del self._session

    monkeypatch.setattr(arxiv.Client, "__init__", without_session)
    _refused("Client._session")


def test_a_changed_parse_feed_signature_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arxiv.Client, "_parse_feed", lambda self, request, first_page=True: None)
    _refused("Client._parse_feed(self, url, ...)")


def test_results_no_longer_calling_parse_feed_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were arxiv to fetch pages some other way, our fetch loop would be skipped without a sound."""

    def _results(self, search, offset=0):
        yield from self._fetch_page(search, offset)

    monkeypatch.setattr(arxiv.Client, "_results", _results)
    _refused("Client._results calling self._parse_feed")


# --------------------------------------------------------------------------- the override matches its caller


def _parse_feed_calls(function) -> list[ast.Call]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr == "_parse_feed" and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"]


def test_the_override_takes_every_call_arxiv_makes() -> None:
    """Every ``self._parse_feed(...)`` in arxiv's Client binds to our override's signature, and the two
    signatures are the same (names, order, defaults), so no argument arxiv passes is lost."""
    ours = inspect.signature(client._Client._parse_feed)
    theirs = inspect.signature(arxiv.Client._parse_feed)
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.kind, p.default) for p in theirs.parameters.values()]
    calls = [call for name, member in inspect.getmembers(arxiv.Client, inspect.isfunction)
             if name != "_parse_feed" for call in _parse_feed_calls(member)]
    assert len(calls) >= 2  # the first page and the next pages, in Client._results
    for call in calls:
        assert not any(isinstance(a, ast.Starred) for a in call.args) and all(k.arg for k in call.keywords)
        ours.bind(object(), *(object() for _ in call.args), **{k.arg: object() for k in call.keywords})
    # and what our fetch reads of what arxiv's parser returns
    assert {"header", "results", "malformed", "error"} <= {f for f in _feed.ParsedFeed.__dataclass_fields__}
    assert {"total_results", "start_index"} <= set(_feed.FeedHeader.__dataclass_fields__)
    inspect.signature(_feed.parse).bind(b"<feed/>")  # raises TypeError if it no longer takes the bytes alone


def test_results_go_through_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    """Client.results really calls _Client._parse_feed (not arxiv's own fetch loop), with the page URLs."""
    from pipeline.config import load_settings

    seen: list[tuple[str, bool]] = []
    empty = _feed.ParsedFeed(header=_feed.FeedHeader(total_results=0))

    def fake(self, url: str, first_page: bool = True, _try_index: int = 0) -> _feed.ParsedFeed:
        seen.append((url, first_page))
        return empty

    monkeypatch.setattr(client._Client, "_parse_feed", fake)
    settings = load_settings().replace(arxiv_api_url="http://127.0.0.1:9/api/query")
    found = list(client._Client(settings).results(arxiv.Search(id_list=["1706.03762"])))
    assert found == [] and len(seen) == 1
    url, first_page = seen[0]
    assert url.startswith("http://127.0.0.1:9/api/query?") and "id_list=1706.03762" in url and first_page is True


# --------------------------------------------------------------------------- nobody else uses it

PRIVATE_ATTRIBUTES = {"_parse_feed", "_session", "_results", "_format_url", "_feed", "_last_request_dt"}


def private_arxiv_uses(tree: ast.Module) -> list[str]:
    """What ``tree`` touches of arxiv's private API: imports of private arxiv names (``from arxiv import
    _feed``, ``import arxiv._feed``, ``from arxiv._feed import ...``), ``arxiv._anything``, and the private
    attributes of arxiv's objects (``client._session``, ``._parse_feed``, ...) on any object."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "arxiv":
            if node.module != "arxiv" or any(a.name.startswith("_") for a in node.names):
                found.append(f"from {node.module} import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("arxiv.")]
        elif isinstance(node, ast.Attribute):
            if node.attr in PRIVATE_ATTRIBUTES:
                found.append(f".{node.attr}")
            elif (isinstance(node.value, ast.Name) and node.value.id == "arxiv" and node.attr.startswith("_")
                  and not (node.attr.startswith("__") and node.attr.endswith("__"))):
                found.append(f"arxiv.{node.attr}")
    return found


def test_the_walk_finds_every_kind_of_use() -> None:
    code = """
import arxiv
import arxiv._feed
from arxiv import _feed, Search
from arxiv._feed import parse
from arxiv import Client
x = arxiv._Client
v = arxiv.__version__
c = Client()
c._session.get("u")
c._parse_feed("u")
c.session.get("u")
"""
    assert sorted(private_arxiv_uses(ast.parse(code))) == sorted([
        "import arxiv._feed", "from arxiv import _feed, Search", "from arxiv._feed import parse",
        "arxiv._Client", "._session", "._parse_feed",
    ])  # and not the public names: arxiv.__version__, from arxiv import Client, c.session


def test_only_the_client_module_uses_arxivs_private_api() -> None:
    uses = {str(f.relative_to(PIPELINE)): private_arxiv_uses(ast.parse(f.read_text(), str(f)))
            for f in sorted(PIPELINE.rglob("*.py"))}
    assert len(uses) > 40  # really every module
    assert {path for path, found in uses.items() if found} == {"fetch/client.py"}, \
        {path: found for path, found in uses.items() if found and path != "fetch/client.py"}
    assert {"from arxiv import _feed", "._parse_feed", "._session"} <= set(uses["fetch/client.py"])
