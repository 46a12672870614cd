"""The draft format's one parser, as properties (Hypothesis).

1. A draft rendered from a front matter and sections parses back to exactly that front matter and those
   sections: the block texts, joined, are the body byte for byte.
2. ``check`` (the parsed draft's machine sections and critique), ``merge`` (``split_blocks`` of the body) and
   ``publish`` (the headings a Markdown renderer sees in the post) agree on the sections of a draft whose
   headings are adversarial: odd blanks, headings in comments, in code fences, in the critique, and a fake
   critique heading in the paper's text.
"""

from __future__ import annotations

import re
import string
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.author.post import render_post
from pipeline.draftfile.format import (
    COMMENT,
    CRITIQUE_HEADING,
    CRITIQUE_TITLE,
    FOOTER,
    PLACEHOLDER,
    PREAMBLE,
    footer,
)
from pipeline.draftfile.parse import (
    front_and_body,
    parse_draft,
    read_draft,
    split_blocks,
)
from pipeline.draftfile.render import (
    clean_machine_text,
    compose,
    critique_section,
    inert,
    render_body,
)
from pipeline.draftfile.store import write_draft
from pipeline.records import PaperMeta, Summary
from pipeline.summarize.blog_sections import BLOG_SECTIONS
from tests.test_review import GOOD, META, SECTION_TEXT

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DAY = date(2024, 5, 1)
FOOTER_PIECE = "\n---\n\n*The summary above was drafted "

# ---------------------------------------------------------------- 1. parse(render(d)) == d

yaml_keys = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=12)
yaml_values = st.text(max_size=30) | st.integers(-10**12, 10**12) | st.lists(st.text(max_size=12), max_size=3)
fronts = st.dictionaries(yaml_keys, yaml_values, max_size=8)

# A heading's title as paperdraft writes it: one line, no leading '#' or blank, no trailing blank.
titles = st.text(alphabet=string.ascii_letters + string.digits + " ;:,.'?!()&%#`*_/-+=\u00e9\u4e2d", min_size=1,
                 max_size=24).map(str.strip).filter(lambda t: t and not t.startswith("#") and t != CRITIQUE_TITLE)

# Text from the paper or the model: anything, with Markdown and paperdraft's own markers mixed in.
MACHINE_PIECES = ["## My critique", "## Results", "# ", "---", "```", "~~~", "<!--", "-->", "TODO", "\n", "\n\n",
                  "\t", "<!-- unverified: 42 not found in the paper -->", FOOTER_PIECE, "\x85", "\u2028", "\r\n"]
machine_text = st.lists(st.sampled_from(MACHINE_PIECES) | st.text(max_size=10), max_size=12).map("".join)

# The author's critique: headings of any kind, closed comments, fences (even unclosed), a fake footer.
CRITIQUE_PIECES = ["## Results", "## My critique", "##  Extra", "##\tTabbed", "### Sub", "<!-- ## hidden -->",
                   "```\n## fenced\n```", "```", "~~~", FOOTER_PIECE, "> a quote", "---", "\n", "\n\n", " "]
critique_text = st.lists(st.sampled_from(CRITIQUE_PIECES) | st.text(max_size=10), max_size=12).map("".join).filter(
    lambda t: "\r" not in t and "<!--" not in COMMENT.sub("", t))


@st.composite
def drafts(draw):
    front = draw(fronts)
    headings = draw(st.lists(titles, max_size=7, unique=True))
    sections = {h: draw(machine_text) for h in headings}
    meta = PaperMeta(title=draw(st.text(max_size=40)), authors=draw(st.lists(st.text(max_size=12), max_size=3)),
                     arxiv_id=draw(st.none() | st.just("1706.03762")), version=draw(st.none() | st.integers(1, 9)),
                     url=draw(st.none() | st.just("https://arxiv.org/abs/1706.03762")))
    summary = Summary(notes=[], sections=sections, model=draw(st.sampled_from(["tiny-test-model", "Qwen/Qwen2.5"])),
                      prompt_hashes={}, quoted=draw(st.integers(0, 30)), written=draw(st.integers(0, 30)))
    return front, meta, summary, draw(st.none() | critique_text)


@FAST
@given(drafts())
@example(({"title": "\x85", "n": 1, "l": ["\u2028"]}, META, Summary(notes=[], sections={"Results": "## My critique"},
                                                                       model="m", prompt_hashes={}), "## Results"))
@example(({}, META, Summary(notes=[], sections={"(footer)": "x", "(preamble)": "y"}, model="m", prompt_hashes={}), None))
def test_a_rendered_draft_parses_back_to_its_front_matter_and_sections(draft):
    front, meta, summary, critique = draft
    # the body, built as render_body builds it: the preamble, a block per section, the critique, the footer
    link = f"[arXiv:{meta.versioned_id}]({meta.url})" if meta.arxiv_id and meta.url else "a local file"
    authors = ", ".join(meta.authors) if meta.authors else "unknown authors"
    parts = [(PREAMBLE, f"# {inert(' '.join(meta.title.split()))}\n\n*{inert(' '.join(authors.split()))}* · {link}")]
    # a heading titled like a part without one gets a key of its own, as a second "## Results" does
    parts += [(h if h not in (PREAMBLE, FOOTER) else f"{h}\n2", f"## {h}\n\n{clean_machine_text(text)}")
              for h, text in summary.sections.items()]
    parts.append((CRITIQUE_TITLE, critique_section([])))
    parts.append((FOOTER, footer(summary.model, summary.quoted, summary.written)))
    expected = [(key, text + ("\n\n" if i < len(parts) - 1 else "\n")) for i, (key, text) in enumerate(parts)]
    body = "".join(text for _, text in expected)
    assert render_body(meta, summary) == body  # the test's model of the format is paperdraft's
    if critique is not None:  # the author replaced the placeholder with a critique of their own
        expected = [(k, t.replace(PLACEHOLDER, critique) if k == CRITIQUE_TITLE else t) for k, t in expected]
        body = "".join(text for _, text in expected)

    doc = parse_draft(compose(front, body))
    assert doc.front == front and doc.front_problem is None
    assert doc.body == body
    assert doc.pairs() == expected
    assert len({key for key, _ in doc.pairs()}) == len(expected)  # merge looks blocks up by key
    assert "".join(text for _, text in doc.pairs()) == body
    assert [b.heading for b in doc.machine] == list(summary.sections)
    assert doc.critique is not None and doc.block_text(doc.critique) == expected[-2][1]
    assert doc.footer == len(doc.text) - len(expected[-1][1])
    assert split_blocks(body) == expected  # the body alone is cut the same way
    assert front_and_body(compose(front, body)) == (front, body)


# ---------------------------------------------------------------- 2. check, merge and publish agree

# Ways an author (or an editor) writes a heading paperdraft wrote as "## Title".
HEADING_FORMS = ["## {}", "##  {}", "## {} ", "##\t{}", "##\t {} \t"]
# What an author adds to a section: (text, the level-2 titles a Markdown renderer sees in it).
SNIPPETS = [
    ("##  Two spaces", ["Two spaces"]),
    ("## Trailing blank ", ["Trailing blank"]),
    ("##\tA tab", ["A tab"]),
    ("### A subsection", []),
    ("<!--\n## In a comment\n-->", []),
    ("<!-- ## In an inline comment -->", []),
    ("```\n## In a fence\n```", []),
    ("~~~python\n## In a tilde fence\n~~~", []),
    ("```\n~~~\n## In a fence with a tilde line\n```", []),
    ("````\n```\n## In a long fence\n````", []),  # three backticks do not close a four-backtick fence
    ("```html\n<!-- an HTML example\n```", []),  # a comment opener in a code block is code: it hides nothing
    ("<!--\n```\n-->", []),  # a fence in a comment is no fence: it hides nothing
    ("```x``` is inline code, not a fence", []),
    ("An author's paragraph with ## My critique inside it.", []),
    ("## Results", ["Results"]),  # a second Results: the author's own
    ("## (preamble)", ["(preamble)"]),  # titled like the keys of the parts without a heading
    ("## (footer)", ["(footer)"]),
]
# Text the paper or model wrote; clean_machine_text leaves no heading of its own in it.
FAKES = [
    "Our method wins.\n## My critique\nThis paper is flawless.",
    "A paper sentence that mentions ## My critique in passing.",
    "  ## My critique",
    "```\n## My critique\n```",
    "<!--\n## My critique\n-->",
]
FENCE = re.compile(r"(`{3,}|~{3,})(.*)")
ATX = re.compile(r"(#{1,6})(?:[ \t]+(.*?))?[ \t]*")


def _opener(line: str) -> str | None:
    m = FENCE.fullmatch(line)
    return m.group(1) if m and not (m.group(1)[0] == "`" and "`" in m.group(2)) else None


def _closes(line: str, fence: str) -> bool:
    m = FENCE.fullmatch(line)
    return bool(m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2).strip())


def visible(markdown: str) -> str:
    """Markdown without the HTML comments a renderer hides, found independently of paperdraft's parser: what
    comes first wins, a comment or a fenced code block (a ``<!--`` in code is code). An unclosed fence protects
    no comment: paperdraft never publishes an author's comment because a fence was left open."""
    out, i = [], 0
    while i < len(markdown):
        if i == 0 or markdown[i - 1] == "\n":
            end = markdown.find("\n", i)
            fence = _opener(markdown[i:end]) if end >= 0 else None
            if fence:
                at = end + 1
                while at <= len(markdown):
                    stop = markdown.find("\n", at)
                    stop = len(markdown) if stop < 0 else stop
                    if _closes(markdown[at:stop], fence):
                        out.append(markdown[i:stop])
                        i = stop
                        break
                    at = stop + 1
                else:
                    fence = None
                if fence:
                    continue
        if markdown.startswith("<!--", i) and (close := markdown.find("-->", i + 4)) >= 0:
            i = close + 3
            continue
        out.append(markdown[i])
        i += 1
    return "".join(out)


def rendered_sections(markdown: str) -> list[tuple[str | None, str]]:
    """(level-2 title, text) pieces of Markdown as a renderer reads it: a line ``## title`` outside comments
    and fenced code blocks (an unclosed one runs to the end) starts a piece."""
    pieces: list[tuple[str | None, list[str]]] = [(None, [])]
    fence = None
    for line in visible(markdown).split("\n"):
        if fence is None and (opening := _opener(line)):
            fence = opening
        elif fence is not None:
            if _closes(line, fence):
                fence = None
        elif (atx := ATX.fullmatch(line)) and len(atx.group(1)) == 2:
            pieces.append((atx.group(2), []))
        pieces[-1][1].append(line)
    return [(title, "\n".join(lines)) for title, lines in pieces]


def words(text: str) -> list[str]:
    """Text as a renderer shows it, for comparing pieces: comments gone, blanks not significant."""
    return visible(text).split()


def base_title(key: str) -> str:
    return key.split("\n", 1)[0]  # "Results\n2", the author's second Results, is titled "Results"


@st.composite
def adversarial(draw):
    forms = [draw(st.sampled_from(HEADING_FORMS)) for _ in BLOG_SECTIONS]
    added = [draw(st.lists(st.sampled_from(SNIPPETS), max_size=3)) for _ in BLOG_SECTIONS]
    in_critique = draw(st.lists(st.sampled_from(SNIPPETS + [("## My critique", []), ("```", [])]), max_size=4))
    fakes = {b.heading: draw(st.sampled_from(FAKES)) for b in BLOG_SECTIONS if draw(st.booleans())}
    return forms, added, in_critique, fakes


def _adversarial_draft(folder: Path, forms, added, in_critique, fakes) -> tuple[Path, list[str]]:
    """A draft paperdraft wrote, edited by its author as drawn; and the titles of its sections, critique last."""
    sections = {h: f"{t}\n\n{fakes[h]}" if h in fakes else t for h, t in SECTION_TEXT.items()}
    summary = Summary(notes=[], sections=sections, model="tiny-test-model", prompt_hashes={})
    path = Path(write_draft(META, summary, "1706.03762", folder).path)
    critique = "\n\n".join([GOOD, *(text for text, _ in in_critique)])
    doc = read_draft(path)
    body, titles = [], []
    for block in doc.blocks:
        text = doc.block_text(block)
        if block.key == CRITIQUE_TITLE:
            text = text.replace(PLACEHOLDER, critique)
        elif block.heading is not None:
            i = [b.heading for b in BLOG_SECTIONS].index(block.heading)
            assert text.startswith(f"## {block.heading}\n")  # paperdraft's own heading, as written
            text = forms[i].format(block.heading) + text[len(f"## {block.heading}"):]
            text = "\n\n".join([text.rstrip("\n"), *(snippet for snippet, _ in added[i])]) + "\n\n"
            titles += [block.heading, *(t for _, ts in added[i] for t in ts)]
        body.append(text)
    path.write_text(compose(doc.front, "".join(body)), encoding="utf-8")
    return path, titles + [CRITIQUE_TITLE]


@FAST
@given(adversarial())
@example(([HEADING_FORMS[1]] * 6, [[SNIPPETS[4], SNIPPETS[6]]] * 6, [("## My critique", []), ("## Results", [])],
          {b.heading: FAKES[0] for b in BLOG_SECTIONS}))
@example((["## {}"] * 6, [[SNIPPETS[10]], [], [SNIPPETS[9]], [], [SNIPPETS[15]], []], [], {}))  # once hid headings
def test_check_merge_and_publish_agree_on_the_sections_of_a_draft(case):
    with tempfile.TemporaryDirectory() as tmp:
        path, expected = _adversarial_draft(Path(tmp), *case)
        doc = read_draft(path)

        # check: the machine sections, then the critique
        checked = [*doc.machine, doc.critique]
        assert doc.critique is not None and [b.heading for b in checked] == expected
        assert doc.critique.at == doc.text.index(f"\n{CRITIQUE_HEADING}\n") + 1  # the real one, not a fake
        spans = [(b.at - doc.body_start, b.end - doc.body_start) for b in checked]

        # merge: the blocks of the body
        blocks = split_blocks(doc.body)
        assert [k for k, _ in blocks] == [PREAMBLE, *(b.key for b in checked), FOOTER]
        offsets, at = [], 0
        for _, text in blocks:
            offsets.append((at, at + len(text)))
            at += len(text)
        assert offsets[1:-1] == spans and at == len(doc.body)
        assert [base_title(k) for k, _ in blocks[1:-1]] == expected

        # publish: the post's level-2 headings up to the critique, and what each holds
        post = front_and_body(render_post(doc, "jekyll", DAY))[1]
        assert visible(post) == post  # publish dropped every comment a reader would not see, and only those
        pieces = rendered_sections(post)
        first = next(i for i, (t, _) in enumerate(pieces) if t == CRITIQUE_TITLE)
        assert [t for t, _ in pieces[1 : first + 1]] == expected
        for (title, text), block in zip(pieces[1:first], doc.machine):
            assert words(text) == words(doc.block_text(block)), title
        tail = "\n".join(text for _, text in pieces[first:])
        critique = doc.text[doc.critique.at : doc.footer if doc.footer is not None else len(doc.text)]
        assert words(tail)[: len(words(critique))] == words(critique)  # the critique in one piece; then the
        # footer, which publish rewrites from what the post holds
