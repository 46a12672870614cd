"""``paperdraft run`` keeps to this machine, and its failures are one line unless PAPERDRAFT_DEBUG=1.

Each test runs the real CLI in a subprocess, with no Prefect server configured, so Prefect starts its
temporary server (a subprocess of its own), against the local arXiv replay server and the tiny model.

Privacy: the CLI runs under a small wrapper (written to tmp_path, run with sys.executable) that installs
``sys.addaudithook`` for the socket events (connect, sendto, name lookups, bind) and ``subprocess.Popen``,
writes each to a file, and runs ``pipeline.cli.app.main()``. A Python child started as ``python -m X``
(Prefect's temporary server is ``python -m uvicorn``) is started under the same wrapper, so its sockets
are recorded too; every child the run starts must be one of those. A connection or lookup of anything but
this machine is recorded and then refused (the hook raises), so even a failing test sends nothing out.
The subprocess gets none of the test session's Prefect or telemetry variables (conftest sets
PREFECT_SERVER_ANALYTICS_ENABLED and DO_NOT_TRACK for the session): what keeps Prefect quiet must be
paperdraft's own doing. It gets no HF_HUB_OFFLINE either: loading a local model folder must not reach the Hub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


from tests.arxiv_server import ArxivTestServer

ROOT = Path(__file__).resolve().parents[1]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "", None}
LOCAL_TOOLS = {"file", "uname", "ldconfig", "ldconfig.real", "gcc", "cc", "ld", "objdump"}
MISSING = "2101.00001"  # the replay server has no such paper (tests/arxiv_server.py answers an empty feed)
PAPER = "1803.10963"

AUDIT_WRAPPER = r'''
"""Run a Python program (-m module, or pipeline.cli.app.main) recording its sockets and subprocesses."""
import os, socket, subprocess, sys

LOG = os.environ["NET_AUDIT_LOG"]
WRAPPER = os.path.abspath(__file__)
LOCAL = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::", "", None}
_fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def _host(value):
    return value.decode() if isinstance(value, bytes) else value


def _write(kind, **fields):
    import json
    line = json.dumps({"pid": os.getpid(), "event": kind, **fields}, default=repr) + "\n"
    os.write(_fd, line.encode())


def _hook(event, args):
    if event == "socket.connect" or event == "socket.sendto":
        sock, address = args[0], args[1]
        if sock.family == socket.AF_UNIX:
            _write(event, family="unix", address=str(address))
            return
        host, port = _host(address[0]), address[1]
        _write(event, family=int(sock.family), host=host, port=port)
        if host not in LOCAL:
            raise PermissionError(f"test: no connection to {host}:{port} allowed")
    elif event == "socket.bind":
        sock, address = args[0], args[1]
        if sock.family != socket.AF_UNIX:
            _write(event, host=_host(address[0]), port=address[1])
    elif event == "socket.getaddrinfo":
        host = _host(args[0])
        _write(event, host=host, port=args[1])
        if host not in LOCAL:
            raise PermissionError(f"test: no name lookup of {host} allowed")
    elif event in ("socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
        host = _host(args[0])
        _write(event, host=host)
        if host not in LOCAL:
            raise PermissionError(f"test: no name lookup of {host} allowed")
    elif event == "subprocess.Popen":
        _write(event, executable=str(args[0]), args=[str(a) for a in (args[1] or [])][:6])


sys.addaudithook(_hook)

_popen_init = subprocess.Popen.__init__


def _wrapped_init(self, args, *rest, **kwargs):
    """`python -m X ...` becomes `python WRAPPER -m X ...`: the child records its sockets too."""
    if (isinstance(args, (list, tuple)) and len(args) > 2 and str(args[1]) == "-m"
            and os.path.realpath(str(args[0])) == os.path.realpath(sys.executable)):
        args = [args[0], WRAPPER, *args[1:]]
    return _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _wrapped_init

if len(sys.argv) > 2 and sys.argv[1] == "-m":
    import runpy
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    _write("start", program=module)
    runpy.run_module(module, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["paperdraft", *sys.argv[1:]]
    _write("start", program="paperdraft")
    from pipeline.cli.app import main
    main()
'''

CI_VARS = {"CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "TRAVIS", "CIRCLECI", "BUILDKITE", "TF_BUILD",
           "CODEBUILD_BUILD_ID", "BITBUCKET_COMMIT", "TEAMCITY_VERSION", "DRONE", "SEMAPHORE", "APPVEYOR", "BUDDY",
           "CI_NAME"}  # Prefect's SDK telemetry is off in CI: the subprocess must not look like CI


def _env(tmp_path: Path, arxiv: ArxivTestServer, **extra: str) -> dict[str, str]:
    """A user's shell: no Prefect settings, no telemetry opt-outs, no Hub offline switch; our own homes."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "PAPERDRAFT_")) and k not in CI_VARS
           and k not in ("DO_NOT_TRACK", "HF_HUB_OFFLINE", "PYTEST_CURRENT_TEST")}
    home = tmp_path / "paperdraft-home"
    home.mkdir(exist_ok=True)
    # short generations: these tests are about what the run talks to and prints, not the text
    (home / "config.toml").write_text("note_tokens = 8\nsection_tokens = 16\nkey_sentences = 2\n")
    env.update({
        "HOME": str(tmp_path / "user"),  # Prefect's default home (~/.prefect) is the test's, not the user's
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PAPERDRAFT_HOME": str(home),
        "PAPERDRAFT_ARXIV_API_URL": arxiv.api_url,
        "PAPERDRAFT_ARXIV_OAI_URL": arxiv.oai_url,
        "PAPERDRAFT_ARXIV_DELAY_SECONDS": "0.05",
        "PAPERDRAFT_ARXIV_TIMEOUT_SECONDS": "10",
        "PAPERDRAFT_FLOW_RETRIES": "0",
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",  # the table on one line a row
        **extra,
    })
    (tmp_path / "user").mkdir(exist_ok=True)
    return env


def test_a_flow_run_talks_to_nothing_but_this_machine_and_the_configured_arxiv(
        arxiv_server: ArxivTestServer, tiny_model_dir: Path, tmp_path: Path):
    wrapper = tmp_path / "net_audit.py"
    wrapper.write_text(AUDIT_WRAPPER)
    log = tmp_path / "net.jsonl"
    env = _env(tmp_path, arxiv_server, NET_AUDIT_LOG=str(log))
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(wrapper), "run", "--ids", PAPER, MISSING, "--drafts-dir",
                           str(tmp_path / "drafts"), "--model", str(tiny_model_dir)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    (tmp_path / "run-output.txt").write_text(output)  # kept with the test's tmp_path, for a failure's post-mortem

    records = [json.loads(line) for line in log.read_text().splitlines()]
    programs = {r["pid"]: r["program"] for r in records if r["event"] == "start"}
    (main_pid,) = [pid for pid, program in programs.items() if program == "paperdraft"]
    bound = {r["port"] for r in records if r["event"] == "socket.bind" and r["port"]}

    # every child the run started was Python under the wrapper (so nothing ran unrecorded)
    children = [r for r in records if r["event"] == "subprocess.Popen"]
    assert children, "Prefect's temporary server was not started?"
    for child in children:  # or a local tool that platform and ctypes.util run (`file -b python`, ldconfig)
        assert child["args"][1:3] == [str(wrapper), "-m"] or Path(child["executable"]).name in LOCAL_TOOLS, child
    assert "uvicorn" in programs.values(), f"the temporary server ran unrecorded: {programs}"

    # every name lookup is of this machine
    lookups = [r for r in records if r["event"].startswith("socket.geth") or r["event"] == "socket.getaddrinfo"]
    assert [r for r in lookups if r["host"] not in LOCAL_HOSTS] == [], f"after {seconds:.0f} s: {output[-3000:]}"
    # every connection is to this machine: Prefect's server (a port one of the run's processes bound) or arXiv
    connects = [r for r in records if r["event"] in ("socket.connect", "socket.sendto") and r["family"] != "unix"]
    assert [r for r in connects if r["host"] not in LOCAL_HOSTS] == []
    arxiv_port = arxiv_server.port
    others = [r for r in connects if r["port"] != arxiv_port and r["port"] not in bound]
    assert others == [], f"connections to neither Prefect's server nor arXiv: {others}"
    # the run itself went as it should: the missing paper fails it, the other is drafted
    assert done.returncode == 1, output[-8000:]
    assert list((tmp_path / "drafts").glob(f"{PAPER}-*.md")), output[-8000:]
    # ... and the run really did both: arXiv's answers came from the replay server, the flow talked to Prefect
    assert any(r["port"] == arxiv_port for r in connects)
    assert arxiv_server.count("/api/query") >= 2
    assert arxiv_server.count("/src/") == 1 and arxiv_server.count("/pdf/") == 0  # its e-print is its PDF
    assert any(r["port"] in bound and r["pid"] == main_pid for r in connects)
    assert "telemetry" not in output.lower(), output[-3000:]


def _run(tmp_path: Path, arxiv: ArxivTestServer, model: Path, ids: list[str], **extra: str):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--ids", *ids, "--drafts-dir",
                           str(tmp_path / "drafts"), "--model", str(model)],
                          cwd=tmp_path, env=_env(tmp_path, arxiv, HF_HUB_OFFLINE="1", **extra),
                          capture_output=True, text=True, timeout=600)


def test_a_missing_paper_is_one_line_in_the_table_and_the_log_and_a_traceback_only_with_debug(
        arxiv_server: ArxivTestServer, tiny_model_dir: Path, tmp_path: Path):
    done = _run(tmp_path, arxiv_server, tiny_model_dir, [MISSING, PAPER])
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-4000:]
    assert "Traceback" not in output, output[-6000:]
    assert "{'source'" not in output and "'status': " not in output, output[-6000:]  # no dump of the rows
    table = [line for line in done.stdout.splitlines() if MISSING in line]
    assert any(f"failed: arXiv has no paper {MISSING}" in line for line in table), done.stdout
    assert any("written" in line for line in done.stdout.splitlines() if "1803.10963v2" in line), done.stdout
    # the flow's own error lines are still there, each one line
    assert f"PapersFailed: 1 of 2 papers failed: {MISSING}" in done.stderr, done.stderr[-4000:]
    assert f"PaperNotFoundError: arXiv has no paper {MISSING}" in done.stderr
    # task runs carry the paper's id
    assert f"Task run 'metadata {MISSING}'" in done.stderr and "Task run 'extract 1803.10963v2'" in done.stderr

    debug = _run(tmp_path, arxiv_server, tiny_model_dir, [MISSING], PAPERDRAFT_DEBUG="1")
    assert debug.returncode == 1, (debug.stdout + debug.stderr)[-4000:]
    assert "Traceback (most recent call last)" in debug.stderr
    assert "pipeline.errors.PaperNotFoundError" in debug.stderr
