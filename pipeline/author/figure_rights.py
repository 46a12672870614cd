"""May a post show the paper's figures? The paper's licence decides, and the author may take it on themselves.

arXiv's terms let nobody republish a paper's figures unless its licence allows it:

- **CC BY, CC BY-SA, CC0**: ``publish`` copies the pictures into the blog (:func:`picture_place`) with an
  attribution line under each: the authors, "Figure 2 from arXiv:ID", the licence. Jekyll: the site's
  ``assets/<post>/``; Hugo: a page bundle (``<post>/index.md``, the pictures beside it); Quarto and plain
  Markdown: ``<post>-figures/`` beside the post.
- **arXiv's non-exclusive licence, any other licence, or unknown** (a local PDF, an OAI-PMH failure): the
  pictures stay out; each becomes a link to its page in the paper. ``publish --with-figures`` or
  ``publish_figures: true`` in the draft's front matter puts them in, and the post says the author took
  responsibility for it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from pipeline.draftfile.figures import IMAGE_LINE

Case = Literal["open", "restricted", "unknown"]
OPEN = re.compile(r"creativecommons\.org/(?:licenses/(?:by|by-sa)/|publicdomain/zero/)", re.I)
CAPTION_LINE = re.compile(r"^\*(?P<label>(?:Figure|Table) [^\s(:]+)(?: \(p\. (?P<page>\d+)\)|(?=:))", re.M)
OVERRIDE_KEY = "publish_figures"


def licence_name(url: str | None) -> str:
    url = (url or "").strip()
    cc = re.search(r"creativecommons\.org/licenses/([a-z-]+)/([\d.]+)", url, re.I)
    if cc:
        return f"CC {cc.group(1).upper()} {cc.group(2)}"
    if re.search(r"creativecommons\.org/publicdomain/zero", url, re.I):
        return "CC0"
    if "arxiv.org/licenses/nonexclusive-distrib" in url or url == "none":
        return "arXiv's non-exclusive distribution licence"
    return "an unknown licence" if url in ("", "unknown") else url


def figure_case(front: dict) -> Case:
    licence = str(front.get("license") or "unknown")
    if OPEN.search(licence):
        return "open"
    return "unknown" if licence == "unknown" else "restricted"


def includes_figures(front: dict, flag: bool = False) -> bool:
    return figure_case(front) == "open" or flag or front.get(OVERRIDE_KEY) is True


def case_message(front: dict, pictures: int) -> str | None:
    """What ``check`` tells the author about the figures in the post, or None when the draft shows none."""
    if not pictures:
        return None
    name = licence_name(front.get("license"))
    if figure_case(front) == "open":
        return f"the paper is under {name}: publish copies its {pictures} figure(s) into the blog, with attribution"
    why = ("its licence is unknown, so nothing says you may republish its figures" if figure_case(front) == "unknown"
           else f"the paper is under {name}, which does not let you republish its figures")
    if front.get(OVERRIDE_KEY) is True:
        return f"{why}; publish_figures is true, so the post shows {pictures} figure(s) and says you take " \
               "responsibility for them"
    return (f"{why}: publish links to their pages instead (publish --with-figures, or publish_figures: true, "
            "includes them on your responsibility)")


def picture_place(fmt: str, blog_dir: Path, post: Path) -> tuple[Path, Callable[[str], str]]:
    """(folder the pictures are copied to, a picture's link in the post) for each site generator."""
    if fmt == "hugo" and post.name == "index.md":  # a page bundle: the pictures beside index.md, linked by name
        return post.parent, lambda name: name
    stem = post.name.rsplit(".", 1)[0]
    if fmt == "jekyll":  # the site's assets/ folder, linked through Jekyll's relative_url (it knows the baseurl)
        site = blog_dir.parent if blog_dir.name == "_posts" else blog_dir
        return site / "assets" / stem, lambda name: f"{{{{ '/assets/{stem}/{name}' | relative_url }}}}"
    # Quarto (it copies what a post links to into the site) and plain Markdown: a folder beside the post
    return blog_dir / f"{stem}-figures", lambda name: f"{stem}-figures/{name}"


@dataclass
class PostFigures:
    body: str
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (picture beside the draft, where it goes)
    included: bool = False


def _attribution(front: dict, label: str, override: bool) -> str:
    authors = front.get("authors") or []
    who = (authors[0] + (" et al." if len(authors) > 1 else "")) if isinstance(authors, list) and authors else None
    ident = front.get("arxiv_id")
    where = f"[arXiv:{ident}]({front['url']})" if ident and front.get("url") else "the paper"
    licence = licence_name(front.get("license"))
    line = f"*{label} from {where}" + (f", by {who}" if who else "") + f"; {licence}."
    if override:
        line += " Reproduced by the author of this post, who takes responsibility for it."
    return line + "*"


def post_figures(body: str, front: dict, draft: Path, fmt: str, blog_dir: Path, post: Path,
                 flag: bool = False) -> PostFigures:
    """The post's body with each embedded picture copied and attributed, or replaced by a link to its page."""
    include = includes_figures(front, flag)
    override = include and figure_case(front) != "open"
    folder, link = picture_place(fmt, blog_dir, post)
    out = PostFigures(body, included=include)
    lines = body.split("\n")
    for i, line in enumerate(lines):
        m = IMAGE_LINE.fullmatch(line.rstrip())
        if not m:
            continue
        caption = CAPTION_LINE.match(lines[i + 1]) if i + 1 < len(lines) else None
        label = caption["label"] if caption else m["alt"] or m["file"]
        source = (draft.parent / m["path"]).resolve()
        if include and source.is_file() and source.is_relative_to(draft.parent.resolve()):
            out.copies.append((source, folder / m["file"]))
            lines[i] = f"![{m['alt']}]({link(m['file'])})"
            if caption:
                lines[i + 1] = lines[i + 1].rstrip() + "\n" + _attribution(front, label, override)
            continue
        page = caption["page"] if caption else None
        pdf = front.get("pdf_url") or (str(front["url"]).replace("/abs/", "/pdf/") if front.get("url") else None)
        if pdf and page:
            lines[i] = f"[{label}, page {page} of the paper]({pdf}#page={page})"
        else:
            lines[i] = f"*({label} is not shown here: the paper's licence does not allow it.)*"
    out.body = "\n".join(lines)
    if override and out.copies:
        out.body += (f"\n*The figures above are reproduced from the paper, whose licence "
                     f"({licence_name(front.get('license'))}) does not grant reuse; the author of this post takes "
                     "responsibility for showing them.*\n")
    return out


def copy_figures(copies: list[tuple[Path, Path]]) -> None:
    for source, target in copies:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
