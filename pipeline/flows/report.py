"""The run report: one row per paper, kept as the flow's result and as a Markdown artifact."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from prefect.states import State

from pipeline.errors import PaperdraftError

@dataclass
class PaperOutcome:
    """One line of the run report (plain JSON types: it is the flow's result)."""

    source: str
    status: str  # written | merged | unchanged | skipped | failed
    title: str | None = None
    arxiv_id: str | None = None  # versioned, e.g. 1706.03762v5
    url: str | None = None
    path: str | None = None
    seconds: float = 0.0
    error: str | None = None
    cached: list[str] = field(default_factory=list)  # stages answered from the cache
    figures: int = 0  # figures and tables found in the paper

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def error_text(state: State) -> str:
    try:
        state.result()
    except PaperdraftError as exc:
        return str(exc)
    except BaseException as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return state.message or state.name or "failed"


def _cell(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def report_markdown(outcomes: list[PaperOutcome], selection: str = "", seconds: float | None = None) -> str:
    """The run artifact: one row per paper."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no papers"
    lines = ["# paperdraft run", ""]
    if selection:
        lines += [f"Selection: {_cell(selection)}", ""]
    lines += [f"{len(outcomes)} papers: {summary}" + (f" in {seconds:.1f} s" if seconds is not None else "") + ".", ""]
    lines += ["| paper | link | draft | status | figures | seconds |", "| --- | --- | --- | --- | ---: | ---: |"]
    for o in outcomes:
        link = f"[arXiv:{o.arxiv_id}]({o.url})" if o.url else _cell(o.arxiv_id or o.source)
        status = o.status if not o.error else f"{o.status}: {_cell(o.error)}"
        lines.append(f"| {_cell(o.title or o.source)} | {link} | {_cell(o.path or '')} | {status} | {o.figures} | "
                     f"{o.seconds:.1f} |")
    return "\n".join(lines) + "\n"
