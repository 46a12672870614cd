"""Bad input and faults, round two (docs/reliability.md): the installed CLI with unusable folders, devices,
models and editors, and signals. Each test injects the fault for real: real processes, signals, files and
permissions (as an unprivileged user where root would hide them)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import core
from pipeline.config import load_settings
from pipeline.errors import ConfigError, ModelError
from pipeline.interrupts import Interrupted
from pipeline.summarize.model import TransformersBackend, resolve

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "pipeline" / "samples" / "sample-paper.md"


def cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 120,
        user: str | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=full, cwd=cwd or ROOT, user=user)


def one_line_error(result: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    progress = f"{SAMPLE}: "  # plain progress lines, on a stderr that is no terminal
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(progress)]
    assert lines and lines[0].startswith("error:") and len(lines) <= 2, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return lines[0]


# --------------------------------------------------------------------------- unusable drafts folders


@pytest.mark.parametrize("kind", ["file", "dangling link"])
def test_a_drafts_dir_that_is_no_folder_is_one_line_before_any_model_work(kind: str, tmp_path: Path):
    target = tmp_path / "drafts"
    if kind == "file":
        target.write_text("not a folder")
    else:
        target.symlink_to(tmp_path / "gone")
    # the model is a folder that does not exist: had the run got as far as the model, that would be the error
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(target), "--model", str(tmp_path / "no-model"))
    line = one_line_error(result, 2, str(target))
    assert ("not a folder" if kind == "file" else "does not exist") in line
    assert "no-model" not in result.stderr




def test_a_drafts_dir_under_an_unwritable_parent_is_one_line(read_only_dir: Path):
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(read_only_dir / "drafts"))
    one_line_error(result, 2, f"cannot create the drafts folder {read_only_dir / 'drafts'}")
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(read_only_dir))
    one_line_error(result, 2, f"cannot write to the drafts folder {read_only_dir}")


def test_the_drafts_dir_check_accepts_a_folder_and_makes_a_missing_one(tmp_path: Path):
    core.check_drafts_dir(tmp_path / "new" / "drafts")
    assert (tmp_path / "new" / "drafts").is_dir()
    with pytest.raises(ConfigError, match="is not a folder"):
        (tmp_path / "f").write_text("x")
        core.check_drafts_dir(tmp_path / "f")


# --------------------------------------------------------------------------- devices


def test_an_unknown_device_is_one_line_at_start_up(tmp_path: Path):
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(tmp_path / "d"), env={"PAPERDRAFT_DEVICE": "tpu"})
    one_line_error(result, 2, "PAPERDRAFT_DEVICE", "'device' must be auto, cpu, cuda, cuda:N or mps, got 'tpu'")
    assert not (tmp_path / "d").exists()


def test_a_device_this_machine_lacks_is_one_line_at_start_up(tmp_path: Path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    started = time.monotonic()
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(tmp_path / "d"), env={"PAPERDRAFT_DEVICE": "cuda"})
    one_line_error(result, 2, "device 'cuda' is not available")
    assert time.monotonic() - started < 60  # no extraction, no model load
    assert not list(tmp_path.glob("d/*.md"))


# --------------------------------------------------------------------------- models


def test_a_hub_model_missing_from_the_cache_offline_fails_at_once(tmp_path: Path):
    started = time.monotonic()
    with pytest.raises(ModelError) as info:
        resolve("paperdraft-tests/not-in-the-cache", tmp_path)  # conftest sets HF_HUB_OFFLINE=1
    assert time.monotonic() - started < 5
    assert "not in the Hugging Face cache" in info.value.message and "HF_HUB_OFFLINE" in info.value.message


def test_a_hub_model_with_the_hub_unreachable_fails_fast_with_a_hint(tmp_path: Path):
    """Online mode, but the Hub's address refuses connections (a closed port on 127.0.0.1)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections to it are refused
    env = {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HOME": str(tmp_path / "hf")}
    started = time.monotonic()
    result = cli("draft", str(SAMPLE), "--drafts-dir", str(tmp_path / "d"), "--model", "paperdraft-tests/x", env=env)
    one_line_error(result, 1, "not in the Hugging Face cache, and the Hub cannot be reached", "HF_HUB_OFFLINE=1")
    assert time.monotonic() - started < 60 and "Retrying" not in result.stderr


def test_an_empty_folder_is_not_a_model_folder(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="is not a model folder: it has no config.json"):
        TransformersBackend(str(tmp_path / "empty"), "cpu")


def test_a_relative_model_folder_that_does_not_exist_is_named_as_a_folder(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for model in ("./my-model", "models/finetunes/v2"):
        with pytest.raises(ModelError, match="no such directory"):
            resolve(model, tmp_path)


@pytest.mark.slow
def test_ctrl_c_during_the_first_model_conversion_leaves_no_half_converted_model(tmp_path: Path, monkeypatch):
    """A real KeyboardInterrupt raised from inside save_pretrained, half way through writing the copy."""
    from transformers import PreTrainedModel

    from pipeline.config import DEFAULT_MODEL
    from pipeline.summarize.model import embedded_gguf

    if embedded_gguf() is None:
        pytest.skip("the embedded default model is not installed")
    real = PreTrainedModel.save_pretrained

    def interrupted(self, folder, *args, **kwargs):
        real(self, folder, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(PreTrainedModel, "save_pretrained", interrupted)
    models = tmp_path / "models"
    models.mkdir()
    stale = models / ".converting-stale"
    stale.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))  # left by a run killed two hours ago
    with pytest.raises(KeyboardInterrupt):
        resolve(DEFAULT_MODEL, tmp_path)
    assert list(models.iterdir()) == []  # neither the stale copy nor the half-written one is left


# --------------------------------------------------------------------------- editors


def test_an_editor_setting_that_cannot_run_is_named_before_another_editor_opens(tmp_path: Path):
    from pipeline.draftfile.render import compose

    fake = tmp_path / "bin"
    fake.mkdir()
    nano = fake / "nano"
    nano.write_text("#!/bin/sh\nexit 0\n")
    nano.chmod(0o755)
    draft = tmp_path / "d.md"
    draft.write_text(compose({"title": "T", "status": "draft"}, "# T\n\n## My critique\n\nTODO(author): write\n"))
    for editor, why in (("code --wait", "is not an executable on PATH"), ('vim "unclosed', "cannot be parsed (No closing quotation)")):
        env = {"PATH": str(fake), "EDITOR": editor, "VISUAL": ""}  # nano is the only editor on PATH
        result = cli("review", str(draft), env=env)
        assert f"warning: $EDITOR={editor!r} {why}; opening nano instead" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- signals


def test_a_signal_during_the_write_takes_effect_after_it_and_the_draft_is_reported(
        tiny_model_dir: Path, tmp_path: Path, monkeypatch):
    """SIGINT delivered by the kernel in the middle of writing the draft: the write finishes, then the run stops."""
    from pipeline.draftfile import store

    real = store.write_draft

    def write_with_a_signal_half_way(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # the handler runs now; deferred, it only takes note
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "write_draft", write_with_a_signal_half_way)
    settings = load_settings(model=str(tiny_model_dir), drafts_dir=tmp_path / "drafts")
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run in a background job, as CI's may
    with pytest.raises(Interrupted) as info:
        core.draft_one(str(SAMPLE), settings)
    assert info.value.signum == signal.SIGINT and info.value.exit_code == 130
    assert info.value.result.status == "written" and Path(info.value.result.path).is_file()
    assert signal.getsignal(signal.SIGINT) is before  # the handler it found is back


def _as_at_a_terminal() -> None:
    """A background job (CI, nohup, ``&``) starts with SIGINT ignored; a user at a terminal has it: restore it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_a_draft_says_interrupted_and_restores_the_cursor(
        signum: int, code: int, tiny_model_dir: Path, tmp_path: Path):
    """The CLI on a real terminal (a pty), signalled while its progress bars run."""
    main, child = pty.openpty()
    env = {**os.environ, "PAPERDRAFT_MODEL": str(tiny_model_dir), "PAPERDRAFT_NOTE_TOKENS": "200",
           "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "draft", str(SAMPLE), "--drafts-dir",
                                str(tmp_path / "drafts")], stdin=child, stdout=child, stderr=child, env=env,
                               cwd=ROOT, preexec_fn=_as_at_a_terminal)
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 120
    try:
        while b"\x1b[?25l" not in seen and time.monotonic() < deadline:  # the bars are up: the cursor is hidden
            if select.select([main], [], [], 0.5)[0]:
                seen += os.read(main, 65536)
        assert b"\x1b[?25l" in seen, seen[-500:]
        process.send_signal(signum)
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.2)[0]:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
        process.wait(timeout=30)
        try:
            while select.select([main], [], [], 0.2)[0]:
                seen += os.read(main, 65536)
        except OSError:
            pass
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == code, text[-800:]
    assert "interrupted" in text and "Traceback" not in text
    assert seen.rfind(b"\x1b[?25h") > seen.rfind(b"\x1b[?25l")  # the cursor is shown again at the end
