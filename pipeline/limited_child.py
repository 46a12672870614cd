"""Untrusted files read in a child process under time and memory limits, the two sides talking JSON lines.

The parent (:func:`run_child`) starts ``python -m <module>``, writes one JSON request to its stdin and reads
one JSON object per line from its stdout, handing each to a callback. It stops the child when a step takes
longer than ``step_seconds`` (no line arrives), when the whole run passes its deadline, or when the callback
says it has what it needs; and says which. The child (:func:`read_request`, :func:`say`) limits its own
address space and lifetime first, so a hostile file that makes a C library allocate without bound, abort or
hang costs the child only: the parent sees where it was and carries on without it.

Used for a PDF's figures (:mod:`pipeline.figures.worker`) and for the pictures of a LaTeX source
(:mod:`pipeline.extract.latex.picture_worker`).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

try:
    import resource
except ImportError:  # Windows: no rlimits; the parent's time limits still hold
    resource = None

OUT_OF_MEMORY = 3  # the child's exit status when it ran out of memory (MemoryError)


# --- the child's side ---

def say(**item) -> None:
    """One JSON line to the parent."""
    sys.stdout.write(json.dumps(item) + "\n")
    sys.stdout.flush()


def read_request() -> dict:
    """The parent's request, read from stdin; the process then limits its address space to the request's
    ``memory_bytes`` and ends itself after its ``seconds``, even if the parent is gone (killed with its draft)."""
    request = json.loads(sys.stdin.readline())
    limit = int(request.get("memory_bytes") or 0)
    if resource is not None and limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    seconds = float(request.get("seconds") or 0)
    if seconds > 0 and hasattr(signal, "alarm"):
        signal.alarm(int(seconds) + 1)
    return request


def child_main(run: Callable[[dict], None], out_of_memory_line: dict | None = None) -> None:
    """A child's whole life: read the request (which sets its limits), ``run`` it, and end with
    ``OUT_OF_MEMORY`` if it runs out of memory, after saying ``out_of_memory_line`` when one is given."""
    request = read_request()
    try:
        run(request)
    except MemoryError:
        if out_of_memory_line:
            say(**out_of_memory_line)
        sys.exit(OUT_OF_MEMORY)


# --- the parent's side ---

def _package_root() -> str:
    return str(Path(__file__).resolve().parents[1])


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def run_child(module: str, request: dict, on_item: Callable[[dict], bool], *, step_seconds: float,
              deadline: float) -> tuple[str, int | None]:
    """Run ``module`` on ``request`` (its ``seconds`` set from ``deadline``), each line to ``on_item``, which
    returns True when the run has what it needs. Why it stopped: ``("done", None)`` when ``on_item`` said so,
    ``("deadline", None)``, ``("step", None)`` when a step took longer than ``step_seconds``, or
    ``("exit", status)`` when the child ended first (status ``OUT_OF_MEMORY``, -6 or -9: out of memory)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_package_root(), os.environ.get("PYTHONPATH")])))
    request = {**request, "seconds": max(deadline - time.monotonic(), 1.0)}
    proc = subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.close()
    except OSError:  # the child ended before it read its request
        pass
    try:
        while True:
            try:
                line = lines.get(timeout=max(min(step_seconds, deadline - time.monotonic()), 0.0))
            except queue.Empty:
                return ("deadline" if time.monotonic() >= deadline else "step"), None
            if line is None:
                return "exit", proc.wait()
            if on_item(json.loads(line)):
                return "done", None
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def out_of_memory(status: int | None) -> bool:
    return status in (OUT_OF_MEMORY, -6, -9)
