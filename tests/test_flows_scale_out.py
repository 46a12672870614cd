"""Scale-out against real Prefect: a server, a process work pool, two workers, the repo's prefect.yaml.

1. ``prefect server start`` on 127.0.0.1 (its own PREFECT_HOME and database), a process work pool
   ``paperdraft``, a global rate limit ``arxiv`` (1 slot, decaying at 1 slot/s), and
   ``prefect deploy`` of the ``daily-reading-list`` deployment from prefect.yaml.
2. Two ``prefect worker start --pool paperdraft --limit 1`` workers. Their flow-run processes share
   one paperdraft home (PDF cache) and Prefect result storage, as workers on one machine do.
3. Two reading lists of three corpus papers each, one flow run each: one run on each worker.
   When the first run has written its first draft, its worker and flow-run process are killed -9.
4. A rerun of that reading list on the surviving worker: it finishes the rest and skips what was
   done. Every paper has exactly one draft; drafts written before the kill are untouched.
5. Every arXiv request of all runs reached the local server at least ~1 s apart: the workers'
   processes share the server's ``arxiv`` rate limit (each process's own gate is set to 0.1 s).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from pipeline.draftfile.format import CRITIQUE_HEADING
from pipeline.draftfile.parse import front_and_body as parse
from tests.arxiv_server import ArxivTestServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
LIST_A = ["1803.10963", "1706.03762", "1810.04805"]  # the run whose worker is killed
LIST_B = ["1111.2011v2", "1411.3715", "1412.6980"]
RATE = 1.0  # arxiv slots per second in this test (arXiv itself asks for 1/3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Prefect:
    """A Prefect server and workers in subprocesses, and the REST calls the test needs."""

    def __init__(self, tmp: Path, arxiv: ArxivTestServer, model: Path):
        self.tmp = tmp
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERDRAFT_"))},
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "PREFECT_LOCAL_STORAGE_PATH": str(tmp / "prefect-storage"),
            "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(self.port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",  # only the runs this test makes
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
            "PAPERDRAFT_HOME": str(tmp / "paperdraft-home"),
            "PAPERDRAFT_ARXIV_API_URL": arxiv.api_url,
            "PAPERDRAFT_ARXIV_OAI_URL": arxiv.oai_url,
            "PAPERDRAFT_ARXIV_DELAY_SECONDS": "0.1",  # each process's own gate; the rate limit spaces them
            "PAPERDRAFT_ARXIV_TIMEOUT_SECONDS": "10",
            "PAPERDRAFT_FLOW_RETRY_DELAYS": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(ROOT),
        }
        self.model = model
        # short generations: this test is about orchestration, and the tiny model's text is noise anyway
        home = tmp / "paperdraft-home"
        home.mkdir()
        (home / "config.toml").write_text("note_tokens = 8\nsection_tokens = 16\nkey_sentences = 2\n")

    # ------------------------------------------------------------------ processes

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")
        proc = subprocess.Popen([PREFECT, *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def cli(self, *args: str) -> str:
        done = subprocess.run([PREFECT, "--no-prompt", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=180)
        assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.logs.iterdir()))

    # ------------------------------------------------------------------ REST

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        """A REST call; a busy server (503 while SQLite is locked) is asked again."""
        for attempt in range(20):
            r = requests.request(method, self.api + path, json=body, timeout=30)
            if r.status_code != 503:
                break
            time.sleep(0.5 * (attempt + 1))
        r.raise_for_status()
        return r.json()

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: dict) -> Any:
        return self.call("POST", path, body)

    def healthy(self) -> bool:
        try:
            return requests.get(self.api + "/health", timeout=2).ok
        except requests.RequestException:
            return False

    def online_workers(self) -> int:
        workers = self.post("/work_pools/paperdraft/workers/filter", {})
        return sum(1 for w in workers if w.get("status") == "ONLINE")

    def run(self, deployment_id: str, reading_list: Path, drafts: Path) -> str:
        params = {"ids_file": str(reading_list), "drafts_dir": str(drafts), "model": str(self.model)}
        return self.post(f"/deployments/{deployment_id}/create_flow_run", {"parameters": params})["id"]

    def flow_run(self, run_id: str) -> dict:
        return self.get(f"/flow_runs/{run_id}")

    def state(self, run_id: str) -> str:
        return self.flow_run(run_id)["state"]["type"]

    def finished(self, run_id: str) -> str | None:
        state = self.state(run_id)
        return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    def artifact(self, run_id: str) -> str:
        found = self.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
        (artifact,) = [a for a in found if a["key"] == "paperdraft-run"]
        return artifact["data"]


def _statuses(markdown: str) -> dict[str, str]:
    """arXiv id -> status, from the run artifact's table (paper, link, draft, status, figures, seconds)."""
    out = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[1].startswith("[arXiv:"):
            out[cells[1][len("[arXiv:"):].split("v")[0].split("]")[0]] = cells[3]
    return out


def _drafted_ids(drafts: Path) -> list[str]:
    return sorted(p.name.split("-")[0] for p in drafts.glob("*.md"))


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


@pytest.fixture
def prefect(tmp_path: Path, arxiv_server: ArxivTestServer, tiny_model_dir: Path):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads /proc to find which worker runs a flow run")
    p = Prefect(tmp_path, arxiv_server, tiny_model_dir)
    try:
        p.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(p.port), "--no-ui")
        _wait("the Prefect server", p.healthy, timeout=120, every=0.5)
        yield p
    finally:
        p.stop()


def test_two_workers_draft_each_paper_once_and_a_rerun_after_a_killed_worker_finishes_the_rest(
    prefect: Prefect, arxiv_server: ArxivTestServer, tmp_path: Path
):
    try:
        _scale_out(prefect, arxiv_server, tmp_path)
    except BaseException:
        print(prefect.log_tail())  # the server's and workers' logs, for the failure report
        raise


def _scale_out(prefect: Prefect, arxiv_server: ArxivTestServer, tmp_path: Path) -> None:
    prefect.cli("work-pool", "create", "paperdraft", "--type", "process")
    prefect.cli("global-concurrency-limit", "create", "arxiv", "--limit", "1", "--slot-decay-per-second", str(RATE))
    prefect.cli("deploy", "--name", "daily-reading-list")
    deployment = prefect.get("/deployments/name/draft-papers/daily-reading-list")
    assert deployment["work_pool_name"] == "paperdraft"

    workers = [prefect.start(f"worker-{i}", "worker", "start", "--pool", "paperdraft", "--limit", "1",
                             "--name", f"worker-{i}") for i in (1, 2)]
    _wait("two online workers", lambda: prefect.online_workers() == 2, timeout=120, every=0.5)

    drafts = tmp_path / "drafts"
    lists = {}
    for name, ids in (("a", LIST_A), ("b", LIST_B)):
        lists[name] = tmp_path / f"reading-{name}.txt"
        lists[name].write_text("# reading list\n" + "\n".join(ids) + "\n")
    run_a = prefect.run(deployment["id"], lists["a"], drafts)
    run_b = prefect.run(deployment["id"], lists["b"], drafts)

    # each worker takes one run (--limit 1)
    def infra(run_id: str) -> int | None:
        pid = prefect.flow_run(run_id).get("infrastructure_pid")
        return int(str(pid).rsplit(":", 1)[-1]) if pid else None  # "host:pid" or "pid"

    pid_a = _wait("run a to start", lambda: infra(run_a), timeout=180)
    pid_b = _wait("run b to start", lambda: infra(run_b), timeout=180)
    worker_of = {w.pid: w for w in workers}
    killed, survivor = worker_of[_parent(pid_a)], worker_of[_parent(pid_b)]
    assert killed is not survivor, "both runs went to one worker"

    # kill -9 run a's worker and flow-run process once run a has written its first draft
    done_before = _wait("run a's first draft",
                        lambda: [i for i in _drafted_ids(drafts) if i in LIST_A], timeout=300, every=0.05)
    os.kill(pid_a, signal.SIGKILL)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(timeout=30)
    before = {p.name: p.read_bytes() for p in drafts.glob("*.md") if p.name.split("-")[0] in LIST_A}
    assert 1 <= len(before) < len(LIST_A), f"run a finished {sorted(before)} before the kill"
    assert prefect.state(run_a) != "COMPLETED"

    assert _wait("run b", lambda: prefect.finished(run_b), timeout=300) == "COMPLETED"
    assert set(_statuses(prefect.artifact(run_b)).values()) == {"written"}

    # the rerun of reading list a, on the surviving worker
    rerun = prefect.run(deployment["id"], lists["a"], drafts)
    assert _wait("the rerun", lambda: prefect.finished(rerun), timeout=300) == "COMPLETED"
    statuses = _statuses(prefect.artifact(rerun))
    assert set(statuses) == set(LIST_A)
    for ident in LIST_A:
        was_done = any(name.startswith(ident) for name in before)
        assert statuses[ident] == ("skipped" if was_done else "written"), (ident, statuses, done_before)
    for name, content in before.items():  # finished papers were not redone
        assert (drafts / name).read_bytes() == content

    # every paper exactly once
    assert _drafted_ids(drafts) == sorted(LIST_A + [i.split("v")[0] for i in LIST_B])
    for path in drafts.glob("*.md"):  # and each one whole
        front, body = parse(path.read_text(encoding="utf-8"))
        assert front["arxiv_id"] == path.name.split("-")[0] and CRITIQUE_HEADING in body

    # arXiv politeness across both workers' processes: the shared rate limit spaced every request
    starts = sorted(r.t for r in arxiv_server.requests)
    assert len(starts) >= 2 * len(LIST_A + LIST_B)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.6 / RATE, json.dumps([round(g, 2) for g in gaps])
