"""docs/reliability.md stays true: every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_named_in_the_reliability_report_exists():
    report = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named: list[tuple[str, str]] = []
    for row in (line for line in report.splitlines() if line.startswith("|")):
        current = None
        for ref in re.findall(r"`([\w./]*?)::(\w+)`", row):
            current = ref[0] or current
            assert current, f"{ref[1]} names no file: {row}"
            named.append((current, ref[1]))
    assert len(named) > 40
    for file, name in named:
        source = (ROOT / "tests" / file).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"docs/reliability.md names a missing test: {file}::{name}"
