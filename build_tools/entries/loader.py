"""Strict, safe loading of entry files into `Entry` objects.

Why events rather than `yaml.compose`: a composed node tree cannot tell an explicit `!!str`
from a quoted string, forgets anchors that are never used, and resolves aliases into shared
nodes. libyaml's event stream (the C parser, about as fast as compose) shows all of that,
so this module builds plain JSON-like data straight from the events, recording the line and
column of every key and value, and refuses what a provider's file must not contain:
anchors and aliases (no "billion laughs"), tags (nothing is ever constructed from a tag),
several documents, duplicate keys, keys that are not text, deep nesting, non-UTF-8 bytes
and files over 64 KiB. It never raises at a provider: every failure is a `Problem`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from build_tools import console
from build_tools.console import shown
from build_tools.entries.model import Entry, Path_, Problem

MAX_BYTES = 64 * 1024
MAX_DEPTH = 12
PARALLEL_FROM = 400  # files; below this a process pool costs more than it saves

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_TYPE_WORDS = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "yes/no (true or false)",
    "tag:yaml.org,2002:null": "empty",
    "tag:yaml.org,2002:timestamp": "a date",
}


class _Refused(Exception):
    """A file that must not be read further (alias, tag, depth...)."""

    def __init__(self, mark: Any, field: str, message: str, code: str) -> None:
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 1
        self.column = mark.column + 1 if mark is not None else 1
        self.field = field
        self.message = message
        self.code = code


def field_name(path: Path_) -> str:
    """`schedule[0].start` style: how the docs and messages name a place in an entry."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    """Turns one document's events into data, marks and misreadings."""

    def __init__(self, events: Iterator[Any], display: str) -> None:
        self.events = events
        self.display = display
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.misread: dict[Path_, str] = {}
        self.problems: list[Problem] = []

    def problem(self, mark: Any, path: Path_, message: str, code: str) -> None:
        self.problems.append(
            Problem(
                self.display, mark.line + 1, mark.column + 1, field_name(path), message, code=code
            )
        )

    def node(self, event: Any, path: Path_, depth: int) -> Any:
        where = field_name(path)
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                where,
                f"uses an alias (*{shown(event.anchor)}): write the value out in full "
                "here; anchors and aliases are not allowed in entry files",
                "alias",
            )
        if getattr(event, "anchor", None):
            raise _Refused(
                event.start_mark,
                where,
                f"uses an anchor (&{shown(event.anchor)}): remove it and write values out "
                "in full; anchors and aliases are not allowed in entry files",
                "anchor",
            )
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refused(
                event.start_mark,
                where,
                f"uses a YAML tag ({shown(_short_tag(event.tag))}): remove it; entry files "
                "hold plain values only, and nothing in them is ever run",
                "tag",
            )
        if depth > MAX_DEPTH:
            raise _Refused(
                event.start_mark,
                where,
                "is nested too deeply: entries are never more than a few levels deep; "
                "check the indentation",
                "depth",
            )
        self.marks[path] = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, yaml.ScalarEvent) and event.style in ("|", ">"):
            # a block's text starts on the line after its `|` or `>`
            self.marks[path] = (event.start_mark.line + 2, 1)
        if isinstance(event, yaml.ScalarEvent):
            return self.scalar(event, path)
        if isinstance(event, yaml.SequenceStartEvent):
            items = []
            for event in self.events:
                if isinstance(event, yaml.SequenceEndEvent):
                    return items
                items.append(self.node(event, (*path, len(items)), depth + 1))
        if isinstance(event, yaml.MappingStartEvent):
            return self.mapping(path, depth)
        raise _Refused(event.start_mark, where, "could not be read as YAML", "syntax")

    def mapping(self, path: Path_, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for event in self.events:
            if isinstance(event, yaml.MappingEndEvent):
                return out
            key_mark = event.start_mark
            if not isinstance(event, yaml.ScalarEvent):
                self.node(event, (*path, "?"), depth + 1)  # consume it, refusing hazards
                self.node(next(self.events), (*path, "?"), depth + 1)
                self.problem(
                    key_mark,
                    path,
                    "has a list or a group where a field name should "
                    "be: field names are single words followed by a colon",
                    "key",
                )
                continue
            key = self.scalar(event, None)
            if not isinstance(key, str):
                self.node(next(self.events), (*path, "?"), depth + 1)
                self.problem(
                    key_mark,
                    path,
                    f"`{shown(event.value)}` is read as {_word(event)}, not as a field name: "
                    "field names are words like `name:`",
                    "key",
                )
                continue
            child = (*path, key)
            if key in seen:
                self.problem(
                    key_mark,
                    child,
                    f"is given twice, on lines {seen[key]} and {key_mark.line + 1}: "
                    "keep one and delete the other",
                    "duplicate-key",
                )
            else:
                seen[key] = key_mark.line + 1
            self.marks[("<key>", *child)] = (key_mark.line + 1, key_mark.column + 1)
            out[key] = self.node(next(self.events), child, depth + 1)
        return out

    def scalar(self, event: Any, path: Path_ | None) -> Any:
        value = event.value
        if event.style or not event.implicit[0]:
            return value  # quoted or block text: always a string
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        if tag == _STR or tag not in _TYPE_WORDS:
            return value
        if tag == "tag:yaml.org,2002:timestamp":
            # Dates stay text (YYYY-MM-DD) so the data is plain JSON; a date that does not
            # exist, or a date with a time, stays as written for the validator to explain.
            try:
                parsed = _CONSTRUCTOR.construct_yaml_timestamp(yaml.ScalarNode(tag, value))
            except (ValueError, OverflowError):
                return value
            if isinstance(parsed, dt.datetime):
                return value
            return parsed.isoformat()
        node = yaml.ScalarNode(tag, value)
        try:
            parsed = {
                "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
                "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
                "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
                "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
            }[tag](node)
        except (ValueError, OverflowError):
            return value
        if isinstance(parsed, float) and not math.isfinite(parsed):
            return value
        if path is not None:
            self.misread[path] = value
        return parsed


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


def _word(event: Any) -> str:
    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, (True, False))
    return _TYPE_WORDS.get(tag, "a value")


_SYNTAX_HINTS = (
    ("\t", "there is a tab character here: indent with spaces, never tabs"),
    (
        "mapping values are not allowed",
        "a value contains a colon and a space (`: `): put the whole value in quotes",
    ),
    (
        "could not find expected ':'",
        "a line is missing the colon after its field name, or a value needs quotes",
    ),
    (
        "did not find expected key",
        "the indentation is uneven: line the fields up under each other with spaces",
    ),
    (
        "expected <block end>",
        "the indentation is uneven: line the fields up under each other with spaces",
    ),
    ("found unexpected end of stream", "a quoted value has no closing quote"),
    ("while scanning a quoted scalar", "a quoted value has no closing quote"),
    (
        "found unacceptable character",
        "the file holds a control character that YAML cannot read: retype this line",
    ),
    (
        "special characters are not allowed",
        "the file holds a control character that YAML cannot read: retype this line",
    ),
    ("found character '@'", "a value starting with @ or ` must be in quotes"),
    ("found character '`'", "a value starting with @ or ` must be in quotes"),
    (
        "did not find expected '-' indicator",
        "a list item is out of line: start each item with `- ` at the same indentation",
    ),
    (
        "found undefined alias",
        "uses an alias (*name): write the value out in full; aliases are not allowed",
    ),
    ("found undefined tag handle", "uses a YAML tag (!...): remove it"),
    (
        "did not find expected node content",
        "a value is missing or starts with a character that needs quotes",
    ),
)


def _key_path(lines: list[str], index: int) -> str:
    """The field a line belongs to (`schedule[0].start`), from its key and the keys of the
    less-indented lines above it: a file that YAML cannot read has no marks to go by."""
    names: list[str] = []
    indent: int | None = None
    pending: int | None = None  # the list position of the item the names so far are in
    for number in range(index, -1, -1):
        text = lines[number]
        body = text.lstrip(" ")
        if not body.strip() or body.startswith("#"):
            continue
        width = len(text) - len(body)
        if indent is not None and width >= indent:
            continue
        match = _KEY.match(body)
        item = body.startswith("- ")
        if item:
            pending = sum(
                1
                for above in _until_shallower(lines, number, width)
                if above[width:].startswith("- ")
            )
        if match and (number == index or not item):
            names.append(match.group(1))
            if not item and pending is not None and number != index:
                names[-1] += f"[{pending - 1}]"
                pending = None
        elif indent is None and not item:
            return ""
        indent = width
        if width == 0:
            break
    return ".".join(reversed(names))


def _until_shallower(lines: list[str], index: int, width: int) -> Iterator[str]:
    """The lines from `index` upwards that are at least `width` deep (or blank)."""
    for number in range(index, -1, -1):
        text = lines[number]
        body = text.lstrip(" ")
        if body.strip() and not body.startswith("#") and len(text) - len(body) < width:
            return
        yield text


_KEY = re.compile(r"^(?:- )?([A-Za-z_][A-Za-z0-9_-]*)\s*:(\s|$)")
_CLOSE = {"[": "]", "{": "}"}


def _open_quote(source: str, line: int) -> Any:
    """The quoted value that swallowed the text up to `line` (0-based): libyaml reads an
    unclosed quote on to the next quote in the file, and fails there, far from the mistake."""
    last = None
    try:
        for token in yaml.scan(source, Loader=_Loader):
            if token.start_mark.line > line:
                break
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
            ):
                last = token
    except yaml.YAMLError:
        pass
    if last is not None and line - last.end_mark.line <= 1:
        return last
    return None


def _syntax_message(error: yaml.YAMLError, source: str) -> tuple[int, int, str, str]:
    """Line, column, field and advice for a file YAML cannot read, pointing where the
    provider went wrong: where a quote or bracket was opened, not where YAML gave up."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    context = getattr(error, "context", "") or ""
    context_mark = getattr(error, "context_mark", None)
    text = f"{getattr(error, 'problem', '') or ''} {context}"
    lines = source.splitlines()

    def field_at(number: int) -> str:
        return _key_path(lines, number) if number < len(lines) else ""

    opened = _open_quote(source, mark.line) if mark is not None else None
    if opened is None and "while scanning a quoted scalar" in context and context_mark:
        opened = context_mark
    if opened is not None:
        start = getattr(opened, "start_mark", opened)
        quote = source[start.index] if start.index < len(source) else '"'
        quote = quote if quote in "\"'" else '"'
        return (
            start.line + 1,
            start.column + 1,
            field_at(start.line),
            f"the quote opened on line {start.line + 1} is never closed: add the closing "
            f"`{quote}` at the end of the value",
        )
    if context in ("while parsing a flow sequence", "while parsing a flow mapping") and (
        context_mark is not None
    ):
        bracket = source[context_mark.index] if context_mark.index < len(source) else "["
        if bracket in _CLOSE:
            rest = lines[context_mark.line][context_mark.column :]
            if rest.count(_CLOSE[bracket]) < rest.count(bracket):
                return (
                    context_mark.line + 1,
                    context_mark.column + 1,
                    field_at(context_mark.line),
                    f"the `{bracket}` opened on line {context_mark.line + 1} is never closed: "
                    f"add the closing `{_CLOSE[bracket]}` at the end of the line",
                )
    line_text = ""
    if mark is not None:
        line_text = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in line_text[: mark.column + 1]:
            tab = line_text.index("\t")
            return (
                mark.line + 1,
                tab + 1,
                "",
                "there is a tab character here: indent with spaces, never tabs",
            )
    if "mapping values are not allowed" in text and mark is not None:
        match = _KEY.match(line_text.lstrip(" "))
        if match:
            body = line_text.lstrip(" ")
            value = body[match.end() :].strip()
            key = field_at(mark.line)
            quoted = (
                '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                if '"' not in value or "'" in value
                else "'" + value + "'"
            )
            return (
                mark.line + 1,
                mark.column + 1,
                key,
                "the value contains a colon and a space (`: `), which YAML reads as the start "
                f"of another field: put the whole value in quotes, like "
                f"{match.group(1)}: {console.shown(quoted)}",
            )
    if ("did not find expected key" in text or "expected <block end>" in text) and mark:
        body = line_text.lstrip(" ")
        match = _KEY.match(body)
        value = body[match.end() :].lstrip() if match else ""
        if value[:1] in ('"', "'") and value.find(value[0], 1) != -1:
            after = value[value.find(value[0], 1) + 1 :].strip()
            if after and not after.startswith("#"):
                return (
                    mark.line + 1,
                    mark.column + 1,
                    field_at(mark.line),
                    "there is text after the closing quote: put the quotes around the whole "
                    "value, or remove them",
                )
    hint = next((h for key, h in _SYNTAX_HINTS if key in text), None)
    if hint is None:
        problem = (getattr(error, "problem", None) or str(error)).strip()
        hint = (
            f"YAML could not read the file here ({shown(problem, 120)}): "
            "check the quotes and indentation"
        )
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return line, column, "", hint


def parse_text(text: str, display: str) -> tuple[Any, Builder_, list[Problem]]:
    """Data, builder (marks, misreadings) and problems for one file's text."""
    events = yaml.parse(text, Loader=_Loader)
    builder = _Builder(events, display)
    problems = builder.problems
    data: Any = None
    documents = 0
    try:
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Refused(
                        event.start_mark,
                        "",
                        "holds more than one document (a second `---`): keep one activity per file",
                        "documents",
                    )
                first = next(events)
                if isinstance(first, yaml.DocumentEndEvent):
                    continue
                root_event = first
                data = builder.node(first, (), 0)
                if not isinstance(data, dict):
                    kind = "a list" if isinstance(data, list) else "a single value"
                    raise _Refused(
                        root_event.start_mark,
                        "",
                        f"is {kind}, but an entry is a set of fields, one per line, "
                        "like `name: Mote Park Health Walk`",
                        "top-level",
                    )
    except _Refused as refused:
        problems.append(
            Problem(
                display,
                refused.line,
                refused.column,
                refused.field,
                refused.message,
                code=refused.code,
            )
        )
        return None, builder, problems
    except yaml.YAMLError as error:
        line, column, field, hint = _syntax_message(error, text)
        problems.append(Problem(display, line, column, field, hint, code="syntax"))
        return None, builder, problems
    except RecursionError:
        problems.append(Problem(display, 1, 1, "", "is nested too deeply to read", code="depth"))
        return None, builder, problems
    if data is None and not problems:
        problems.append(
            Problem(
                display,
                1,
                1,
                "",
                "is empty: an entry needs the fields of one "
                "activity (start from `community-map new`)",
                code="empty",
            )
        )
    return data, builder, problems


Builder_ = _Builder


def decode(raw: bytes, display: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text (a byte-order mark and CRLF are fine), or a problem naming where it is not."""
    if len(raw) > MAX_BYTES:
        return None, [
            Problem(
                display,
                1,
                1,
                "",
                f"is {len(raw) // 1024} KiB; an entry file may "
                "be at most 64 KiB: shorten the description",
                code="size",
            )
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        hint = (
            "it looks like UTF-16: save it as UTF-8"
            if raw[:2] in (b"\xff\xfe", b"\xfe\xff")
            else "save the file as UTF-8"
        )
        return None, [
            Problem(
                display,
                line,
                column,
                "",
                f"is not UTF-8 text (byte 0x{raw[error.start]:02x}): {hint}",
                code="encoding",
            )
        ]
    if "\x00" in text:
        return None, [
            Problem(
                display,
                1,
                1,
                "",
                "holds a NUL character: save it as plain UTF-8 text",
                code="encoding",
            )
        ]
    return text, []


def load_bytes(raw: bytes, display: str, stem: str) -> tuple[Entry | None, list[Problem]]:
    """One entry from a file's bytes; `stem` is the file name without `.yml` (the id)."""
    text, problems = decode(raw, display)
    if text is None:
        return None, problems
    data, builder, problems = parse_text(text, display)
    if data is None:
        return None, problems
    entry = Entry(id=stem, path=display, data=data, marks=builder.marks, misread=builder.misread)
    return entry, problems


def display_path(path: Path, base: Path | None = None) -> str:
    base = base or Path.cwd()
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_file(path: Path, base: Path | None = None) -> tuple[Entry | None, list[Problem]]:
    display = display_path(path, base)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                size = os.fstat(handle.fileno()).st_size
                return None, [
                    Problem(
                        display,
                        1,
                        1,
                        "",
                        f"is {size // 1024} KiB; an entry file "
                        "may be at most 64 KiB: shorten the description",
                        code="size",
                    )
                ]
    except OSError as error:
        return None, [Problem(display, 1, 1, "", f"cannot be read: {error.strerror}", code="io")]
    return load_bytes(raw, display, path.stem)


def discover(paths: Iterable[Path], base: Path | None = None) -> tuple[list[Path], list[Problem]]:
    """Entry files under the given files and folders, sorted; misnamed files are problems."""
    found: set[Path] = set()
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            for candidate in path.rglob("*"):
                rel = candidate.relative_to(path).parts
                if any(part.startswith(".") for part in rel) or not candidate.is_file():
                    continue
                if candidate.suffix == ".yml":
                    found.add(candidate)
                elif candidate.suffix.lower() in (".yaml", ".yml"):
                    problems.append(
                        Problem(
                            display_path(candidate, base),
                            1,
                            1,
                            "",
                            "entry files must end in `.yml`: rename it to "
                            f"`{shown(candidate.stem)}.yml`",
                            code="file-name",
                        )
                    )
        elif path.is_file():
            found.add(path)
        else:
            problems.append(
                Problem(display_path(path, base), 1, 1, "", "does not exist", code="missing")
            )
    return sorted(found, key=lambda p: display_path(p, base)), problems


def _load_chunk(args: tuple[list[str], str]) -> list[tuple[Entry | None, list[Problem]]]:
    names, base = args
    return [load_file(Path(name), Path(base)) for name in names]


def load_paths(
    paths: Iterable[Path], base: Path | None = None, progress: Any = None
) -> tuple[list[Entry], list[Problem]]:
    """Every entry under `paths`, with every loading problem; in parallel for big folders."""
    base = base or Path.cwd()
    files, problems = discover(paths, base)
    results: list[tuple[Entry | None, list[Problem]]] = []
    workers = min(os.cpu_count() or 1, 8)
    if len(files) >= PARALLEL_FROM and workers > 1:
        size = max(50, len(files) // (workers * 8))
        chunks = [
            ([str(f) for f in files[i : i + size]], str(base)) for i in range(0, len(files), size)
        ]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk in pool.map(_load_chunk, chunks):
                results.extend(chunk)
                if progress:
                    progress(len(results), len(files))
    else:
        for index, file in enumerate(files, 1):
            results.append(load_file(file, base))
            if progress and index % 200 == 0:
                progress(index, len(files))
    entries = []
    for entry, found in results:
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
    return entries, problems
