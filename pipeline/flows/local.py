"""Prefect kept on this machine: no analytics, and a local server for ``serve``.

Nothing here imports Prefect at module level: the CLI calls :func:`keep_prefect_local` before
anything imports it, because Prefect reads its settings once, at import.

* :data:`PRIVATE_ENV`: the settings that keep Prefect from calling home. Prefect's server sends a
  telemetry heartbeat to ``sens-o-matic.prefect.io`` unless ``PREFECT_SERVER_ANALYTICS_ENABLED`` is
  false (``prefect/server/services/telemetry.py``); Prefect's SDK sends usage events to Amplitude
  unless ``DO_NOT_TRACK`` is set or that server setting is off (``prefect/_internal/analytics``); the
  UI shows promotional content unless ``PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT`` is false.
  Prefect's temporary server (``paperdraft run`` without a configured server) is a subprocess that
  inherits this process's environment, so the same settings reach it.
* :class:`LocalServer`: ``prefect server start`` on 127.0.0.1 for as long as ``paperdraft serve``
  runs, with analytics off and its database under paperdraft's home; stopped on exit, Ctrl-C or
  SIGTERM, and (on Linux) when the serving process dies.
(One-line console logs: :mod:`pipeline.flows.console_logs`.)
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

import platformdirs

from pipeline.config import APP
from pipeline.errors import PaperdraftError

PRIVATE_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # the server's telemetry heartbeat
    "DO_NOT_TRACK": "1",  # the SDK's usage events (Prefect 3.9 reads it at import and before each event)
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",  # the UI's upgrade prompts and banners
}

HOST = "127.0.0.1"
PREFERRED_PORT = 4200  # Prefect's own default: the UI's address stays the same from one serve to the next
STARTUP_SECONDS = 180.0  # a first start migrates a new database: tens of seconds on a slow machine


def keep_prefect_local() -> None:
    """Set :data:`PRIVATE_ENV` in this process's environment (and so in every process it starts).

    Call it before anything imports Prefect. The values are forced, not defaults: paperdraft promises that
    nothing leaves the machine but the requests the user asked for.
    """
    os.environ.update(PRIVATE_ENV)


# --------------------------------------------------------------------------- one-line console logs


# --------------------------------------------------------------------------- the local server


def server_home() -> Path:
    """Where the local server keeps its database: ``$PAPERDRAFT_HOME/prefect-server``, or the user data folder."""
    home = os.environ.get("PAPERDRAFT_HOME")
    return (Path(home) if home else Path(platformdirs.user_data_dir(APP))) / "prefect-server"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int = PREFERRED_PORT) -> int:
    if preferred and _port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether ``url`` answers 200; straight to the address, never through a proxy (it is this machine)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    if _PRCTL is not None:
        _PRCTL(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: a serve killed -9 takes its server with it


def _prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


class LocalServer:
    """``prefect server start`` on 127.0.0.1 for the life of a ``with`` block, with analytics off.

    Its database lives in ``home`` (kept between runs, so the UI shows earlier runs). When another
    serve holds that folder, this one takes a temporary folder instead. The server runs in a session of
    its own, so a Ctrl-C in the terminal reaches serve first, which pauses its schedule on the server
    and then stops it.
    """

    def __init__(self, home: Path, port: int | None = None, startup_seconds: float = STARTUP_SECONDS):
        self.home = Path(home)
        self.requested_port = port
        self.port = 0
        self.startup_seconds = startup_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.note: str | None = None  # why the home is a temporary folder
        self._lock: IO[str] | None = None
        self._temp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    @property
    def ui_url(self) -> str:
        return self.url

    def _take_home(self) -> None:
        import fcntl

        self.home.mkdir(parents=True, exist_ok=True)
        lock = open(self.home / "server.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            self._temp = tempfile.TemporaryDirectory(prefix="paperdraft-prefect-server-")
            self.note = f"{self.home} is in use by another paperdraft serve; this one keeps no history"
            self.home = Path(self._temp.name)
            return
        self._lock = lock

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_PROFILE")}
        env.update(PRIVATE_ENV)
        env.update({
            "PREFECT_HOME": str(self.home),
            "PREFECT_SERVER_API_HOST": HOST,
            "PREFECT_SERVER_API_PORT": str(self.port),
        })
        env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # its own SQLite file, in its home
        return env

    def start(self) -> LocalServer:
        self._take_home()
        self.port = self.requested_port or pick_port()
        self.log_path = self.home / "server.log"
        log = open(self.log_path, "ab")
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(self.port),
                   "--analytics-off"]
        try:
            self.process = subprocess.Popen(command, env=self.environment(), stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_die_with_parent if _PRCTL is not None else None)
        finally:
            log.close()
        atexit.register(self.stop)
        self._wait_healthy()
        return self

    def _log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""
        tail = [l.strip() for l in text.splitlines() if l.strip()][-lines:]
        return " / ".join(tail)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                code = self.process.returncode
                self.stop()
                raise PaperdraftError(
                    f"the local Prefect server stopped at its start (exit {code}): {self._log_tail()}",
                    hint=f"its log: {self.log_path}; or start one yourself (prefect server start) and set "
                         f"PREFECT_API_URL=http://127.0.0.1:4200/api",
                )
            if answers(f"{self.api_url}/health"):
                return
            time.sleep(0.5)
        self.stop()
        raise PaperdraftError(
            f"the local Prefect server on port {self.port} did not answer within {self.startup_seconds:.0f} s",
            hint=f"its log: {self.log_path}; or start one yourself (prefect server start) and set "
                 f"PREFECT_API_URL=http://127.0.0.1:4200/api",
        )

    def stop(self) -> None:
        """Stop the server (SIGTERM to its session, SIGKILL after 30 s); safe to call twice."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=30)
        elif process is not None:
            process.wait()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextmanager
    def configured(self) -> Iterator[None]:
        """This process (and the flow runs it starts) talk to this server."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        before = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = self.api_url  # the flow-run processes the runner starts read it
        try:
            with temporary_settings(updates={PREFECT_API_URL: self.api_url}):  # this process read its settings
                yield
        finally:
            if before is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = before


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end this process by SystemExit (so ``finally`` blocks run) until Prefect's runner
    installs its own graceful handler; the previous handlers come back after."""

    def _exit(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    signals = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {s: signal.signal(s, _exit) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
