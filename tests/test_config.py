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
