from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.cli import main
from build_tools.console import github_annotation
from build_tools.entries.loader import field_name
from build_tools.entries.model import Problem
from build_tools.entries.placeholders import PLACEHOLDERS

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "entries"
CONFIG = ["--config", str(ROOT / "mkdocs.yml")]


def run(
    *args: str, cwd: Path = CORPUS, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "build_tools.cli", *CONFIG, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_validate_exits_0_on_the_samples() -> None:
    result = run("validate", cwd=ROOT)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("0 errors")


def test_validate_exits_1_with_every_problem_of_every_file() -> None:
    result = run(
        "validate", "--today", "2026-11-22", "bad/unquoted-time.yml", "bad/bad-phone.yml", "good"
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    # sorted by file and line; the two bad files also share a name and postcode (a warning)
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        "bad/bad-phone.yml:2:7",
        "bad/bad-phone.yml:14:10",
        "bad/unquoted-time.yml:2:7",
        "bad/unquoted-time.yml:25:12",
    ]
    assert lines[1].startswith("bad/bad-phone.yml:14:10: contact.phone: `01622 00` is not")
    assert lines[3].startswith("bad/unquoted-time.yml:25:12: schedule[0].start: write times in")
    assert lines[-1] == "2 errors, 2 warnings in 6 files"


def test_warnings_fail_only_with_strict() -> None:
    assert run("validate", "--today", "2026-11-22", "bad/stale-review.yml").returncode == 0
    assert (
        run("validate", "--today", "2026-11-22", "--strict", "bad/stale-review.yml").returncode == 1
    )


def test_json_output_for_machines() -> None:
    result = run("validate", "--format", "json", "--today", "2026-11-22", "bad/misspelt-cost.yml")
    report = json.loads(result.stdout)
    assert report["problems"] == [
        {
            "path": "bad/misspelt-cost.yml",
            "line": 28,
            "column": 7,
            "field": "cost",
            "message": "`fre` is not allowed here: did you mean `free`?",
            "severity": "error",
            "code": "schema-enum",
        }
    ]


def test_usage_errors_exit_2() -> None:
    assert run("validate", "--format", "xml").returncode == 2
    assert run("no-such-command").returncode == 2


def test_github_annotations_cannot_inject_commands() -> None:
    problem = Problem("a,b.yml", 3, 4, "name", "bad\n::error file=x::owned %0A", "error")
    line = github_annotation(problem)
    assert line == (
        "::error file=a%2Cb.yml,line=3,col=4,title=name::bad\\n::error file=x::owned %250A"
    )
    assert "\n" not in line
    result = run(
        "validate", "--today", "2026-11-22", "bad/mobile-number.yml", env={"GITHUB_ACTIONS": "true"}
    )
    assert "::warning file=bad/mobile-number.yml,line=14,col=10,title=contact.phone::" in (
        result.stdout
    )


FILLED_IN = {
    "Replace with the activity's name": "Sheppey Walkers",
    "Replace this with one sentence about what happens and who it is for.": (
        "A friendly weekly walk along the seafront, for every pace."
    ),
    "Replace this with what happens, who it suits, what to bring and how to join.": (
        "Meet at the clock tower."
    ),
    "replace-with-a-category": "physical-activity",
    "Replace with the organisation's name": "Sheppey Walking Club",
    "https://your-organisation.example": "https://walks.example.org",
    "01632 960000": "01795 417000",
    "your.name@your-organisation.example": "walks@example.org",
    "Replace with the venue's name": "The Clock Tower",
    "Replace with the street address": "High Street",
    "XX1 1XX": "ME12 1NL",
    'start: "HH:MM"': 'start: "10:00"',
    'end: "HH:MM"': 'end: "11:30"',
}


def test_new_template_is_refused_until_every_example_is_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Untouched, the file fails with one message per example value, each naming its field;
    filled in, it passes: no placeholder from `new` can reach the site."""
    target = tmp_path / "entries" / "swale" / "sheppey-walkers.yml"
    assert (
        main([*CONFIG, "new", "sheppey-walkers", "--area", "swale", "--output", str(target)]) == 0
    )
    text = target.read_text("utf-8")
    assert "id: sheppey-walkers" in text and "areas: [swale]" in text and "# " in text
    assert "town: Sittingbourne" in text
    capsys.readouterr()
    assert main([*CONFIG, "validate", str(target)]) == 1
    lines = capsys.readouterr().out.splitlines()
    fields = [line.split(": ")[1] for line in lines[:-1]]
    assert fields == [field_name(p.path) for p in PLACEHOLDERS if p.path != ("location", "town")]
    assert all("is still the template's example: replace it with " in line for line in lines[:-1])
    assert lines[-1] == "13 errors, 0 warnings in 1 file"
    for example, real in FILLED_IN.items():
        assert example in text, example
        text = text.replace(example, real)
    target.write_text(text, "utf-8")
    assert main([*CONFIG, "validate", str(target)]) == 0, capsys.readouterr().out


def test_new_for_the_whole_region_asks_for_the_town(tmp_path: Path) -> None:
    target = tmp_path / "region-wide-line.yml"
    assert main([*CONFIG, "new", "region-wide-line", "--area", "all", "--output", str(target)]) == 0
    assert "town: Replace with the town" in target.read_text("utf-8")


def test_new_never_overwrites_and_refuses_bad_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "entries" / "swale" / "sheppey-walkers.yml"
    assert (
        main([*CONFIG, "new", "sheppey-walkers", "--area", "swale", "--output", str(target)]) == 0
    )
    text = target.read_text("utf-8")
    target.write_text(text + "# edited\n", "utf-8")
    assert (
        main([*CONFIG, "new", "sheppey-walkers", "--area", "swale", "--output", str(target)]) == 2
    )
    assert target.read_text("utf-8").endswith("# edited\n")
    assert main([*CONFIG, "new", "Bad Id", "--area", "swale"]) == 2
    assert main([*CONFIG, "new", "good-id", "--area", "atlantis"]) == 2
    assert "not an area" in capsys.readouterr().err


def test_help_for_each_command() -> None:
    for command in ("validate", "new", "geocode", "bench"):
        result = run(command, "--help")
        assert result.returncode == 0 and "usage: community-map " + command in result.stdout
