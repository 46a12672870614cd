"""The real embedded default model drafting from an e-print through the test server and the real CLI: the
source's math in the draft, its figures, and page cites from the PDF when both are served (2102.10535).

Model wording is never asserted: only where the text came from, its cites, its math and its pictures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app

pytestmark = pytest.mark.slow
pytest_plugins = ["tests.arxiv_server"]


def _draft(arxiv_id: str, out: Path) -> str:
    result = CliRunner().invoke(app, ["draft", arxiv_id, "--drafts-dir", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob(f"{arxiv_id}-*.md")
    assert any(path.with_name(path.stem + ".assets").glob("figure-*.png"))  # pictures from the source files
    return path.read_text()


def test_default_model_drafts_from_the_source_with_math_figures_and_pages(arxiv_server, default_model_home: Path,
                                                                          tmp_path: Path):
    both = _draft("2102.10535", tmp_path)  # source and PDF served
    front = yaml.safe_load(both.split("---\n")[1])
    assert front["text_from"] == "latex" and "pages from the PDF" in front["text_note"]
    pages = [int(p) for p in re.findall(r"\(p\. (\d+)", both)]
    assert pages and all(1 <= p <= 9 for p in pages)
    assert re.search(r"^\*Figure \d+ \(p\. \d\): ", both, re.M)  # an embedded source figure, with its page

    source_only = _draft("2310.03240", tmp_path)  # no PDF served: sections only
    assert yaml.safe_load(source_only.split("---\n")[1])["text_from"] == "latex"
    body = source_only.split("## My critique")[0]
    assert re.search(r"\$[^$\s][^$]*\$", body)  # the authors' math, as LaTeX
    assert not re.search(r"\(p\. \d", body)
