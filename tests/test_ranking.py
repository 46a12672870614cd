"""Ranking the day's papers by the author's own writing: real candidates (the corpus papers with their real
abstracts, the recorded Atom entries) against profiles of drafts, posts, a reading list and a library."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeline.config import load_settings
from pipeline.errors import ConfigError
from pipeline.rank import digest as rank_digest
from pipeline.rank.digest import EMPTY_PROFILE, make_digest, rank
from pipeline.rank.filters import by_author, keep, mentions, once
from pipeline.rank.library import library_items
from pipeline.rank.profile import FLOOR, HALF_LIFE_DAYS, build_profile, recency
from pipeline.rank.records import Digest, ProfileItem, RankSpec
from pipeline.rank.report import digest_markdown
from pipeline.records import PaperMeta
from tests.arxiv_server import corpus_root

ROOT = corpus_root()
needs_corpus = pytest.mark.skipif(ROOT is None, reason="the shared corpus is not present")
TODAY = date(2026, 12, 1)

TRANSFORMER_IDS = {"1706.03762", "1810.04805", "2010.11929"}  # Attention, BERT, ViT
SIGNAL_IDS = {"1411.3715", "1410.0342"}  # acoustic scene classification, generalized low rank models

# Posts as an author who blogs about transformers, and one who blogs about signal processing, might write them.
TRANSFORMER_POSTS = {
    "why-self-attention.md": ("Why self-attention replaced recurrence",
        "I keep coming back to self-attention. A sequence model that attends over all tokens at once, with "
        "multi-head attention and positional encodings, trains in parallel where recurrent networks cannot. "
        "The encoder-decoder transformer made machine translation faster to train, and every language model "
        "since builds on the same attention layers."),
    "pretraining-notes.md": ("Pre-training language representations, then fine-tuning",
        "Masked language modelling is a simple pre-training objective: hide tokens and predict them from both "
        "directions. Pre-trained transformer encoders fine-tuned on downstream tasks such as question answering "
        "and natural language inference beat task-specific architectures. I want to see the same recipe for "
        "image recognition, with image patches as tokens."),
}
SIGNAL_POSTS = {
    "acoustic-features.md": ("Hand-made acoustic features still matter",
        "Audio signal processing starts from the spectrogram. For classifying sound events and recording "
        "environments, mel-frequency cepstral coefficients and filter banks remain strong features, and the "
        "evaluation of audio classification systems on public challenges with recorded soundscapes is where "
        "methods are compared fairly."),
    "matrix-factorization.md": ("Low-rank structure in signals and data tables",
        "Principal component analysis approximates a data matrix by a low rank matrix. Non-negative matrix "
        "factorization of spectrograms separates sources; with other loss functions and regularizers, the same "
        "low rank approximation handles missing entries, outliers and heterogeneous columns, solved by "
        "alternating minimization."),
}


def _post(folder: Path, name: str, title: str, body: str, day: str = "2026-11-20") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"---\ntitle: \"{title}\"\ndate: {day}\n---\n\n{body}\n", encoding="utf-8")
    return path


def _draft(drafts: Path, arxiv_id: str, title: str, summary: str, critique: str | None) -> Path:
    drafts.mkdir(parents=True, exist_ok=True)
    mine = critique if critique else "TODO(author): write your critique here, in your own words."
    text = (f"---\ntitle: \"{title}\"\narxiv_id: '{arxiv_id}'\nversion: 1\nstatus: draft\n---\n\n"
            f"## TL;DR\n\n{summary}\n\n## Key ideas\n\n{summary}\n\n## My critique\n\n"
            f"<!-- This section is yours: guiding questions about attention, audio and matrices -->\n\n{mine}\n\n"
            f"---\n\n*The summary above was drafted with paperdraft: test. The critique is the author's own.*\n")
    path = drafts / f"{arxiv_id}-x.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def candidates() -> list[PaperMeta]:
    if ROOT is None:
        pytest.skip("the shared corpus is not present")
    from tests.corpus_metadata import atom_papers, pdf_papers

    return pdf_papers(ROOT) + atom_papers(ROOT)


def _settings(tmp_path: Path, drafts: Path | None = None):
    return load_settings(drafts_dir=drafts or tmp_path / "drafts")


def _positions(d: Digest) -> dict[str, int]:
    return {p.meta.arxiv_id: p.rank for p in d.papers}


# --------------------------------------------------------------------------- the two profiles


@needs_corpus
def test_a_transformers_profile_ranks_attention_bert_and_vit_above_acoustic_scenes_and_low_rank_models(
        tmp_path: Path, candidates):
    blog = tmp_path / "blog"
    for name, (title, body) in TRANSFORMER_POSTS.items():
        _post(blog, name, title, body)
    spec = RankSpec(posts=[str(blog)])
    d = rank(candidates, build_profile(spec, _settings(tmp_path), TODAY), spec)
    pos = _positions(d)
    assert d.profile_items == 2 and d.note is None
    assert max(pos[i] for i in TRANSFORMER_IDS) < min(pos[i] for i in SIGNAL_IDS), pos
    assert max(pos[i] for i in TRANSFORMER_IDS) <= 5  # and near the top of all 33 real candidates
    for p in d.papers:
        if p.meta.arxiv_id in TRANSFORMER_IDS:  # each score is explained by one of the author's posts
            assert p.closest_title in {t for t, _ in TRANSFORMER_POSTS.values()}
            assert p.closest == f"your post “{p.closest_title}”"
            assert 0 < p.score <= 1
    assert [p.score for p in d.papers] == sorted((p.score for p in d.papers), reverse=True)


@needs_corpus
def test_a_signal_processing_profile_ranks_them_the_other_way(tmp_path: Path, candidates):
    blog = tmp_path / "blog"
    for name, (title, body) in SIGNAL_POSTS.items():
        _post(blog, name, title, body)
    spec = RankSpec(posts=[str(blog)])
    pos = _positions(rank(candidates, build_profile(spec, _settings(tmp_path), TODAY), spec))
    assert max(pos[i] for i in SIGNAL_IDS) < min(pos[i] for i in TRANSFORMER_IDS), pos
    assert max(pos[i] for i in SIGNAL_IDS) <= 3


@needs_corpus
def test_the_critique_counts_most(tmp_path: Path, candidates):
    """Two drafts: a summary about audio with a critique about transformers, and the other way round.
    What the author wrote decides; a draft with only the placeholder counts less than either."""
    audio = "Acoustic scene classification of audio recordings with spectrogram features and sound events."
    words = "My critique: self-attention and pre-trained transformer encoders fine-tuned for language understanding " \
            "beat recurrence; the encoder-decoder attention layers are what matter for translation."
    drafts = tmp_path / "drafts"
    _draft(drafts, "2101.00001", "An audio paper", audio, critique=words)
    spec = RankSpec()
    d = rank(candidates, build_profile(spec, _settings(tmp_path, drafts), TODAY), spec)
    pos = _positions(d)
    assert max(pos["1706.03762"], pos["1810.04805"]) < pos["1411.3715"], pos  # the critique is about language
    assert d.papers[0].closest == "your critique of 2101.00001"
    # the same draft with the critique left as the placeholder: the summary (audio) is all there is, at low weight
    _draft(drafts, "2101.00001", "An audio paper", audio, critique=None)
    items = build_profile(spec, _settings(tmp_path, drafts), TODAY)
    assert [it.kind for it in items] == ["draft"] and items[0].weight < 0.5
    pos = _positions(rank(candidates, items, spec))
    assert pos["1411.3715"] < min(pos[i] for i in TRANSFORMER_IDS)


def test_recent_items_weigh_more():
    today = date(2026, 12, 1)
    assert recency(today.isoformat(), today) == 1.0
    half = (today - timedelta(days=int(HALF_LIFE_DAYS))).isoformat()
    assert recency(half, today) == pytest.approx(0.5, abs=0.01)
    assert recency("1990-01-01", today) == FLOOR == recency(None, today) == recency("not a date", today)
    assert recency((today - timedelta(days=10)).isoformat(), today) > recency(half, today)


@needs_corpus
def test_a_recent_interest_outranks_an_old_one(tmp_path: Path, candidates):
    blog = tmp_path / "blog"
    (title, body), (old_title, old_body) = TRANSFORMER_POSTS["why-self-attention.md"], SIGNAL_POSTS["acoustic-features.md"]
    _post(blog, "new.md", title, body, day="2026-11-30")
    _post(blog, "old.md", old_title, old_body, day="2019-01-01")
    spec = RankSpec(posts=[str(blog)])
    d = rank(candidates, build_profile(spec, _settings(tmp_path), TODAY), spec)
    assert d.papers[0].meta.arxiv_id in TRANSFORMER_IDS | {"2204.02311"}
    # and the other way round when the dates are swapped
    _post(blog, "new.md", title, body, day="2019-01-01")
    _post(blog, "old.md", old_title, old_body, day="2026-11-30")
    d = rank(candidates, build_profile(spec, _settings(tmp_path), TODAY), spec)
    assert d.papers[0].meta.arxiv_id == "1411.3715"


# --------------------------------------------------------------------------- filters


def _meta(i: str, title: str, authors: list[str], abstract: str = "", published: str = "2026-11-30") -> PaperMeta:
    return PaperMeta(title=title, authors=authors, arxiv_id=i, version=1, url=f"https://arxiv.org/abs/{i}v1",
                     categories=["cs.LG"], published=published, abstract=abstract)


def test_author_filter_follows_names_without_case_accents_or_first_names():
    m = _meta("1", "A paper", ["Yann LeCun", "Bernhard Schölkopf"])
    assert by_author(m, ["Yann LeCun"]) and by_author(m, ["lecun"]) and by_author(m, ["Bernhard Scholkopf"])
    assert not by_author(m, ["Yann LeCunn"]) and not by_author(m, ["Yann Schölkopf"]) and not by_author(m, [""])


def test_keyword_filters_match_whole_words_and_phrases():
    m = _meta("1", "Graph transformers", ["A B"], "We study message passing on large graphs.")
    assert mentions(m, ["graph"]) and mentions(m, ["Transformer"]) and mentions(m, ["message passing"])
    assert not mentions(m, ["raph"]) and not mentions(m, ["passing message"]) and not mentions(m, ["   "])
    papers = [m, _meta("2", "Speech", ["C D"], "Paragraphs of audio.")]
    kept, dropped = keep(papers, [], ["graph"], [])
    assert [p.arxiv_id for p in kept] == ["1"] and dropped == {"include": 1}
    kept, dropped = keep(papers, [], [], ["graph"])
    assert [p.arxiv_id for p in kept] == ["2"] and dropped == {"exclude": 1}


@needs_corpus
def test_filters_on_the_real_candidates(tmp_path: Path, candidates):
    blog = tmp_path / "blog"
    for name, (title, body) in TRANSFORMER_POSTS.items():
        _post(blog, name, title, body)
    settings = _settings(tmp_path)
    spec = RankSpec(posts=[str(blog)], authors=["Jacob Devlin"])
    d = rank(candidates, build_profile(spec, settings, TODAY), spec)
    assert {p.meta.arxiv_id for p in d.papers} == {"1810.04805", "2204.02311"}  # BERT, and PaLM (Devlin is 3rd)
    assert d.dropped["author"] == len(candidates) - 2
    spec = RankSpec(posts=[str(blog)], include=["speaker"], exclude=["attention"])
    assert [p.meta.arxiv_id for p in rank(candidates, build_profile(spec, settings, TODAY), spec).papers] == []
    spec = RankSpec(posts=[str(blog)], exclude=["transformer", "attention"])
    left = {p.meta.arxiv_id for p in rank(candidates, build_profile(spec, settings, TODAY), spec).papers}
    assert not left & TRANSFORMER_IDS and "1411.3715" in left
    spec = RankSpec(posts=[str(blog)], min_score=0.05)
    d = rank(candidates, build_profile(spec, settings, TODAY), spec)
    assert d.papers and all(p.score >= 0.05 for p in d.papers) and d.dropped["min score"] > 0
    assert TRANSFORMER_IDS <= {p.meta.arxiv_id for p in d.papers}


def test_a_cross_listed_paper_counts_once():
    a = _meta("1", "Cross-listed", ["A B"])
    papers = [a, _meta("2", "Other", ["C D"]), dataclasses.replace(a, categories=["cs.CL"])]
    assert [p.arxiv_id for p in once(papers)] == ["1", "2"]
    d = rank(papers, [ProfileItem("post", "x", "x", [("cross listed other", 1.0)])], RankSpec())
    assert d.candidates == 2 and len(d.papers) == 2


# --------------------------------------------------------------------------- an empty profile


def test_an_empty_profile_falls_back_to_newest_first_and_says_so(tmp_path: Path):
    papers = [_meta("1", "Old", ["A"], "x", "2026-11-28"), _meta("2", "New", ["B"], "y", "2026-11-30"),
              _meta("3", "Middle", ["C"], "z", "2026-11-29")]
    (tmp_path / "drafts").mkdir()
    _draft(tmp_path / "drafts", "2101.00009", "", "", critique=None)  # a draft with no words of anyone's
    profile = build_profile(RankSpec(), _settings(tmp_path), TODAY)
    d = rank(papers, [it for it in profile if it.kind == "nothing"], RankSpec())
    assert [p.meta.arxiv_id for p in d.papers] == ["2", "3", "1"]
    assert d.note == EMPTY_PROFILE and "newest first" in d.note and all(p.score is None for p in d.papers)
    assert "newest first" in digest_markdown(d, 1, "categories cs.LG")
    d = rank(papers, [ProfileItem("post", "p", "", [("", 1.0), ("   ", 3.0)])], RankSpec())
    assert d.note == EMPTY_PROFILE and d.profile_items == 0
    assert rank([], profile, RankSpec()).note == rank_digest.NO_PAPERS  # a day with nothing new says that instead


# --------------------------------------------------------------------------- the library: .bib and CSL-JSON

GOOD_BIB = r"""% exported by Zotero
@string{nips = "Advances in Neural Information Processing Systems"}
@comment{ anything { nested } here }
@article{vaswani2017,
  title = {Attention Is All You {Need}},
  author = "Vaswani, Ashish and Shazeer, Noam",
  journal = nips # " 30",
  year = 2017,
  eprint = {1706.03762},
  abstract = {The dominant sequence transduction models are based on {\em complex} recurrent networks.},
}
@misc(nokey2020, title = "Only a title", keywords = {audio, spectrogram})
@book{empty2001,}
"""


def test_a_bib_library_is_read(tmp_path: Path):
    bib = tmp_path / "library.bib"
    bib.write_text(GOOD_BIB, encoding="utf-8")
    items = library_items(bib)
    assert [(it.ref, it.title, it.date) for it in items] == [
        ("1706.03762", "Attention Is All You Need", "2017-07-01"), ("nokey2020", "Only a title", None)]
    assert "complex recurrent networks" in items[0].parts[0][0] and "\\em" not in items[0].parts[0][0]
    assert items[1].parts == [("Only a title. audio, spectrogram", 1.0)]


@pytest.mark.parametrize("text, line, what", [
    ("@article{a,\n  title = {Unclosed,\n  year = 2017,\n}\n", 2, "never closed"),
    ("@article{a,\n  title = {Fine},\n  year 2017,\n}\n", 3, "'='"),
    ("@article{a,\n  title = {Fine},\n}\n\n@article{b\n  title = {x}}\n", 6, "','"),
    ("@article{a, title = \"open quote}\n", 1, "never closed"),
    ("\n\n@article{,\n title={x}}\n", 3, "citation key"),
    ("@article{a, journal = undefinedmacro}\n", 1, "unknown @string name"),
    ("@article{a, title = {x} year = 2017}\n", 1, "after the field 'title'"),
])
def test_a_malformed_bib_is_a_clear_error_naming_the_file_and_line(tmp_path: Path, text, line, what):
    bib = tmp_path / "my library.bib"
    bib.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        library_items(bib)
    assert info.value.message.startswith(f"{bib}:{line}: "), info.value.message
    assert what in info.value.message and info.value.hint


def test_a_csl_json_library_is_read_and_a_broken_one_named(tmp_path: Path):
    good = tmp_path / "zotero.json"
    good.write_text(json.dumps([{"id": "http://zotero.org/1", "title": "BERT", "abstract": "Pre-training deep "
                                 "bidirectional transformers.", "issued": {"date-parts": [[2018, 10, 11]]}},
                                {"id": "x", "type": "article"}]), encoding="utf-8")
    items = library_items(good)
    assert [(it.title, it.date) for it in items] == [("BERT", "2018-10-11")]
    bad = tmp_path / "broken.json"
    bad.write_text('[\n  {"title": "a"},\n  {"title": "b",,}\n]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{bad}:3: not valid CSL-JSON"):
        library_items(bad)
    wrong = tmp_path / "object.json"
    wrong.write_text('{"title": "a"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="is a list of items"):
        library_items(wrong)
    with pytest.raises(ConfigError, match="no such library file"):
        library_items(tmp_path / "missing.bib")


@needs_corpus
def test_a_profile_of_thousands_of_items(tmp_path: Path, candidates):
    """3,000 library entries (real abstracts' sentences, reshuffled) and 60 drafts: ranked, with a hang guard
    only (the speed is measured by benchmarks/bench_ranking.py)."""
    import random

    sentences = [s for m in candidates for s in (m.abstract or "").split(". ") if len(s) > 40]
    rng = random.Random(13)
    entries = [f"@article{{k{i},\n  title = {{{rng.choice(sentences)}}},\n  year = {2000 + i % 27},\n"
               f"  abstract = {{{'. '.join(rng.sample(sentences, 4))}}},\n}}\n" for i in range(3000)]
    bib = tmp_path / "big.bib"
    bib.write_text("".join(e.replace("%", "") for e in entries), encoding="utf-8")
    drafts = tmp_path / "drafts"
    for i in range(60):
        _draft(drafts, f"2101.{i:05d}", f"Draft {i}", rng.choice(sentences), critique=". ".join(rng.sample(sentences, 3)))
    spec = RankSpec(library=[str(bib)])
    started = time.perf_counter()
    profile = build_profile(spec, _settings(tmp_path, drafts), TODAY)
    d = rank(candidates, profile, spec)
    assert time.perf_counter() - started < 120  # a hang guard, not a speed claim
    assert len(profile) == 3060 and d.profile_items == 3060 and len(d.papers) == len(candidates)
    assert all(p.closest for p in d.papers if p.score)


# --------------------------------------------------------------------------- the day's feed: paging, gate, cache


def _day_of_papers(monkeypatch, n: int, day: date, with_corpus: bool = True) -> list[str]:
    """Replace the test server's papers with a day of ``n`` cs.LG papers (plus the corpus papers, real abstracts)."""
    from tests import arxiv_server
    from tests.corpus_metadata import pdf_abstract

    papers = {}
    if with_corpus:
        for p in arxiv_server.CORPUS_PAPERS.values():
            pdf = ROOT / "pdfs" / f"{p.arxiv_id}v{p.version}.pdf"
            papers[p.arxiv_id] = dataclasses.replace(p, published=f"{day}T00:00:00Z", updated=f"{day}T00:00:00Z",
                                                     summary=pdf_abstract(pdf))
    for i in range(n):
        pid = f"2611.{i:05d}"
        papers[pid] = arxiv_server.Paper(pid, 1, f"Filler paper {i}", ("A. Author",), ("cs.LG",),
                                         f"{day}T00:00:00Z", f"{day}T00:00:00Z", summary=f"Filler abstract number {i}.")
    older = dataclasses.replace(next(iter(papers.values())), arxiv_id="2611.99999", title="Older",
                                published=f"{day - timedelta(days=3)}T00:00:00Z")
    papers[older.arxiv_id] = older
    monkeypatch.setattr(arxiv_server, "CORPUS_PAPERS", papers)
    return list(papers)


@needs_corpus
def test_a_day_of_hundreds_is_paged_through_the_gate_and_a_rerun_asks_arxiv_nothing(arxiv_server, monkeypatch,
                                                                                     tmp_path: Path):
    today = date.today()
    _day_of_papers(monkeypatch, 250, today, with_corpus=False)
    settings = load_settings(drafts_dir=tmp_path / "drafts")
    spec = RankSpec(include=["filler"])
    first = make_digest(spec, settings, ["cs.LG"], today - timedelta(days=1), today=today)
    api = [r for r in arxiv_server.requests if r.path.startswith("/api/")]
    assert first.candidates == 250 and len(first.papers) == 250  # the older paper stops the paging
    assert [int(r.query["start"]) for r in api] == [0, 100, 200] and {r.query["max_results"] for r in api} == {"100"}
    assert all(b.t - a.t >= 0.04 for a, b in zip(api, api[1:]))  # the gate spaces them (0.05 s in tests)
    assert first.note == EMPTY_PROFILE
    second = make_digest(spec, settings, ["cs.LG"], today - timedelta(days=1), today=today)
    assert arxiv_server.count("/") == len(api)  # no second request
    assert second.to_dict() == first.to_dict()
    make_digest(spec, settings, ["cs.LG"], today - timedelta(days=1), today=today + timedelta(days=1))
    assert arxiv_server.count("/api/") > len(api)  # tomorrow's digest asks again


@needs_corpus
def test_a_reading_list_joins_the_profile_asked_for_once(arxiv_server, tmp_path: Path, candidates):
    papers = tmp_path / "papers.txt"
    papers.write_text("1605.08386\nastro-ph/0601001  # hot jupiters\n", encoding="utf-8")
    settings = load_settings(drafts_dir=tmp_path / "drafts")
    spec = RankSpec(reading_list=str(papers))
    items = build_profile(spec, settings, TODAY)
    assert sorted(it.ref for it in items) == ["1605.08386", "astro-ph/0601001"]
    assert all(it.kind == "reading list" and len(it.parts[0][0]) > 200 for it in items)  # with the abstract
    asked = arxiv_server.count("/api/")
    assert asked == 1
    d = rank(candidates, build_profile(spec, settings, TODAY), spec)
    assert arxiv_server.count("/api/") == asked  # cached
    assert d.papers[0].closest == "your reading list: astro-ph/0601001" or d.papers[0].meta.arxiv_id == "1605.08386"


def test_rank_spec_from_a_flow_parameter():
    spec = RankSpec.from_dict({"posts": "~/blog", "authors": ["Yann LeCun"], "min_score": "0.1"})
    assert spec.posts == ["~/blog"] and spec.min_score == 0.1 and RankSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ConfigError, match="unknown ranking setting 'author'"):
        RankSpec.from_dict({"author": ["x"]})
    with pytest.raises(ConfigError, match="min_score must be a number"):
        RankSpec.from_dict({"min_score": "high"})


def test_since_today_and_yesterday():
    from pipeline.flows.selection import parse_since

    assert parse_since("yesterday", today=TODAY) == TODAY - timedelta(days=1) == parse_since(None, today=TODAY)
    assert parse_since(" Today ", today=TODAY) == TODAY


def test_a_published_draft_is_one_item_and_the_blog_it_went_to_is_read(tmp_path: Path):
    drafts, blog = tmp_path / "drafts", tmp_path / "site" / "_posts"
    post = _post(blog, "2026-11-20-attention.md", "Attention", "My words on attention, as published.")
    _post(blog, "2026-10-01-by-hand.md", "A post I wrote by hand", "Spectrograms and filter banks.")
    path = _draft(drafts, "2101.00001", "Attention", "Self-attention summary.", critique="I think attention is overrated.")
    text = path.read_text().replace("status: draft\n", f"status: published\nposts:\n- to: {post}\n  format: jekyll\n")
    path.write_text(text)
    items = build_profile(RankSpec(), _settings(tmp_path, drafts), TODAY)  # the blog is found from the draft
    assert sorted((it.kind, it.label) for it in items) == [
        ("post", "your post on 2101.00001"), ("post", "your post “A post I wrote by hand”")]
    assert all(it.weight > FLOOR for it in items)


def test_the_ranked_deployment_in_prefect_yaml_is_a_valid_ranked_selection():
    import inspect

    import yaml

    from pipeline.flows.flow import draft_papers
    from pipeline.flows.ranked import check_ranked

    config = yaml.safe_load((Path(__file__).resolve().parents[1] / "prefect.yaml").read_text())
    (deployment,) = [d for d in config["deployments"] if "rank" in d["parameters"]]
    params = deployment["parameters"]
    assert set(params) <= set(inspect.signature(draft_papers.fn).parameters)
    spec = check_ranked(None, None, None, params["categories"], params.get("since"), params["max_papers"],
                        params["rank"])
    assert spec.reading_list == "papers.txt" and params["max_papers"] == 3


@needs_corpus
def test_a_feed_that_fails_midway_is_retried_and_one_that_keeps_failing_is_not_cached(arxiv_server, monkeypatch,
                                                                                     tmp_path: Path):
    from pipeline.errors import FetchError

    today = date.today()
    _day_of_papers(monkeypatch, 150, today, with_corpus=False)
    settings = load_settings(drafts_dir=tmp_path / "drafts")
    since = today - timedelta(days=1)
    arxiv_server.fail_next("/api/query", [None, 503])  # the second page fails once
    d = make_digest(RankSpec(), settings, ["cs.LG"], since, today=today)
    assert d.candidates == 150
    assert [(r.query["start"], r.fault) for r in arxiv_server.requests] == [("0", None), ("100", 503), ("100", None)]
    arxiv_server.clear()
    arxiv_server.fail_next("/api/query", [503] * 20)
    with pytest.raises(FetchError, match="HTTP 503"):
        make_digest(RankSpec(), settings, ["cs.LG"], since, today=today + timedelta(days=1))
    arxiv_server.clear()
    assert make_digest(RankSpec(), settings, ["cs.LG"], since, today=today + timedelta(days=1)).candidates == 150
    assert arxiv_server.count("/api/") == 2  # nothing half was kept: the whole day asked again
