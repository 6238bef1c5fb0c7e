from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from switchboard.config import DEFAULT_SECRET_KEY, Environment, Settings, load_settings


def test_defaults_are_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/switchboard.sqlite3"
    assert settings.is_sqlite and settings.port == 8000


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHBOARD_PORT", "9123")
    monkeypatch.setenv("SWITCHBOARD_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/db")
    settings = load_settings()
    assert settings.port == 9123 and not settings.is_sqlite


def test_toml_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "switchboard.toml"
    config.write_text('port = 8100\nlog_level = "debug"\n')
    monkeypatch.setenv("SWITCHBOARD_CONFIG_FILE", str(config))
    assert load_settings().port == 8100
    monkeypatch.setenv("SWITCHBOARD_PORT", "8200")
    settings = load_settings()
    assert settings.port == 8200 and settings.log_level == "debug"


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, "short"])
def test_production_refuses_weak_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="SWITCHBOARD_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION, secret_key=SecretStr(secret))


def test_production_forces_secure_cookies() -> None:
    settings = Settings(environment=Environment.PRODUCTION, secret_key=SecretStr("x" * 40))
    assert settings.secure_cookies


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("SWITCHBOARD_PORT", port)
    with pytest.raises(ValidationError):
        load_settings()
