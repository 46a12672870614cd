"""Figures in drafts and posts: the key figures placed with their captions, the author's choice kept, and
publish doing what each licence allows."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pipeline import core
from pipeline.author.check import check_file
from pipeline.author.publish import publish
from pipeline.config import load_settings
from pipeline.draftfile.figures import IMAGE_LINE
from pipeline.draftfile.store import write_draft
from pipeline.extract.pdf import extract_pdf
from pipeline.records import PaperMeta, Summary
from tests.conftest import corpus_file

CC_BY = "http://creativecommons.org/licenses/by/4.0/"
NONEXCLUSIVE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
HEADINGS = ["TL;DR", "The problem", "Key ideas", "How it works", "Results", "Limitations"]
CRITIQUE = ("The attention-only design is convincing on translation, but the paper compares against recurrent "
            "baselines trained with far less tuning, and the big model's gains partly come from compute. I would "
            "want an ablation that holds the training budget fixed across architectures, and a test on long "
            "documents, where quadratic attention costs the most. The parsing result is a nice sign of generality, "
            "yet one task is thin evidence for the claim. Reproducing it is feasible: the code and the data are both released, which I value highly.")


@pytest.fixture(scope="module")
def attention(tmp_path_factory: pytest.TempPathFactory):
    """The Attention paper's Document and figures (extracted once), under a module-wide cache."""
    pdf = corpus_file("pdfs/1706.03762v5.pdf")
    cache = tmp_path_factory.mktemp("cache")
    settings = load_settings().replace(cache=cache)
    doc = extract_pdf(pdf)
    return pdf, doc, core.find_figures(pdf, "pdf", settings, doc.sha256)


def _meta(licence: str | None) -> PaperMeta:
    return PaperMeta(title="Attention Is All You Need", authors=["Ashish Vaswani", "Noam Shazeer"],
                     arxiv_id="1706.03762", version=5, url="https://arxiv.org/abs/1706.03762v5",
                     pdf_url="https://arxiv.org/pdf/1706.03762v5", license=licence)


def _summary() -> Summary:
    return Summary(notes=[], sections={h: f"What the paper says about {h.lower()}." for h in HEADINGS},
                   model="scripted", prompt_hashes={})


def _draft(tmp_path: Path, attention, licence: str | None) -> Path:
    _, doc, figures = attention
    meta = _meta(licence)
    plan = core.plan_figures(figures, doc, meta, load_settings(), HEADINGS)
    return Path(write_draft(meta, _summary(), "1706.03762", tmp_path / "drafts", plan=plan).path)


def _section(text: str, heading: str) -> str:
    return re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## )", text, re.M | re.S).group(1)


def _with_critique(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("TODO(author): write your critique here, in your own words.", CRITIQUE))


def test_the_architecture_figure_goes_under_how_it_works_and_the_bleu_table_under_results(tmp_path, attention):
    path = _draft(tmp_path, attention, CC_BY)
    text = path.read_text()
    how, results = _section(text, "How it works"), _section(text, "Results")
    assert f"![Figure 1]({path.stem}.assets/figure-1.png)" in how
    assert "*Figure 1 (p. 3): “The Transformer - model architecture.”*" in how
    assert f"![Table 2]({path.stem}.assets/table-2.png)" in results and "*Table 2 (p. 8): “" in results
    assert "BLEU" in results
    assets = path.with_name(path.stem + ".assets")
    assert sorted(p.name for p in assets.iterdir()) == sorted(f.image for f in attention[2].figures)
    notes = re.search(r"<!-- The paper's other figures.*?-->", text, re.S).group(0)
    for label in ("Figure 2", "Table 1", "Table 3", "Table 4", "Figure 3"):
        assert f"![{label}]" in notes  # offered to the author, with its page
    assert "![Figure 1]" not in notes and "![Table 2]" not in notes
    front = text.split("---")[1]
    assert f"license: {CC_BY}" in front and "figures: 9" in front


def test_a_redraft_keeps_the_authors_choice_of_figures(tmp_path, attention):
    path = _draft(tmp_path, attention, CC_BY)
    text = path.read_text()
    how = _section(text, "How it works")
    block = re.search(r"\n\n!\[Figure 1\][^\n]*\n\*Figure 1[^\n]*", how).group(0)
    results = _section(text, "Results")
    swapped = results + f"![Table 3]({path.stem}.assets/table-3.png)\n*Table 3 (p. 9): the variations.*\n\n"
    path.write_text(text.replace(how, how.replace(block, "")).replace(results, swapped))
    again = Path(_draft(tmp_path, attention, CC_BY)).read_text()
    assert "![Figure 1]" not in _section(again, "How it works")  # removed stays removed
    assert "![Table 3]" in _section(again, "Results")  # added stays


def _published(tmp_path: Path, path: Path, fmt: str, blog: Path, **kw):
    _with_critique(path)
    result = publish(path, blog, fmt, load_settings(), today=date(2026, 12, 1), **kw)
    return result, result.post.read_text()


def test_a_cc_by_papers_jekyll_post_carries_the_pictures_with_attribution(tmp_path, attention):
    path = _draft(tmp_path, attention, CC_BY)
    notes = [f for f in check_file(path, 80) if "CC BY 4.0" in f.message]
    assert notes and notes[0].severity == "note" and "copies its 2 figure(s)" in notes[0].message
    blog = tmp_path / "site" / "_posts"
    result, post = _published(tmp_path, path, "jekyll", blog)
    stem = result.post.stem
    assert (tmp_path / "site" / "assets" / stem / "figure-1.png").is_file()
    assert (tmp_path / "site" / "assets" / stem / "table-2.png").is_file()
    assert f"![Figure 1]({{{{ '/assets/{stem}/figure-1.png' | relative_url }}}})" in post
    assert "*Figure 1 from [arXiv:1706.03762](https://arxiv.org/abs/1706.03762v5), by Ashish Vaswani et al.; " \
           "CC BY 4.0.*" in post
    assert "Other figures" not in post and "figure-2.png" not in post  # the notes are comments: never in a post


def test_a_hugo_post_with_pictures_is_a_page_bundle_and_quarto_keeps_them_beside_the_post(tmp_path, attention):
    path = _draft(tmp_path, attention, CC_BY)
    result, post = _published(tmp_path, path, "hugo", tmp_path / "content" / "posts")
    assert result.post.name == "index.md" and result.post.parent.parent == tmp_path / "content" / "posts"
    assert (result.post.parent / "figure-1.png").is_file() and "![Figure 1](figure-1.png)" in post
    again = publish(path, tmp_path / "content" / "posts", "hugo", load_settings(), today=date(2026, 12, 2))
    assert again.post == result.post and again.status == "unchanged"  # the bundle is its post from then on
    quarto = publish(path, tmp_path / "quarto" / "posts", "quarto", load_settings(), today=date(2026, 12, 1))
    folder = quarto.post.with_name(quarto.post.stem + "-figures")
    assert (folder / "table-2.png").is_file() and f"]({folder.name}/table-2.png)" in quarto.post.read_text()


def test_a_non_exclusive_papers_post_links_to_the_pages_instead(tmp_path, attention):
    path = _draft(tmp_path, attention, NONEXCLUSIVE)
    warning = [f for f in check_file(path, 80) if "non-exclusive" in f.message]
    assert warning and warning[0].severity == "warning" and "links to their pages" in warning[0].message
    blog = tmp_path / "site" / "_posts"
    result, post = _published(tmp_path, path, "jekyll", blog)
    assert "![" not in post and not (tmp_path / "site" / "assets").exists()
    assert "[Figure 1, page 3 of the paper](https://arxiv.org/pdf/1706.03762v5#page=3)" in post
    assert "[Table 2, page 8 of the paper](https://arxiv.org/pdf/1706.03762v5#page=8)" in post
    assert "*Figure 1 (p. 3): “The Transformer - model architecture.”*" in post  # the caption stays, quoted
    assert "linked to their pages" in result.figures


@pytest.mark.parametrize("how", ["flag", "front matter"])
def test_the_authors_override_includes_the_pictures_and_the_post_says_so(tmp_path, attention, how):
    path = _draft(tmp_path, attention, NONEXCLUSIVE)
    if how == "front matter":
        path.write_text(path.read_text().replace("status: draft", "status: draft\npublish_figures: true", 1))
        assert any("publish_figures is true" in f.message for f in check_file(path, 80))
    blog = tmp_path / "site" / "_posts"
    result, post = _published(tmp_path, path, "jekyll", blog, with_figures=how == "flag")
    assert (tmp_path / "site" / "assets" / result.post.stem / "figure-1.png").is_file()
    assert "takes responsibility" in post and "does not grant reuse" in post
    assert len(IMAGE_LINE.findall(path.read_text())) == 2  # the draft itself is unchanged


def test_a_local_pdf_has_an_unknown_licence_and_its_post_shows_no_pictures(tmp_path, attention):
    pdf, doc, figures = attention
    meta = PaperMeta(title="Attention Is All You Need", authors=["Ashish Vaswani"])
    plan = core.plan_figures(figures, doc, meta, load_settings(), HEADINGS)
    path = Path(write_draft(meta, _summary(), str(pdf), tmp_path / "drafts", name="attention", plan=plan).path)
    assert "license: unknown" in path.read_text()
    assert any("its licence is unknown" in f.message for f in check_file(path, 80))
    _, post = _published(tmp_path, path, "plain", tmp_path / "blog")
    assert "![" not in post and "Figure 1 is not shown here" in post


def test_figures_off_leaves_the_draft_text_only(tmp_path, attention, monkeypatch):
    pdf, doc, _ = attention
    monkeypatch.setenv("PAPERDRAFT_FIGURES", "false")
    assert core.find_figures(pdf, "pdf", load_settings(), doc.sha256) is None
    plan = core.plan_figures(None, doc, _meta(None), load_settings(), HEADINGS)
    path = Path(write_draft(_meta(None), _summary(), "1706.03762", tmp_path / "drafts", plan=plan).path)
    assert "![" not in path.read_text() and not path.with_name(path.stem + ".assets").exists()


def test_drafting_1706_03762_from_the_test_server_puts_its_figures_in_and_learns_its_licence(
        tmp_path, arxiv_server, tiny_backend):
    arxiv_server.licences["1706.03762"] = CC_BY
    settings = load_settings(drafts_dir=str(tmp_path / "drafts"))
    result = core.draft_one("1706.03762", settings, backend=tiny_backend)
    text = Path(result.path).read_text()
    assert result.figures == 9
    assert "![Figure 1](" in _section(text, "How it works") and "(p. 3)" in _section(text, "How it works")
    assert "![Table 2](" in _section(text, "Results") and "BLEU" in _section(text, "Results")
    assert f"license: {CC_BY}" in text
    oai = [r for r in arxiv_server.requests if r.path.startswith("/oai")]
    assert len(oai) == 1 and oai[0].query["identifier"] == "oai:arXiv.org:1706.03762"
    assert oai[0].query["metadataPrefix"] == "arXiv" and oai[0].query["verb"] == "GetRecord"
    core.draft_one("1706.03762", settings, backend=tiny_backend)  # a redraft asks for the licence no more
    assert len([r for r in arxiv_server.requests if r.path.startswith("/oai")]) == 1


def test_an_unreachable_licence_server_leaves_the_licence_unknown_and_the_draft_written(
        tmp_path, arxiv_server, tiny_backend, monkeypatch):
    monkeypatch.setenv("PAPERDRAFT_ARXIV_OAI_URL", "http://127.0.0.1:9/oai")
    settings = load_settings(drafts_dir=str(tmp_path / "drafts"), arxiv_retries=0)
    result = core.draft_one("1706.03762", settings, backend=tiny_backend)
    assert "license: unknown" in Path(result.path).read_text() and result.figures == 9
