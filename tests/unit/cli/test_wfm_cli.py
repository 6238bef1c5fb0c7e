"""`switchboard wfm staff` and `wfm simulate`: the scripted interface and its errors (no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from switchboard.cli import wfm as wfm_cli
from switchboard.cli.main import app
from switchboard.cli.wfm import UsageProblem, parse_fraction, parse_service_level


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["wfm", *args])
    return result.exit_code, result.stdout, result.stderr


def test_staff_json_has_the_documented_fields() -> None:
    code, out, _ = run(
        "staff",
        "--volume",
        "100",
        "--interval-minutes",
        "30",
        "--aht",
        "180",
        "--service-level",
        "80/20",
        "--shrinkage",
        "0.3",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["agents"] == 14
    assert payload["scheduled_agents"] == 20  # ceil(14 / 0.7)
    assert {"service_level", "asa_seconds", "occupancy"} <= payload.keys()
    assert "abandon_rate" not in payload  # no patience, no abandonment model


def test_staff_with_patience_reports_abandonment_and_warns() -> None:
    code, out, _ = run(
        "staff", "--volume", "100", "--aht", "180", "--service-level", "80/20", "--patience", "60", "--json"
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["model"] == "erlang_a"
    assert 0 < payload["abandon_rate"] < 1
    assert payload["warnings"]


def test_shrinkage_rounding_has_no_floating_point_extra_head() -> None:
    # pyworkforce's rounding gives 31 for 21 agents at 30 % shrinkage; 21 / 0.7 is exactly 30.
    # 20.99 Erlangs with a lax ASA target (about 180,000 s at 21 agents) needs exactly 21 agents.
    for shrinkage in ("0.3", "30"):
        code, out, _ = run(
            "staff", "--volume", "125.99", "--aht", "300", "--asa", "1000000", "--shrinkage", shrinkage, "--json"
        )
        assert code == 0
        payload = json.loads(out)
        assert (payload["agents"], payload["scheduled_agents"]) == (21, 30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--volume", "-5", "--aht", "180", "--service-level", "80/20"], "volume"),
        (["--volume", "100", "--aht", "0", "--service-level", "80/20"], "handle time"),
        (["--volume", "100", "--aht", "180", "--service-level", "120/20"], "100%"),
        (["--volume", "100", "--aht", "180", "--service-level", "eighty"], "PERCENT/SECONDS"),
        (["--volume", "100", "--aht", "180"], "at least one target"),
        (["--volume", "100", "--aht", "180", "--max-abandon", "0.05"], "--patience"),
        (["--volume", "100", "--aht", "180", "--service-level", "80/20", "--shrinkage", "1"], "below 100%"),
        (["--volume", "nan", "--aht", "180", "--service-level", "80/20"], "volume"),
    ],
)
def test_impossible_inputs_get_clear_errors(args: list[str], message: str) -> None:
    code, out, err = run("staff", *args)
    assert code == 2
    assert message in err.replace("\n", " ")
    assert out == ""


def test_parsers() -> None:
    assert parse_service_level("80/20") == (0.8, 20.0)
    assert parse_service_level(" 90% / 15s ") == (0.9, 15.0)
    assert parse_fraction("x", 85) == 0.85
    assert parse_fraction("x", 0.85) == 0.85
    for bad in ("0/20", "101/20", "80", "80/-1"):
        with pytest.raises(UsageProblem):
            parse_service_level(bad)


def test_simulate_prints_both_and_names_the_broken_assumptions() -> None:
    code, out, _ = run(
        "simulate",
        "--volume",
        "100",
        "--aht",
        "180",
        "--agents",
        "14",
        "--handle-time",
        "lognormal",
        "--handle-cv",
        "2",
        "--replications",
        "5",
        "--intervals",
        "4",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["model"] == "erlang_c"
    assert not payload["assumptions_hold"]
    assert any("lognormal" in departure for departure in payload["departures"])
    names = {row["metric"] for row in payload["metrics"]}
    assert {"asa_seconds", "occupancy", "abandon_rate"} <= names


@pytest.mark.parametrize(
    "args",
    [
        ["--replications", "1"],
        ["--intervals", "0"],
        ["--aht", "0"],
        ["--ramp", "3"],
        ["--agents", "-1"],
    ],
)
def test_simulate_refuses_bad_plans(args: list[str]) -> None:
    base = {"--volume": "100", "--aht": "180", "--agents": "14", "--replications": "3", "--intervals": "2"}
    base.update(zip(args[::2], args[1::2], strict=True))
    code, _, err = run("simulate", *[part for pair in base.items() for part in pair])
    assert code == 2, err
    assert "error" in err


def history_csv(path: Path, *, weeks: int = 4) -> Path:
    """Open 08:00–18:00 on weekdays, a steady daily shape: easy to forecast, quick to backtest."""
    start = datetime(2026, 1, 5, tzinfo=UTC)
    lines = ["interval_start,volume"]
    for index in range(weeks * 7 * 48):
        moment = start + timedelta(minutes=30 * index)
        if moment.weekday() < 5 and 8 <= moment.hour < 18:
            lines.append(f"{moment:%Y-%m-%dT%H:%M:%SZ},{10 + moment.hour % 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_forecast_reads_history_and_writes_the_following_horizon(tmp_path: Path) -> None:
    output = tmp_path / "forecast.csv"
    result = CliRunner().invoke(
        app,
        [
            "wfm",
            "forecast",
            "--input",
            str(history_csv(tmp_path / "h.csv")),
            "--interval-minutes",
            "30",
            "--horizon-days",
            "7",
            "--output",
            str(output),
            "--backtest",
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = output.read_text().splitlines()
    assert rows[0] == "interval_start,volume"
    assert rows[1].startswith("2026-02-02T08:00:00")  # the Monday after four weeks of history
    assert len(rows) - 1 == 5 * 20  # closed nights and weekends are not written
    assert "chosen" in result.stderr


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"when,how many\n", [], "header"),
        (b"interval_start,volume\n2026-01-05T08:00:00Z,-3\n", [], "line 2"),
        (b"\xff\xfe\x00garbage", [], "UTF-8"),
        (None, [], "cannot read"),
        (b"interval_start,volume\n", ["--timezone", "Mars/Olympus"], "time zone"),
        (b"interval_start,volume\n", ["--holiday", "Christmas"], "holiday"),
        (b"interval_start,volume\n", ["--horizon-days", "0"], "horizon"),
    ],
)
def test_forecast_refuses_bad_input_clearly(
    tmp_path: Path, content: bytes | None, extra: list[str], message: str
) -> None:
    path = tmp_path / "history.csv"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run("forecast", "--input", str(path), *extra)
    assert code == 2
    assert message in err.replace("\n", " ")
    assert out == ""


def test_forecast_refuses_an_oversized_file_before_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wfm_cli, "MAX_INPUT_BYTES", 10)
    code, _, err = run("forecast", "--input", str(history_csv(tmp_path / "h.csv")))
    assert code == 2
    assert "limit" in err
