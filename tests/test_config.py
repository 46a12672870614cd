from pathlib import Path

import pytest

from pipeline.config import DEFAULT_MODEL, config_path, load_settings
from pipeline.errors import ConfigError


def test_defaults_use_the_home_folder(isolated_home: Path):
    settings = load_settings()
    assert settings.model == DEFAULT_MODEL
    assert settings.cache == isolated_home / "cache"
    assert config_path() == isolated_home / "config.toml"


def test_file_then_environment_then_flags(isolated_home: Path, monkeypatch: pytest.MonkeyPatch):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text('model = "from-file"\nbatch_size = 4\ndrafts_dir = "~/blog/drafts"\n')
    settings = load_settings()
    assert (settings.model, settings.batch_size) == ("from-file", 4)
    assert settings.drafts_dir == Path.home() / "blog" / "drafts"

    monkeypatch.setenv("PAPERDRAFT_MODEL", "from-env")
    assert load_settings().model == "from-env"
    assert load_settings(model="from-flag").model == "from-flag"
    assert load_settings(model=None).model == "from-env"  # a flag not given does not override


@pytest.mark.parametrize(
    "content, fragment",
    [("model = [", "not valid TOML"), ("colour = 'red'", "unknown setting 'colour'"), ("batch_size = 'many'", "batch_size")],
)
def test_bad_config_file_is_a_clear_error(isolated_home: Path, content: str, fragment: str):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text(content)
    with pytest.raises(ConfigError, match=fragment) as info:
        load_settings()
    assert str(isolated_home / "config.toml") in str(info.value)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PAPERDRAFT_BATCH_SIZE", "eight")
    with pytest.raises(ConfigError, match="PAPERDRAFT_BATCH_SIZE"):
        load_settings()


@pytest.mark.parametrize("content, fragment", [
    ("critique_min_words = 8.9", "'critique_min_words' must be a whole number, got 8.9"),
    ("critique_min_words = true", "'critique_min_words' must be a whole number, got True"),
    ("critique_min_words = -5", "'critique_min_words' must be at least 0, got -5"),
    ("batch_size = 0", "'batch_size' must be at least 1"),
    ("arxiv_timeout_seconds = 0", "'arxiv_timeout_seconds' must be more than 0"),
    ("arxiv_delay_seconds = -1.5", "'arxiv_delay_seconds' must be at least 0"),
    ('drafts_dir = ["a", "b"]', "'drafts_dir' must be text, got ['a', 'b']"),
    ('drafts_dir = ""', "'drafts_dir' must name a folder"),
    ('model = ""', "'model' must not be empty"),
    ('device = "tpu"', "'device' must be auto, cpu, cuda, cuda:N or mps, got 'tpu'"),
])
def test_a_value_of_the_wrong_kind_or_range_is_refused_with_the_key_and_the_reason(
        isolated_home: Path, content: str, fragment: str):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text(content + "\n")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert fragment in info.value.message and str(isolated_home / "config.toml") in info.value.message


def test_whole_numbers_written_as_floats_or_text_are_taken(isolated_home: Path, monkeypatch: pytest.MonkeyPatch):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("critique_min_words = 40.0\ndevice = 'cuda:1'\n")
    monkeypatch.setenv("PAPERDRAFT_BATCH_SIZE", " 4 ")
    settings = load_settings()
    assert (settings.critique_min_words, settings.batch_size, settings.device) == (40, 4, "cuda:1")
    assert isinstance(settings.critique_min_words, int)


def test_a_bad_device_in_the_environment_is_one_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PAPERDRAFT_DEVICE", "tpu")
    with pytest.raises(ConfigError, match="PAPERDRAFT_DEVICE: 'device' must be auto, cpu"):
        load_settings()


def test_a_config_file_that_is_a_folder_is_one_clear_error(isolated_home: Path):
    (isolated_home / "config.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="cannot read the config file") as info:
        load_settings()
    assert str(isolated_home / "config.toml") in info.value.message
