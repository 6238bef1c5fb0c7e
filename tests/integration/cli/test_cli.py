"""The `switchboard` command line against a real database (the scriptable interface)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from switchboard.cli.main import app
from switchboard.config import Environment, Settings
from switchboard.storage.engine import Database, make_engine
from switchboard.web.app import create_app


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path), "SWITCHBOARD_DATABASE_URL": database_url}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_user_create_then_token_create_prints_a_working_token(
    env: dict[str, str], tmp_path: Path, database_url: str
) -> None:
    code, out, _ = run(
        env,
        "user",
        "create",
        "--email",
        "Lead@Example.test",
        "--name",
        "Lee Lead",
        "--role",
        "team_lead",
        "--password",
        "a long enough password",
    )
    assert code == 0, out
    assert "lead@example.test" in out
    code, out, _ = run(env, "token", "create", "--email", "lead@example.test")
    assert code == 0
    token = out.strip()
    assert out == token + "\n" and token.startswith("sbt_")  # the token alone on stdout
    code, out, _ = run(env, "user", "list")
    assert code == 0 and "lead@example.test\tLee Lead\tteam_lead\tactive" in out

    settings = Settings(
        environment=Environment.TEST, data_dir=tmp_path, database_url=database_url, migrate_on_start=False
    )
    database = Database(make_engine(database_url))
    try:
        with TestClient(create_app(settings, database=database, run_background=False)) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and me.json()["role"] == "team_lead"
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--name", "X", "--password", "long enough pw"], "not a valid email"),
        (["--email", "a@example.test", "--name", "X", "--password", "short"], "at least 10 characters"),
        (["--email", "a@example.test", "--name", "", "--password", "long enough pw"], "name must be"),
        (["--email", "a@example.test", "--name", "X", "--timezone", "Mars/Olympus"], "time zone"),
    ],
)
def test_user_create_refuses_bad_input_clearly(env: dict[str, str], args: list[str], message: str) -> None:
    code, _, err = run(env, "user", "create", *args)
    assert code == 1
    assert message in err


def test_bad_role_is_a_usage_error(env: dict[str, str]) -> None:
    code, _, err = run(env, "user", "create", "--email", "a@example.test", "--name", "X", "--role", "overlord")
    assert code == 2 and "overlord" in err


def test_duplicate_user_is_refused(env: dict[str, str]) -> None:
    args = ["user", "create", "--email", "dup@example.test", "--name", "Dup"]
    assert run(env, *args)[0] == 0
    code, _, err = run(env, *args)
    assert code == 1 and "already exists" in err


def test_token_for_unknown_user_fails_without_printing_a_token(env: dict[str, str]) -> None:
    code, out, err = run(env, "token", "create", "--email", "ghost@example.test")
    assert code == 1 and out == "" and "no user" in err


def test_db_upgrade_is_idempotent(env: dict[str, str]) -> None:
    assert run(env, "db", "upgrade")[0] == 0
    code, _, err = run(env, "db", "upgrade")
    assert code == 0 and "up to date" in err


def test_production_refuses_the_default_secret(env: dict[str, str]) -> None:
    code, _, err = run({**env, "SWITCHBOARD_ENVIRONMENT": "production"}, "user", "list")
    assert code == 2 and "SWITCHBOARD_SECRET_KEY" in err


def test_missing_config_file_is_reported(env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run({**env, "SWITCHBOARD_CONFIG_FILE": str(tmp_path / "nope.toml")}, "user", "list")
    assert code == 2 and "does not exist" in err
