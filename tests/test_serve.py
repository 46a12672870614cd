"""``paperdraft serve`` schedules runs that really happen, on a Prefect server it starts or on the configured one.

Both tests run the real CLI (``python -m pipeline.cli serve``) in a subprocess against the local arXiv
replay server and the tiny model, and read the Prefect server's REST API to see what it scheduled and ran.

1. No PREFECT_API_URL: serve starts ``prefect server start`` on 127.0.0.1 itself and says where its UI is.
   With ``--cron "* * * * *"`` the server's scheduler makes a run for the next minute and serve runs it:
   the test waits for the draft and for that flow run, ``auto_scheduled``, to end Completed (a real
   scheduled run, not one the test triggered; up to a minute's wait for the cron, then the run). Then
   SIGTERM: serve exits 0, and the server it started is gone (no process left, the port closed).
2. PREFECT_API_URL names a server (the test starts one): serve registers its deployment there and starts
   no server of its own. A run triggered through the API (``create_flow_run`` on the deployment, the cron
   being hours away) runs to Completed in the served process. SIGTERM stops serve; the server stays up.

Linux only: they read /proc for the processes serve starts.
"""

from __future__ import annotations

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

from tests.arxiv_server import ArxivTestServer

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for serve's processes")]

ROOT = Path(__file__).resolve().parents[1]
PAPER = "1803.10963"
NO_PROXY = {"http": None, "https": None}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, timeout: float, every: float = 0.5, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Api:
    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        for attempt in range(20):  # a busy SQLite server answers 503 now and then
            r = requests.request(method, self.url + path, json=body, timeout=30, proxies=NO_PROXY)
            if r.status_code != 503:
                break
            time.sleep(0.5 * (attempt + 1))
        r.raise_for_status()
        return r.json()

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + "/health", timeout=2, proxies=NO_PROXY).ok
        except requests.RequestException:
            return False

    def deployment(self) -> dict | None:
        try:
            return self.call("GET", "/deployments/name/draft-papers/paperdraft")
        except requests.HTTPError:
            return None

    def runs(self, deployment_id: str) -> list[dict]:
        return self.call("POST", "/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}})


def _env(tmp_path: Path, arxiv: ArxivTestServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PAPERDRAFT_"))}
    home = tmp_path / "paperdraft-home"
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text("note_tokens = 8\nsection_tokens = 16\nkey_sentences = 2\n")
    env.update({
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # the serving process's own (results, profiles)
        "PAPERDRAFT_HOME": str(home),  # the server serve starts keeps its database under it
        "PAPERDRAFT_ARXIV_API_URL": arxiv.api_url,
        "PAPERDRAFT_ARXIV_OAI_URL": arxiv.oai_url,
        "PAPERDRAFT_ARXIV_DELAY_SECONDS": "0.05",
        "PAPERDRAFT_ARXIV_TIMEOUT_SECONDS": "10",
        "PAPERDRAFT_FLOW_RETRIES": "0",
        "PREFECT_RUNNER_POLL_FREQUENCY": "3",  # how often serve asks for due runs (default 10 s)
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        **extra,
    })
    return env


class Serve:
    """``python -m pipeline.cli serve ...`` in a session of its own, its output in files."""

    def __init__(self, tmp_path: Path, env: dict[str, str], *args: str):
        self.out, self.err = tmp_path / "serve.out", tmp_path / "serve.err"
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", *args], cwd=tmp_path,
                                         env=env, stdout=out, stderr=err, start_new_session=True)
        self.seen: set[int] = set()

    def stderr(self) -> str:
        return self.err.read_text(errors="replace")

    def output(self) -> str:
        return self.out.read_text(errors="replace") + self.stderr()

    def processes(self) -> list[int]:
        found = _descendants(self.proc.pid)
        self.seen.update(found)
        return found

    def kill_all(self) -> None:
        for pid in [self.proc.pid, *self.seen, *_descendants(self.proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass


def test_serve_without_a_server_starts_one_runs_the_schedule_and_stops_it_on_sigterm(
        arxiv_server: ArxivTestServer, tiny_model_dir: Path, tmp_path: Path):
    port = _free_port()
    drafts = tmp_path / "drafts"
    serve = Serve(tmp_path, _env(tmp_path, arxiv_server), "--ids", PAPER, "--drafts-dir", str(drafts), "--model",
                  str(tiny_model_dir), "--cron", "* * * * *", "--port", str(port))
    api = Api(f"http://127.0.0.1:{port}/api")
    try:
        line = f"Prefect UI: http://127.0.0.1:{port}"
        _wait("serve to say where its UI is", lambda: line in serve.stderr() or serve.proc.poll() is not None,
              timeout=240, log=serve.err)
        assert line in serve.stderr(), serve.output()[-4000:]
        assert "Cannot schedule flows on an ephemeral server" not in serve.output()
        assert api.healthy()
        (server_pid,) = [p for p in serve.processes() if "prefect server start" in _cmdline(p)]
        assert "--host 127.0.0.1" in _cmdline(server_pid) and "--analytics-off" in _cmdline(server_pid)

        deployment = _wait("the deployment", api.deployment, timeout=60)
        assert deployment["schedules"][0]["schedule"]["cron"] == "* * * * *"
        # the scheduler's run for the next minute: serve picks it up and drafts the paper
        _wait("the scheduled run's draft", lambda: list(drafts.glob(f"{PAPER}-*.md")), timeout=300, log=serve.err)

        def completed():
            serve.processes()  # note the flow-run processes too, while they live
            return [r for r in api.runs(deployment["id"]) if r["state"]["type"] == "COMPLETED"]

        (run, *_) = _wait("the scheduled run to complete", completed, timeout=120, log=serve.err)
        assert run["auto_scheduled"] is True  # made by the server's scheduler from the cron, not by this test
        assert deployment["paused"] is False

        # SIGTERM: serve stops, and takes its server with it
        serve.processes()
        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=90) == 0, serve.output()[-4000:]
        _wait("serve's processes to end", lambda: not [p for p in serve.seen if _alive(p)], timeout=30)
        assert not _alive(server_pid)
        assert not _listening(port)
        assert "Traceback" not in serve.stderr(), serve.stderr()[-4000:]
    finally:
        serve.kill_all()


@pytest.fixture
def prefect_server(tmp_path: Path):
    """A Prefect server of the test's own, as a user's ``prefect server start`` would be."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(tmp_path / "their-prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_SERVER_UI_ENABLED": "false"})
    log = open(tmp_path / "their-server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                             str(port), "--no-ui"], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    api = Api(f"http://127.0.0.1:{port}/api")
    try:
        _wait("the test's Prefect server", api.healthy, timeout=240, log=tmp_path / "their-server.log")
        yield api
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()


def test_serve_with_prefect_api_url_uses_that_server_and_starts_none(
        prefect_server: Api, arxiv_server: ArxivTestServer, tiny_model_dir: Path, tmp_path: Path):
    drafts = tmp_path / "drafts"
    env = _env(tmp_path, arxiv_server, PREFECT_API_URL=prefect_server.url)
    serve = Serve(tmp_path, env, "--ids", PAPER, "--drafts-dir", str(drafts), "--model", str(tiny_model_dir),
                  "--cron", "0 7 * * *")
    try:
        line = f"Serving on the Prefect server at {prefect_server.url}"
        _wait("serve to name the server", lambda: line in serve.stderr() or serve.proc.poll() is not None,
              timeout=180, log=serve.err)
        assert line in serve.stderr(), serve.output()[-4000:]
        deployment = _wait("the deployment on that server", prefect_server.deployment, timeout=60)
        assert "Prefect UI:" not in serve.stderr()  # it started no server, so it names none
        assert not [p for p in serve.processes() if "prefect" in _cmdline(p) and "server" in _cmdline(p)]
        assert not (tmp_path / "paperdraft-home" / "prefect-server").exists()

        # 07:00 is hours away: a run triggered through the API (as `prefect deployment run` does) runs in serve
        run_id = prefect_server.call("POST", f"/deployments/{deployment['id']}/create_flow_run", {})["id"]

        def finished():
            serve.processes()
            state = prefect_server.call("GET", f"/flow_runs/{run_id}")["state"]["type"]
            return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        assert _wait("the triggered run", finished, timeout=300, log=serve.err) == "COMPLETED", serve.output()[-4000:]
        assert list(drafts.glob(f"{PAPER}-*.md"))

        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=90) == 0, serve.output()[-4000:]
        assert prefect_server.healthy()  # serve stops only a server it started
        assert prefect_server.deployment()["paused"] is True  # and pauses its schedule as it goes
    finally:
        serve.kill_all()


def test_serve_rank_on_a_real_server_drafts_the_best_new_papers_for_the_author(
        prefect_server: Api, arxiv_server: ArxivTestServer, tiny_model_dir: Path, tmp_path: Path, monkeypatch):
    """"The 3 best new cs.CL papers for me, every morning" as one deployment: a run of it, triggered through the
    API of a real Prefect server, ranks the day's papers against the author's posts and drafts the top three."""
    from datetime import date, timedelta

    from tests.test_ranking import SIGNAL_IDS, TRANSFORMER_IDS, TRANSFORMER_POSTS, _day_of_papers, _post

    _day_of_papers(monkeypatch, 5, date.today() - timedelta(days=1))
    blog = tmp_path / "blog"
    for name, (title, body) in TRANSFORMER_POSTS.items():
        _post(blog, name, title, body)
    drafts = tmp_path / "drafts"
    env = _env(tmp_path, arxiv_server, PREFECT_API_URL=prefect_server.url)
    serve = Serve(tmp_path, env, "--category", "cs.CL", "--category", "cs.LG", "--since", "yesterday", "--rank",
                  "--max", "3", "--posts", str(blog), "--drafts-dir", str(drafts), "--model", str(tiny_model_dir),
                  "--cron", "0 7 * * *")
    try:
        deployment = _wait("the deployment on that server", prefect_server.deployment, timeout=180, log=serve.err)
        assert deployment["parameters"]["rank"]["posts"] == [str(blog.resolve())]
        run_id = prefect_server.call("POST", f"/deployments/{deployment['id']}/create_flow_run", {})["id"]

        def finished():
            serve.processes()
            state = prefect_server.call("GET", f"/flow_runs/{run_id}")["state"]["type"]
            return state if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        assert _wait("the triggered run", finished, timeout=400, log=serve.err) == "COMPLETED", serve.output()[-4000:]
        drafted = sorted(p.name.split("-")[0] for p in drafts.glob("*.md"))
        assert len(drafted) == 3 and set(drafted) <= TRANSFORMER_IDS | {"2204.02311"}, drafted
        assert not set(drafted) & SIGNAL_IDS
        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=90) == 0, serve.output()[-4000:]
    finally:
        serve.kill_all()
