"""A post: its name, its front matter for each site generator, its body without comments, its true footer.

The post's file name is the date and a slug of ``[a-z0-9-]`` only (the title's, or ``--name``), so no title
or id can steer it outside the blog folder. The footer says what the post holds: how many sentences of the
summary quote the paper, and which sections are still as paperdraft drafted them.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Callable

from slugify import slugify

from pipeline.author.check import as_drafted
from pipeline.author.post_records import in_target, post_records
from pipeline.config import NO_MODEL
from pipeline.draftfile.parse import DraftFile, strip_comments
from pipeline.draftfile.render import compose, inert
from pipeline.errors import ConfigError

FORMATS = ("jekyll", "hugo", "quarto", "plain")
SAFE_NAME = re.compile(r"\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*\.(?:md|qmd)")
TAG = re.compile(r"<!--.*?(?:-->|$)|</?[A-Za-z][^<>]*>", re.S)
POST_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # what --name may be: the slug part of the file name
NAME_LIMIT = 60
QUOTE_LINE = re.compile(r"^[ \t]*>[ \t]*“", re.M)  # a sentence of the paper, as quote_block writes it


# LaTeX math in a post (a paper drafted from its source): "$x_i$" inline, "$$L = \\sum_i \\ell_i$$" on its own.
# A "$5" or "$" in a URL is no math: inline math opens on a non-space and closes before a non-digit.
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=[^\s$])([^$\n]+?)(?<![\s\\])\$(?![\d$])")
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
# The switch that makes each site generator's theme render math (README, "Math in posts"): MathJax in Jekyll
# themes that read ``mathjax`` (Minimal Mistakes) or ``math`` (Chirpy); Hugo's math partial reads the page
# parameter ``math``; Quarto's HTML output takes ``html-math-method``.
MATH_SWITCH = {"jekyll": {"math": True, "mathjax": True}, "hugo": {"math": True},
               "quarto": {"html-math-method": "mathjax"}}


def has_math(body: str) -> bool:
    return bool(DISPLAY_MATH.search(body) or INLINE_MATH.search(body))


def kramdown_math(body: str) -> str:
    """Jekyll's kramdown knows only ``$$`` (inline when inside a paragraph): each inline ``$x$`` becomes ``$$x$$``."""
    parts = DISPLAY_MATH.split(body)
    displays = DISPLAY_MATH.findall(body)
    out = [INLINE_MATH.sub(lambda m: f"$${m[1]}$$", p) for p in parts]
    return "".join(p + (displays[i] if i < len(displays) else "") for i, p in enumerate(out))


BUNDLE_INDEX = "index.md"  # a Hugo page bundle: the post is <blog>/<date>-<slug>/index.md, its pictures beside it


def post_file_name(post: Path) -> str:
    """"YYYY-MM-DD-slug.md" for a post file, and for a page bundle's index.md (its folder's name)."""
    return f"{post.parent.name}.md" if post.name == BUNDLE_INDEX else post.name


def post_slug(front: dict) -> str:
    """ASCII ``[a-z0-9-]`` from the title (or the arXiv id); never empty, never a path."""
    slug = slugify(str(front.get("title") or ""), max_length=NAME_LIMIT, word_boundary=True)
    slug = re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "", slug)).strip("-")
    if not slug:
        slug = re.sub(r"[^a-z0-9]+", "-", str(front.get("arxiv_id") or "").lower()).strip("-")[:40].strip("-")
    return slug or "post"


def check_name(name: str | None) -> str | None:
    """``--name`` as given, when it can be the slug part of a post's file name; else a clear error."""
    if name is not None and not (POST_NAME.fullmatch(name) and len(name) <= NAME_LIMIT):
        raise ConfigError(f"the post name '{name}' is not usable: use lowercase letters, digits and single "
                              f"hyphens, at most {NAME_LIMIT} characters", hint="for example --name attention-2017")
    return name


def post_path(blog_dir: Path, front: dict, fmt: str, today: date, name: str | None = None,
              bundle: bool = False) -> tuple[Path, date]:
    """Where the post goes: where this draft's post in this blog folder and format went before (unless ``name``
    asks for another), else ``YYYY-MM-DD-<name or slug>.md``; with ``bundle``, that name's folder's index.md."""

    def place(file_name: str) -> Path:
        return blog_dir / file_name.rsplit(".", 1)[0] / BUNDLE_INDEX if bundle else blog_dir / file_name

    for record in post_records(front):
        recorded = post_file_name(Path(record["to"]))
        if in_target(record, blog_dir, fmt) and SAFE_NAME.fullmatch(recorded) \
                and (name is None or recorded[11:].rsplit(".", 1)[0] == name):
            try:
                return place(recorded), date.fromisoformat(recorded[:10])
            except ValueError:  # a hand-edited name with no such date (2026-13-45): publish under today's
                pass
    file_name = f"{today.isoformat()}-{name or post_slug(front)}.{'qmd' if fmt == 'quarto' else 'md'}"
    assert SAFE_NAME.fullmatch(file_name), file_name
    return place(file_name), today


def plain(value: object) -> str:
    """A front-matter value from the paper as plain text: its HTML tags and comments gone, nothing left to open one.

    Themes print ``page.title`` unescaped, and Quarto reads it as Markdown: the paper's HTML must not get there.
    """
    return inert(TAG.sub("", " ".join(str(value).split())))


def post_front(front: dict, fmt: str, day: date, slug: str | None = None, math: bool = False) -> dict | None:
    """The front matter each site generator expects; internal keys (hashes, prompts) stay in the draft.
    ``math``: the post holds LaTeX math, and the format's switch to render it is set (:data:`MATH_SWITCH`)."""
    front_matter = _front(front, fmt, day, slug)
    if front_matter is not None and math:
        if fmt == "hugo":
            front_matter["params"] = {**front_matter["params"], **MATH_SWITCH[fmt]}
        else:
            front_matter.update(MATH_SWITCH[fmt])
    return front_matter


def _front(front: dict, fmt: str, day: date, slug: str | None) -> dict | None:
    authors = front.get("authors")
    authors = [plain(a) for a in authors] if isinstance(authors, list) else plain(authors) if authors else None
    paper = {"arxiv_id": front.get("arxiv_id"), "arxiv_url": front.get("url"), "paper_authors": authors}
    paper = {k: v for k, v in paper.items() if v}
    tags = [plain(t) for t in front.get("categories") or []]
    title = plain(front["title"])
    if fmt == "jekyll":
        return {"layout": "post", "title": title, "date": day, "tags": tags, **paper}
    if fmt == "hugo":
        return {"title": title, "date": day, "draft": False, "slug": slug or post_slug(front), "tags": tags,
                "params": paper}
    if fmt == "quarto":
        return {"title": title, "date": day, "categories": tags, **paper}
    return None


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def footer_line(model: str, drafted: list[str], sections: int, quotes: int) -> str:
    """The post's last line, true to what the post holds: the sentences of the summary that quote the paper, and
    the sections still as paperdraft drafted them (``drafted``, of ``sections``), by ``model``; the rest is the
    author's."""
    by = "drafted with paperdraft, without a language model" if model == NO_MODEL else \
        f"drafted with paperdraft by {plain(model or 'a language model')}"
    quoting = f"{quotes} sentence{'s' * (quotes != 1)}"
    if drafted and len(drafted) == sections:
        line = f"The summary above was {by}" + (f", quoting the paper in {quoting}." if quotes else ".")
    elif drafted:
        names = _listing([f"'{plain(h)}'" for h in drafted])
        which = f"section {names} was" if len(drafted) == 1 else f"sections {names} were"
        lead = f"The summary above quotes the paper in {quoting}; the" if quotes else "In the summary above, the"
        line = f"{lead} {which} {by}; the rest is the author's."
    elif quotes:
        line = f"The summary above is the author's, quoting the paper in {quoting}."
    else:
        return "*The summary and the critique are the author's own.*"
    return f"*{line} The critique is the author's own.*"


def render_post(doc: DraftFile, fmt: str, day: date, slug: str | None = None,
                figures: Callable[[str], str] | None = None) -> str:
    """The post: the draft's body without comments or its title line, under the format's front matter, with a
    footer written from what the post holds (:func:`footer_line`).

    The comments dropped are those the parser skipped: a ``<!--`` inside a fenced code block is code. The draft's
    footer is replaced; a post whose summary still holds sections paperdraft drafted gets one even without it. A
    draft without ``section_hashes`` (nothing tells its sections apart) keeps its own footer, as it is."""
    known = isinstance(doc.front.get("section_hashes"), dict)
    end = doc.footer if doc.footer is not None and known else len(doc.text)
    split = doc.critique.at if doc.critique else end
    summary = strip_comments(doc.text[doc.body_start : split])
    summary = re.sub(r"\A\s*# [^\n]*\n", "", summary)  # the title lives in the front matter (or the heading below)
    body = summary + strip_comments(doc.text[split:end])
    if figures is not None:  # the pictures copied and attributed, or links to their pages (author.figure_rights)
        body = figures(body)
    body = re.sub(r"[ \t]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    drafted = [b.heading or "" for b in as_drafted(doc)]
    if known and (doc.footer is not None or drafted):
        quotes = len(QUOTE_LINE.findall(summary))
        body += f"\n---\n\n{footer_line(str(doc.front.get('model') or ''), drafted, len(doc.machine), quotes)}\n"
    math = has_math(body)
    if math and fmt == "jekyll":
        body = kramdown_math(body)
    front = post_front(doc.front, fmt, day, slug, math)
    if front is not None:
        return compose(front, body)
    facts = [f"Published {day.isoformat()}"]
    if doc.front.get("url"):
        facts.append(f"[arXiv:{doc.front.get('arxiv_id') or 'paper'}]({doc.front['url']})")
    if doc.front.get("categories"):
        facts.append(", ".join(map(plain, doc.front["categories"])))
    return f"# {plain(doc.front['title'])}\n\n*{' · '.join(facts)}*\n\n{body}"
