"""The digest as Markdown: the flow run's ``paperdraft-digest`` artifact."""

from __future__ import annotations

from pipeline.rank.records import Digest, RankedPaper


def _cell(text: object) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def authors_short(authors: list[str], most: int = 3) -> str:
    return ", ".join(authors[:most]) + (" et al." if len(authors) > most else "")


def score_text(paper: RankedPaper) -> str:
    return "–" if paper.score is None else f"{paper.score:.3f}"


def digest_markdown(digest: Digest, drafted: int, selection: str) -> str:
    """A table of every ranked paper; the top ``drafted`` are marked as drafted."""
    lines = [f"# paperdraft digest: {selection}", ""]
    if digest.note:
        lines += [f"**Note:** {_cell(digest.note)}", ""]
    lines += ["| # | score | paper | authors | link | closest to | drafted |", "|---:|---:|---|---|---|---|---|"]
    for p in digest.papers:
        link = f"[arXiv:{p.meta.versioned_id}]({p.meta.url})" if p.meta.url else ""
        lines.append(f"| {p.rank} | {score_text(p)} | {_cell(p.meta.title)} | {_cell(authors_short(p.meta.authors))} "
                     f"| {link} | {_cell(p.closest or '')} | {'yes' if p.rank <= drafted else ''} |")
    dropped = ", ".join(f"{n} by {name}" for name, n in digest.dropped.items() if n)
    lines += ["", f"{digest.candidates} new papers, {len(digest.papers)} ranked against {digest.profile_items} "
                  f"items of yours" + (f" ({dropped} filtered out)" if dropped else "") + "."]
    return "\n".join(lines) + "\n"
