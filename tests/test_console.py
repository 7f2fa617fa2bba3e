"""Provider text never reaches a terminal or a GitHub Actions log as a command or a control.

Every command in `COMMANDS` runs, as CI would run it, under `GITHUB_ACTIONS=true` on the
hostile entries of `tests/data/hostile/` (newlines followed by `::error file=mkdocs.yml`,
`::add-mask::`, `::stop-commands::`, `##[error]`, ESC and OSC sequences, U+202E, very long
values), plus a file whose very name holds a newline and a forged command. Its stdout and
stderr must hold no line that starts a workflow command except the project's own
annotations (well-formed, escaped, and about a hostile file), and no control, format or
bidirectional character at all (line ends aside).

A new command is added here as one more argv list; placeholders: `{hostile}` (a folder of
the hostile entries), `{file}` (one hostile entry file), `{tmp}` (an empty scratch folder),
`{input}` (a hostile CSV download and a hostile issue-form body).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from build_tools import console
from build_tools.entries.model import Problem

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"
HOSTILE_INPUT = Path(__file__).resolve().parent / "data" / "hostile-input"  # a CSV, an issue
CONFIG = ["--config", str(ROOT / "mkdocs.yml")]
FORGED_NAME = "name\n::error file=mkdocs.yml,line=1::Forged by a file name\u202e.yml"

COMMANDS: list[list[str]] = [
    ["validate", "{hostile}"],
    ["validate", "--strict", "{file}"],
    ["validate", "--format", "json", "{hostile}"],
    ["geocode", "--offline", "{hostile}"],
    ["new", "x\n::error file=mkdocs.yml,line=1::Forged id\u001b[2J", "--area", "maidstone"],
    ["new", "hostile-id", "--area", "::add-mask::\u202emaidstone\n::stop-commands::x"],
    [
        "new",
        "hostile-id",
        "--area",
        "maidstone",
        "--output",
        "{tmp}/\n::error::Forged/hostile-id.yml",
    ],
    ["bench", "--validate-only", "--sizes", "20"],
    ["coverage", "{hostile}"],
    ["import", "{input}/activities.csv", "--to", "{tmp}/entries", "--dry-run"],
    ["import", "{input}/activities.csv", "--to", "{tmp}/entries"],
    [
        "from-issue",
        "{input}/issue-body.md",
        "--entries",
        "{tmp}/entries",
        "--author",
        "x\n::error::y",
    ],
    ["stale", "--today", "2030-01-01"],
]

_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_ANNOTATION = re.compile(r"^::(error|warning|notice)(?: (?P<props>[^:]*))?::(?P<message>.*)$")
_PROPERTY = re.compile(r"^(file|line|col|endLine|endColumn|title)=([^,:]*)$")


def _unescape_property(value: str) -> str:
    for code, char in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        value = value.replace(code, char)
    return value


def unsafe_characters(text: str) -> list[str]:
    """Every character in `text` that a terminal or a log viewer could act on."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if c != "\n" and (unicodedata.category(c) in _UNSAFE_CATEGORIES)
    ]


def forged_lines(text: str, allowed_dir: Path, cwd: Path) -> list[str]:
    """Lines a GitHub runner would read as a workflow command, other than well-formed
    annotations on files inside `allowed_dir`."""
    bad = []
    for line in text.split("\n"):
        start = line.lstrip()
        if start.startswith("##["):
            bad.append(line)
        if not start.startswith("::"):
            continue
        match = _ANNOTATION.match(line)
        if not match:
            bad.append(line)
            continue
        props = match.group("props") or ""
        files = []
        for prop in filter(None, props.split(",")):
            found = _PROPERTY.match(prop)
            if not found:
                bad.append(line)
                break
            if found.group(1) == "file":
                files.append(_unescape_property(found.group(2)))
        else:
            inside = [(cwd / f).resolve().is_relative_to(allowed_dir.resolve()) for f in files]
            if len(files) != 1 or not all(inside):
                bad.append(line)  # an annotation must name the hostile file it is about
    return bad


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The hostile entries, plus one whose file name forges a command."""
    folder = tmp_path / "work" / "hostile"
    shutil.copytree(HOSTILE, folder)
    (folder / "README.md").unlink()
    text = (HOSTILE / "forged-cost.yml").read_text(encoding="utf-8")
    (folder / FORGED_NAME).write_text(text, encoding="utf-8")
    return folder


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GITHUB_ACTIONS": "true", "CI": "true", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "build_tools.cli", *CONFIG, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        env=env,
        timeout=300,
        check=False,
    )


def _fill(argv: list[str], hostile: Path, scratch: Path) -> list[str]:
    values = {
        "hostile": str(hostile),
        "file": str(hostile / FORGED_NAME),
        "tmp": str(scratch),
        "input": str(HOSTILE_INPUT),
    }
    return [arg.format(**values) for arg in argv]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda argv: " ".join(argv)[:40])
def test_no_command_forges_a_workflow_command_or_prints_a_control(
    argv: list[str], hostile: Path
) -> None:
    scratch = hostile.parent / "scratch"
    scratch.mkdir()
    result = run(_fill(argv, hostile, scratch), cwd=hostile.parent)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert not forged_lines(text, hostile, hostile.parent), (name, text)
        assert not unsafe_characters(text), (name, unsafe_characters(text), text)


def test_validate_shows_each_forged_value_escaped_and_annotates_its_own_file(
    hostile: Path,
) -> None:
    result = run(["validate", str(hostile)], cwd=hostile.parent)
    assert result.returncode == 1
    out = result.stdout
    # The values reached the messages, as visible escapes on the same line.
    assert "`free\\n::error file=mkdocs.yml,line=1::Forged by a provider`" in out
    assert "`\\u001b[31mFAKE booking`" in out
    assert "`\\u202eenil-no`" in out
    assert "`::stop-commands::pause-logging` is not a valid UK phone number" in out
    assert "name\\n::error file=mkdocs.yml,line=1::Forged by a file name\\u202e.yml:" in out
    # A long value is cut short; the rest of it never reaches the log.
    assert "Forged after a long value" not in out
    assert max(len(line) for line in out.splitlines()) < 1000
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == len(out.splitlines()) // 2  # one per problem line
    assert all(
        line.startswith(("::error file=hostile/", "::warning file=hostile/"))
        for line in annotations
    )
    on_forged_file = "::error file=hostile/name\\n%3A%3Aerror file=mkdocs.yml%2Cline=1%3A%3A"
    assert any(a.startswith(on_forged_file) for a in annotations)


def test_json_stays_json_under_github_actions(hostile: Path) -> None:
    result = run(["validate", "--format", "json", str(hostile)], cwd=hostile.parent)
    report = json.loads(result.stdout)  # annotations went to stderr
    assert report["problems"]
    assert any(line.startswith("::error file=hostile/") for line in result.stderr.splitlines())
    cost = next(p for p in report["problems"] if p["field"] == "cost" and "free" in p["message"])
    assert "free\\n::error" in cost["message"]


# --- the functions every command uses -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("free\n::error file=mkdocs.yml::x", "free\\n::error file=mkdocs.yml::x"),
        ("red\x1b[31m", "red\\u001b[31m"),
        ("\u202eabc", "\\u202eabc"),
        ("a\\nb", "a\\\\nb"),  # a written backslash stays distinguishable from a newline
        ("tab\there", "tab\\there"),
        ("\u2028", "\\u2028"),
        ("caf\u00e9 \u00a3", "caf\u00e9 \u00a3"),
    ],
)
def test_shown_escapes_what_could_act(value: str, expected: str) -> None:
    assert console.shown(value) == expected


def test_shown_shortens_long_values() -> None:
    assert console.shown("x" * 500) == "x" * 79 + "…"
    assert len(console.shown("\n" * 500)) == 80


@pytest.mark.parametrize(
    "line",
    [
        "::error file=mkdocs.yml::Forged",
        "   ::add-mask::secret",
        "::stop-commands::token",
        "##[error]legacy",
        "a\nb",
        "\x1b]0;title\x07",
    ],
)
def test_safe_line_never_starts_a_command_nor_holds_a_control(line: str) -> None:
    safe = console.safe_line(line)
    assert not safe.lstrip().startswith(("::", "##["))
    assert "\n" not in safe
    assert not unsafe_characters(safe)


def test_a_problem_is_one_safe_line_whatever_its_parts() -> None:
    problem = Problem("a\n::error::b.yml", 3, 4, "k\u202e\n::warning::", "bad\n::notice::x")
    line = problem.format()
    assert "\n" not in line and not unsafe_characters(line)
    assert line.startswith("a\\n::error::b.yml:3:4: k\\u202e\\n::warning::: bad")


def test_annotations_escape_every_part() -> None:
    line = console.annotation(
        "error", "50% bad\r\nnext", file="a,b:c.yml", line=2, col=3, title="t\n::x"
    )
    assert line == "::error file=a%2Cb%3Ac.yml,line=2,col=3,title=t\\n%3A%3Ax::50%25 bad\\r\\nnext"
    assert not forged_lines(line, Path.cwd(), Path.cwd())
    with pytest.raises(ValueError):
        console.annotation("add-mask", "x")


def test_the_checks_themselves_catch_forgeries(tmp_path: Path) -> None:
    """The two checks above fail on what they are there to catch."""
    allowed = tmp_path / "hostile"
    assert forged_lines("ok\n::error file=mkdocs.yml::Forged", allowed, tmp_path)
    assert forged_lines("::add-mask::secret", allowed, tmp_path)
    assert forged_lines("  ##[error]x", allowed, tmp_path)
    assert forged_lines("::error file=hostile/a%2Cb::x,y", tmp_path / "elsewhere", tmp_path)
    assert forged_lines("::error file=hostile/../x.yml::x", allowed, tmp_path)
    assert forged_lines("::error file=hostile/a:b::x", allowed, tmp_path)
    assert not forged_lines("::error file=hostile/x.yml,line=1::ok", allowed, tmp_path)
    assert unsafe_characters("a\x1bb\u202e") == ["U+001B", "U+202E"]
