"""How problems are shown: one line each for people, JSON for machines, annotations on GitHub."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from build_tools.entries.loader import load_paths
from build_tools.entries.model import Problem
from build_tools.entries.validate import validate_entries
from build_tools.settings import Settings


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping: untrusted text cannot start a new command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    level = "error" if problem.severity == "error" else "warning"
    title = _escape_property(problem.field or "file")
    return (
        f"::{level} file={_escape_property(problem.path)},line={problem.line},"
        f"col={problem.column},title={title}::{_escape_data(problem.message)}"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(problems: list[Problem], files: int) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    plural = _plural
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"


class Progress:
    """A one-line counter on a terminal; silent when output is not a terminal."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.active = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.active and total >= 500:
            self.stream.write(f"\r{self.label} {done}/{total}")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r\033[K")
            self.stream.flush()


def validate_command(
    settings: Settings,
    paths: list[Path],
    *,
    strict: bool = False,
    fmt: str = "text",
    today: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    day = dt.date.fromisoformat(today) if today else None
    progress = Progress(err, "Reading entries")
    entries, problems = load_paths(paths, base=Path.cwd(), progress=progress)
    progress.close()
    problems = sorted(problems + validate_entries(entries, settings, today=day))
    files = len({e.path for e in entries} | {p.path for p in problems})
    if fmt == "json":
        json.dump(
            {"files": files, "problems": [p.__dict__ for p in problems]},
            out,
            indent=2,
            ensure_ascii=False,
        )
        out.write("\n")
    else:
        for problem in problems:
            out.write(problem.format() + "\n")
        out.write(summary_line(problems, files) + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in problems:
            out.write(github_annotation(problem) + "\n")
    failing = [p for p in problems if p.severity == "error" or strict]
    return 1 if failing else 0
