"""Posts render math: a post whose draft holds LaTeX math (a paper drafted from its source) gets its site
generator's switch in the front matter, and Jekyll's kramdown its ``$$`` form of inline math."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.author.post import has_math, kramdown_math
from pipeline.author.publish import publish
from pipeline.config import load_settings
from pipeline.draftfile.parse import front_and_body
from tests.test_review import GOOD, SECTION_TEXT, make_draft

DAY = date(2024, 5, 1)
MATHS = dict(SECTION_TEXT, **{"How it works": "Each layer computes $y = W_2 \\sigma(W_1 x)$, and the loss is\n"
                              "$$L(\\theta) = \\sum_i \\ell(f_\\theta(x_i), y_i)$$"})


@pytest.mark.parametrize("fmt, switch", [("jekyll", {"math": True, "mathjax": True}),
                                         ("hugo", {"math": True}),
                                         ("quarto", {"html-math-method": "mathjax"})])
def test_a_post_with_math_switches_its_generators_math_on(tmp_path: Path, fmt, switch):
    draft = make_draft(tmp_path / "drafts", GOOD, sections=MATHS)
    post = Path(publish(draft, tmp_path / "blog", fmt, load_settings(), today=DAY).post)
    front, body = front_and_body(post.read_text())
    where = front["params"] if fmt == "hugo" else front
    assert {k: where.get(k) for k in switch} == switch
    assert "L(\\theta) = \\sum_i" in body
    inline = "$$y = W_2 \\sigma(W_1 x)$$" if fmt == "jekyll" else "$y = W_2 \\sigma(W_1 x)$"
    assert inline in body


def test_a_post_without_math_gets_no_switch(tmp_path: Path):
    draft = make_draft(tmp_path / "drafts", GOOD)
    for fmt in ("jekyll", "hugo", "quarto"):
        post = Path(publish(draft, tmp_path / fmt, fmt, load_settings(), today=DAY).post)
        front, _ = front_and_body(post.read_text())
        assert not {"math", "mathjax", "html-math-method"} & (set(front) | set(front.get("params") or {}))


def test_dollar_amounts_are_no_math_and_kramdown_keeps_displays():
    assert not has_math("It costs $5 a month, or $60 a year.")
    assert has_math("the map $f(x)$ here") and has_math("$$a = b$$")
    assert kramdown_math("a $x_i$ and $$y$$ and $5") == "a $$x_i$$ and $$y$$ and $5"
