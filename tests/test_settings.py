"""The build date: one `settings.today()`, pinned by SOURCE_DATE_EPOCH, fixed for every test."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXED_TODAY
from pages_fixtures import BASE_ENTRY, make_entry, make_settings, visible_text

from build_tools import settings as settings_module
from build_tools.entries.validate import Validator
from build_tools.site import pages

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "build_tools.cli", "--config", str(ROOT / "mkdocs.yml")]


def test_every_test_runs_on_the_fixed_day() -> None:
    assert settings_module.today() == FIXED_TODAY
    assert os.environ["SOURCE_DATE_EPOCH"]  # inherited by every build a test starts


def test_today_reads_source_date_epoch_and_falls_back_to_the_calendar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert settings_module.today() == dt.date(1970, 1, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert settings_module.today() == dt.date.today()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert settings_module.today() == dt.date.today()


def _stale_notice(reviewed: dt.date) -> bool:
    entry = make_entry(last_reviewed=reviewed)
    outputs = {o.path: o for o in pages.generate([entry], make_settings(), {})}
    text = visible_text(outputs["activities/mote-park-health-walk.md"].html or "")
    return "has not been checked for over a year" in text


def test_a_listing_reviewed_in_the_fixtures_is_never_stale_whatever_the_real_date() -> None:
    assert BASE_ENTRY["last_reviewed"] == dt.date(2026, 10, 1)
    assert not _stale_notice(dt.date(2026, 10, 1))  # stale by the calendar from 2027-10-02
    # The same page does warn once the fixed day is over a year later: the check is live.
    assert _stale_notice(FIXED_TODAY - dt.timedelta(days=366))
    assert not _stale_notice(FIXED_TODAY - dt.timedelta(days=365))


def test_the_validator_uses_the_fixed_day() -> None:
    validator = Validator(make_settings())
    assert validator.today == FIXED_TODAY
    future = make_entry(last_reviewed=FIXED_TODAY + dt.timedelta(days=1))
    assert [p.code for p in validator.semantic_problems(future)] == ["future"]


def test_commands_in_subprocesses_run_on_the_fixed_day_too(tmp_path: Path) -> None:
    """The real date is after the fixed day: a review dated the day after it is "in the
    future" only if the command ran on the fixed day, and one 360 days before it is stale
    by any date from 2026-11-25 on, but not on the fixed day."""
    assert dt.date.today() > FIXED_TODAY
    for name, reviewed in (
        ("future-review", FIXED_TODAY + dt.timedelta(days=1)),
        ("recent-review", FIXED_TODAY - dt.timedelta(days=360)),
    ):
        data = {**BASE_ENTRY, "id": name, "name": name, "last_reviewed": reviewed}
        (tmp_path / f"{name}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    result = subprocess.run(
        [*CLI, "validate", "--strict", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    lines = result.stdout.splitlines()
    future = [line for line in lines if line.startswith("future-review.yml:")]
    recent = [line for line in lines if line.startswith("recent-review.yml:")]
    assert len(future) == 1 and "in the future" in future[0], result.stdout
    assert not [line for line in recent if "last_reviewed" in line], result.stdout
    assert result.returncode == 1  # the one error; no stale warning, which --strict would fail
