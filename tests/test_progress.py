"""Progress on a stderr that is not a terminal (CI, a pipe, an editor's output pane): plain lines, rate-limited.

On a terminal the CLI keeps Rich's bars (tests/test_reliability_cli.py drives it on a pty).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from pipeline.cli.console import PLAIN_PROGRESS_SECONDS, STAGES, PlainProgress

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "samples" / "sample-paper.md"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def plain(interval: float = PLAIN_PROGRESS_SECONDS) -> tuple[PlainProgress, io.StringIO, FakeClock]:
    stream, clock = io.StringIO(), FakeClock()
    return PlainProgress("1706.03762", stream=stream, clock=clock, interval=interval), stream, clock


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_stage_is_one_line_at_start_at_most_one_per_interval_and_one_at_the_end() -> None:
    progress, stream, clock = plain()
    progress("map", 0, 24)
    for done in range(1, 25):  # a callback every 0.5 s: 12 s in all
        clock.now += 0.5
        progress("map", done, 24)
    progress.finish()
    got = lines(stream)
    assert got[0] == "1706.03762: taking notes per chunk 0/24"
    assert got[-1] == "1706.03762: taking notes per chunk 24/24, done in 12.0 s"
    middle = got[1:-1]
    # 12 s at one line per 5 s at most: the lines at 5 s and 10 s, never two within the interval
    assert middle == ["1706.03762: taking notes per chunk 10/24", "1706.03762: taking notes per chunk 20/24"]


def test_the_rate_limit_counts_from_the_last_line_whatever_it_was() -> None:
    progress, stream, clock = plain(interval=3.0)
    progress("extract", 0, None)
    clock.now += 2.75
    progress("extract", 1, 10)  # within 3 s of the start line: nothing
    clock.now += 0.25
    progress("extract", 2, 10)  # 3 s after it: one line
    clock.now += 2.0
    progress("extract", 3, 10)
    assert lines(stream) == ["1706.03762: extracting text", "1706.03762: extracting text 2/10"]
    clock.now += 0.5
    progress("model", 0, None)  # a new stage: the last one's done line and its own start, however soon
    progress.finish()
    assert lines(stream)[2:] == ["1706.03762: extracting text 3/10, done in 5.5 s", "1706.03762: loading model",
                                 "1706.03762: loading model, done in 0.0 s"]


def test_stages_in_order_and_a_stage_complete_at_its_start_is_one_line() -> None:
    progress, stream, clock = plain()
    progress("fetch", 0, None)
    clock.now += 1
    progress("download", 0, None)
    progress("download", 65536, 2_200_000)
    clock.now += 1
    progress("download", 2_200_000, 2_200_000)
    progress("extract", 0, None)
    progress("cached", 1, 1)
    progress.finish()  # nothing more: the cached stage said it was done
    assert lines(stream) == [
        "1706.03762: fetching metadata",
        "1706.03762: fetching metadata, done in 1.0 s",
        "1706.03762: downloading PDF",
        "1706.03762: downloading PDF 2.2 MB of 2.2 MB, done in 1.0 s",
        "1706.03762: extracting text",
        "1706.03762: extracting text, done in 0.0 s",
        "1706.03762: reusing the cached summary 1/1, done",
    ]
    assert "\x1b" not in stream.getvalue()


def test_finish_without_a_stage_writes_nothing() -> None:
    progress, stream, _ = plain()
    progress.finish()
    assert stream.getvalue() == ""


def _stage_lines(stderr: str, label: str) -> list[tuple[str, str]]:
    """(stage description, rest) of each plain progress line of ``label``."""
    described = sorted((text[:1].lower() + text[1:] for text in STAGES.values()), key=len, reverse=True)
    out = []
    for line in stderr.splitlines():
        if not line.startswith(f"{label}: "):
            continue
        rest = line[len(label) + 2:]
        stage = next(d for d in described if rest.startswith(d))
        out.append((stage, rest[len(stage):]))
    return out


def test_the_cli_prints_plain_progress_lines_into_a_pipe(tiny_model_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PAPERDRAFT_MODEL": str(tiny_model_dir), "TERM": "xterm-256color", "COLUMNS": "100"}
    env.pop("FORCE_COLOR", None)
    argv = [sys.executable, "-m", "pipeline.cli", "draft", str(SAMPLE), "--drafts-dir", str(tmp_path / "drafts")]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("written: ")
    assert "\x1b" not in first.stderr and "\r" not in first.stderr  # no colour, no cursor, no bars
    label = str(SAMPLE)
    stages = _stage_lines(first.stderr, label)
    order = [stage for stage, _ in stages]
    starts = [stage for n, (stage, _) in enumerate(stages) if n == 0 or stages[n - 1][0] != stage]
    assert [s for s in starts if s != "condensing notes"] == [
        "extracting text", "loading model", "taking notes per chunk", "writing sections"]
    for stage in starts:  # each stage: its start line first, its done line last, nothing of it elsewhere
        mine = [rest for s, rest in stages if s == stage]
        assert order.count(stage) == len(mine) and mine[-1].endswith(" s") and ", done in " in mine[-1]
        seconds = float(mine[-1].rsplit(" ", 2)[-2])
        assert len(mine) - 2 <= seconds / PLAIN_PROGRESS_SECONDS + 1, (stage, mine)  # the rate limit held
    notes = [rest for s, rest in stages if s == "taking notes per chunk"]
    assert re.fullmatch(r" 0/(\d+)", notes[0]) and re.match(r" (\d+)/\1, done in ", notes[-1])

    again = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert again.returncode == 0 and again.stdout.startswith("unchanged: "), again.stderr
    assert [s for s, _ in _stage_lines(again.stderr, label)] == [
        "extracting text", "extracting text", "reusing the cached summary"]
