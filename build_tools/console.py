"""Everything the commands print: one line per problem for people, JSON for machines,
annotations on GitHub, and the escaping that keeps provider text inert in all of them.

Provider text reaches terminals and GitHub Actions logs through validator, review, geocode
and every other command's messages. A newline inside a value could start a second line that
the runner reads as a workflow command (`::error ...`, `::add-mask::`, `::stop-commands::`),
and an ESC or a bidirectional character would be interpreted by a terminal or a log viewer.
So a provider value is quoted with `shown()` where a message is built, and every line a
command writes goes through `safe_line()` as the last net.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterable
from typing import Any, TextIO

MAX_SHOWN = 80  # characters of a provider value quoted in a message

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    """Controls, format characters (bidirectional overrides, zero-width joiners...), line and
    paragraph separators, private-use and unassigned code points: anything not plainly shown."""
    if char == " ":
        return False
    category = unicodedata.category(char)
    return (category[0] in "CZ" and category != "Zs") or category in ("Zl", "Zp")


def escape_text(text: str, *, backslashes: bool = True) -> str:
    """Every character that could act (rather than show) written as an escape: `\\n`,
    `\\u001b`, `\\u202e`. Backslashes are doubled first (unless `backslashes` is false,
    for text that was escaped already), so a provider value reads back unambiguously."""
    if text.isprintable() and (not backslashes or "\\" not in text):
        return text
    if backslashes:
        text = text.replace("\\", "\\\\")
    return "".join(_escape_char(c) if _unsafe(c) else c for c in text)


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A provider value as it may appear inside a message: escaped, on one line, shortened to
    `limit` characters (with an ellipsis) so a huge value cannot flood a log."""
    text = escape_text(value if isinstance(value, str) else str(value))
    if len(text) > limit:
        text = text[: max(limit - 1, 1)] + "…"
    return text


def safe_line(line: str) -> str:
    """One line fit for a terminal and a GitHub Actions log: no control or bidirectional
    character survives, and a line cannot start a workflow command (only `annotation()` may),
    in either syntax: `::command::` or the older `##[command]`."""
    line = escape_text(line, backslashes=False)
    start = line.lstrip()
    if start.startswith("::"):
        line = line.replace("::", ": :", 1)
    elif start.startswith("##["):  # the runner's older command syntax (`##[error]...`)
        line = line.replace("##[", "# #[", 1)
    return line


def write_lines(out: TextIO, text: str, *, flush: bool = False) -> None:
    """Write text line by line, each through `safe_line` (what `print` would write)."""
    for line in text.split("\n"):
        out.write(safe_line(line) + "\n")
    if flush:
        out.flush()


def _escape_data(text: str) -> str:
    """GitHub workflow-command escaping: untrusted text cannot start a new command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str, message: str, *, file: str = "", line: int = 0, col: int = 0, title: str = ""
) -> str:
    """A GitHub Actions annotation (`::error file=...::message`): the one kind of line that is
    meant to start with `::`. Every part is escaped, and controls are shown as escapes.
    Backslashes are left alone: messages quote provider values with `shown()`, which has
    doubled them already, and a backslash cannot start a workflow command."""
    if level not in ("error", "warning", "notice"):
        raise ValueError(f"not an annotation level: {level}")
    props = []
    if file:
        props.append(f"file={_escape_property(escape_text(file, backslashes=False))}")
    if line:
        props.append(f"line={int(line)}")
    if col:
        props.append(f"col={int(col)}")
    if title:
        props.append(f"title={_escape_property(escape_text(title, backslashes=False))}")
    head = f"::{level}" + (" " + ",".join(props) if props else "")
    return f"{head}::{_escape_data(escape_text(message, backslashes=False))}"


def github_annotation(problem: Any) -> str:
    """A validator `Problem` as an annotation on its file and line."""
    return annotation(
        "error" if problem.severity == "error" else "warning",
        problem.message,
        file=problem.path,
        line=problem.line,
        col=problem.column,
        title=shown(problem.field, 120) if problem.field else "file",
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(problems: Iterable[Any], files: int) -> str:
    problems = list(problems)
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


def dump_json(value: Any, out: TextIO | None = None) -> None:
    """JSON for machines: escaped as JSON (`ensure_ascii`), so no raw control character or
    newline inside a value reaches the stream."""
    out = out or sys.stdout
    json.dump(value, out, indent=2, ensure_ascii=True, default=str)
    out.write("\n")
