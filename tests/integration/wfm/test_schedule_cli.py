"""`switchboard wfm schedule --problem … --save … --publish`: from a file to agents' schedules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.cli.main import app
from switchboard.storage.engine import Database
from switchboard.wfm import queries
from switchboard.wfm.adherence import ScheduledActivity
from tests.factories import Factory
from tests.unit.wfm.test_schedule_file import problem


def test_schedule_is_solved_saved_and_published(
    tmp_path: Path, database_url: str, database: Database, make: Factory
) -> None:
    agent = make.user(Role.AGENT, email="amara@example.test")
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem()), encoding="utf-8")
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path), "SWITCHBOARD_DATABASE_URL": database_url}
    result = CliRunner().invoke(
        app,
        ["wfm", "schedule", "--problem", str(path), "--time-limit", "10", "--save", "Monday", "--publish"],
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    assert "status optimal" in result.stdout and "(published)" in result.stdout
    day = datetime(2026, 11, 23, tzinfo=UTC)
    with database.read() as session:
        (shift,) = queries.my_shifts(
            session, actor=Actor(user_id=agent.id, role=Role.AGENT), starts_at=day, ends_at=day + timedelta(days=1)
        )
        assert shift.starts_at == day + timedelta(hours=8)
        assert [activity.activity for activity in shift.activities] == [ScheduledActivity.LUNCH]  # unpaid


def test_schedule_refuses_unknown_agents_and_bad_options(tmp_path: Path, database_url: str) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem()), encoding="utf-8")
    env = {"SWITCHBOARD_DATA_DIR": str(tmp_path), "SWITCHBOARD_DATABASE_URL": database_url}
    unknown = CliRunner().invoke(
        app, ["wfm", "schedule", "--problem", str(path), "--time-limit", "10", "--save", "x"], env=env
    )
    assert unknown.exit_code == 1
    assert "no active staff member for agent amara@example.test" in unknown.stderr.replace("\n", " ")
    for args in (["--publish"], ["--example", "5"], ["--gap", "2"], []):
        options = ["--problem", str(path), *args] if args != [] else []
        refused = CliRunner().invoke(app, ["wfm", "schedule", *options], env=env)
        assert refused.exit_code == 2, (args, refused.stderr)
