"""`community-map from-issue`: a submitted "Add or update an activity" form → one entry file.

The issue body is untrusted text in GitHub's rendering of a form: a `### Label` heading per
question, then the answer, `_No response_` for an empty one, `- [X]` for a ticked box, and
the options of a multiple-choice dropdown joined with `, `. The questions come from
`forms.activity_fields`, the same list the form is generated from. Answers are data, never
markup: they go into the entry as text, the entry goes through the project's own strict
loader and validator, and problems are reported by the form's question. Nothing is
written unless the whole entry is valid; the write is atomic.

An update (the id question answered) changes only the answered fields and keeps the rest
of the file as it was, comments included: each changed field's lines are replaced in place,
and the result is read back and compared with what was meant before anything is written.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from build_tools import console
from build_tools.entries import schedule as schedule_lines
from build_tools.entries.loader import display_path, load_bytes, load_paths
from build_tools.entries.model import Entry, Problem
from build_tools.entries.validate import Validator
from build_tools.outputs import write_atomic
from build_tools.review import forms
from build_tools.review.forms import FormField
from build_tools.review.markdown import inert
from build_tools.settings import Settings
from build_tools.settings import today as settings_today

MAX_BODY = 65536  # characters: GitHub's own limit for an issue body
NO_RESPONSE = "_No response_"
_TICK = re.compile(r"^\s*[-*]\s+\[([ xX])\]\s+(.*?)\s*$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Schema order of top-level fields, for a new file and for fields an update adds.
_NESTED = ("organisation", "contact", "location", "age")


@dataclass
class Outcome:
    """What a form gives: the entry's path and text, or the problems (by question)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    text: str = ""
    entry_id: str = ""
    name: str = ""
    new: bool = True
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, before, after
    review: str = ""  # the moderation report of this change (Markdown), when it is valid


# --- reading the body ------------------------------------------------------------------------


def split_answers(body: str, fields: list[FormField]) -> tuple[dict[str, str | None], list[str]]:
    """Each question's raw answer (None for `_No response_`), by form field id.

    Only headings that are exactly a question of the form count, in the form's order; a
    question asked twice means an answer tried to start a question of its own."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    labels = {f.label: f for f in fields}
    found: list[tuple[FormField, int, int]] = []  # field, heading line, first answer line
    problems: list[str] = []
    lines = body.split("\n")
    seen: set[str] = set()
    for number, line in enumerate(lines):
        if not line.startswith("### "):
            continue
        label = line[4:].strip()
        if label not in labels:
            continue
        if label in seen:
            problems.append(
                f"{label}: this question appears twice in the issue; an answer may not "
                "contain a line starting with `### ` followed by a question"
            )
            continue
        seen.add(label)
        found.append((labels[label], number, number + 1))
    answers: dict[str, str | None] = {}
    for index, (f, _, first) in enumerate(found):
        last = found[index + 1][1] if index + 1 < len(found) else len(lines)
        text = "\n".join(lines[first:last]).strip("\n")
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
        answers[f.id] = None if text in ("", NO_RESPONSE) else text
    if not found:
        problems.append(
            'the issue is not a submitted "Add or update an activity" form: none of its '
            "questions was found. Open a new issue with that form."
        )
    return answers, problems


def _split_choices(answer: str, options: dict[str, str]) -> tuple[list[str], list[str]]:
    """A dropdown's `A, B` answer as values; names that hold `, ` are matched whole."""
    by_name = {name.casefold(): value for value, name in options.items()}
    by_name |= {value.casefold(): value for value in options}
    pieces = [p.strip() for p in answer.split(",")]
    values: list[str] = []
    unknown: list[str] = []
    index = 0
    while index < len(pieces):
        for end in range(len(pieces), index, -1):
            candidate = ", ".join(pieces[index:end]).casefold()
            if candidate in by_name:
                if by_name[candidate] not in values:
                    values.append(by_name[candidate])
                index = end
                break
        else:
            if pieces[index]:
                unknown.append(pieces[index])
            index += 1
    return values, unknown


def _ticks(answer: str, options: dict[str, str]) -> tuple[list[str], list[str]]:
    by_name = {name.casefold(): value for value, name in options.items()}
    values: list[str] = []
    unknown: list[str] = []
    for line in answer.split("\n"):
        match = _TICK.match(line)
        if not match:
            if line.strip():
                unknown.append(line.strip())
            continue
        if match.group(1) == " ":
            continue
        value = by_name.get(match.group(2).casefold())
        if value is None:
            unknown.append(match.group(2))
        elif value not in values:
            values.append(value)
    return values, unknown


def _options_list(options: dict[str, str]) -> str:
    names = list(options.values())
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


def read_answers(
    answers: dict[str, str | None], fields: list[FormField]
) -> tuple[dict[tuple[str, ...], Any], list[str]]:
    """Answered questions as entry values by path, and problems by question."""
    values: dict[tuple[str, ...], Any] = {}
    problems: list[str] = []
    for f in fields:
        answer = answers.get(f.id)
        if answer is None:
            continue
        if f.max_length and len(answer) > f.max_length and f.kind != "multiline":
            problems.append(
                f"{f.label}: the answer is {len(answer):,} characters; the most is "
                f"{f.max_length:,}: shorten it"
            )
            continue
        if len(answer) > forms.MAX_ANSWER:
            problems.append(
                f"{f.label}: the answer is {len(answer):,} characters; the most is "
                f"{max(f.max_length, forms.MAX_ANSWER) if f.max_length else forms.MAX_ANSWER:,}"
                ": shorten it"
            )
            continue
        if f.kind in ("text", "multiline"):
            if f.kind == "text" and "\n" in answer:
                problems.append(f"{f.label}: write the answer on one line")
                continue
            values[f.path] = answer
        elif f.kind in ("choice", "choices", "ticks"):
            read = _ticks if f.kind == "ticks" else _split_choices
            chosen, unknown = read(answer, f.options)
            for word in unknown:
                problems.append(
                    f"{f.label}: `{console.shown(word)}` is not one of the choices; choose "
                    f"from {_options_list(f.options)}"
                )
            if f.kind == "choice" and len(chosen) > 1:
                problems.append(f"{f.label}: choose one answer only")
                continue
            if unknown or not chosen:
                continue
            values[f.path] = chosen[0] if f.kind == "choice" else chosen
        elif f.kind == "schedule":
            sessions, found = schedule_lines.parse_schedule_lines(answer)
            problems.extend(f"{f.label}: {p}" for p in found)
            if not found and sessions:
                values[f.path] = sessions
        elif f.kind == "number":
            if not re.fullmatch(r"\d{1,3}", answer):
                problems.append(
                    f"{f.label}: `{console.shown(answer)}` is not a whole number of years: "
                    "write a number like 16"
                )
                continue
            values[f.path] = int(answer)
        elif f.kind == "codes":
            codes = [c.lower() for c in re.split(r"[\s,;]+", answer) if c]
            bad = [c for c in codes if not re.fullmatch(r"[a-z]{2}", c)]
            if bad:
                problems.append(
                    f"{f.label}: `{console.shown(bad[0])}` is not a two-letter language "
                    "code: write codes like en, pl, ur"
                )
                continue
            values[f.path] = list(dict.fromkeys(codes))
        elif f.kind in ("owner", "confirm"):
            chosen, unknown = _ticks(answer, f.options)
            if chosen:
                values[f.path] = True
    return values, problems


# --- writing YAML ----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Entry files as providers write them: lists of words inline, text quoted only when
    YAML would misread it (and then in double quotes, as the guide shows), `|` blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


_PLAIN_RISK = re.compile(r"^[0-9+\-.]|^(yes|no|on|off|y|n|true|false|null|~)$", re.IGNORECASE)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    style = '"' if _PLAIN_RISK.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    flow = all(not isinstance(v, dict | list) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


def _represent_dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    flow = set(value) <= {"lat", "lon", "min", "max"}
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(dict, _represent_dict)


def _for_yaml(value: Any, path: tuple[Any, ...] = ()) -> Any:
    """Dates back to dates (written unquoted, as the guide shows)."""
    if isinstance(value, dict):
        return {k: _for_yaml(v, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_yaml(v, (*path, i)) for i, v in enumerate(value)]
    key = path[-1] if path else ""
    if key in ("last_reviewed", "starts_on", "ends_on") and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(
        _for_yaml(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096
    )


def _ordered(data: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    order = list(props)
    out = {}
    for key in sorted(data, key=lambda k: order.index(k) if k in order else len(order)):
        value = data[key]
        if isinstance(value, dict) and key in props:
            value = _ordered(value, props[key])
        out[key] = value
    return out


def _key_spans(lines: list[str], starts: list[tuple[int, str]], end: int) -> dict[str, tuple]:
    """Line ranges [start, stop) of each key, from its key line to the next key's, leaving
    blank and comment lines just above the next key with that key."""
    spans = {}
    ordered = sorted(starts)
    for index, (line, key) in enumerate(ordered):
        stop = ordered[index + 1][0] if index + 1 < len(ordered) else end
        while stop - 1 > line and (
            not lines[stop - 1].strip() or lines[stop - 1].lstrip().startswith("#")
        ):
            stop -= 1
        spans[key] = (line, stop)
    return spans


def _indent(text: str, spaces: int) -> list[str]:
    return [(" " * spaces + line) if line else line for line in text.rstrip("\n").split("\n")]


def patch_text(entry: Entry, source: str, new: dict[str, Any], schema: dict[str, Any]) -> str:
    """The file's text with only the fields that differ between `entry.data` and `new`
    rewritten; other lines (comments, layout) stay as they were."""
    lines = source.split("\n")
    old = entry.data
    edits: list[tuple[int, int, list[str]]] = []  # replace lines [start, stop) by these
    top = [(entry.key_mark((k,))[0] - 1, k) for k in old]
    spans = _key_spans(lines, top, len(lines) if lines[-1] else len(lines) - 1)
    appended: list[str] = []
    for key in _ordered(new, schema):
        if key in old and old[key] == new[key]:
            continue
        value = new[key]
        nested = key in _NESTED and isinstance(old.get(key), dict) and isinstance(value, dict)
        if nested and key in spans:
            parent_line = spans[key][0]
            children = [(entry.key_mark((key, c))[0] - 1, c) for c in old[key]]
            if children and all(line > parent_line for line, _ in children):
                column = entry.key_mark((key, children[0][1]))[1] - 1
                inner = _key_spans(lines, children, spans[key][1])
                extra: list[str] = []
                for child in _ordered(value, schema["properties"][key]):
                    if old[key].get(child) == value[child]:
                        continue
                    text = _indent(dump_yaml({child: value[child]}), column)
                    if child in inner:
                        edits.append((*inner[child], text))
                    else:
                        extra += text
                for child in old[key]:
                    if child not in value:
                        edits.append((*inner[child], []))
                if extra:
                    stop = max(stop for _, stop in inner.values())
                    edits.append((stop, stop, extra))
                continue
        text = dump_yaml({key: value}).rstrip("\n").split("\n")
        if key in spans:
            edits.append((*spans[key], text))
            continue
        order = list(schema.get("properties", {}))
        before = [k for k in order[: order.index(key)] if k in spans] if key in order else []
        if before:  # a new field goes after the field it follows in the schema
            stop = spans[before[-1]][1]
            edits.append((stop, stop, text))
        else:
            appended += text
    for key in old:
        if key not in new and key in spans:
            edits.append((*spans[key], []))
    for start, stop, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:stop] = text
    if appended:
        while lines and not lines[-1]:
            lines.pop()
        lines += [*appended, ""]
    out = "\n".join(lines)
    return out if out.endswith("\n") else out + "\n"


# --- from answers to an entry ----------------------------------------------------------------


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    if len(words) > 80:
        words = words[:80].rsplit("-", 1)[0]
    return words


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _label_for(problem_field: str, fields: list[FormField]) -> tuple[str, str]:
    """The form question a validator problem is about, and a prefix ("line 2: ")."""
    base = problem_field.split("[", 1)[0]
    prefix = ""
    match = re.match(r"schedule\[(\d+)\]", problem_field)
    if match:
        prefix = f"line {int(match.group(1)) + 1}: "
    if base == "id":
        base = "name"
    for f in fields:
        if f.name == base:
            return f.label, prefix
    group = [f.label for f in fields if f.name.startswith(base + ".")] if base else []
    if group:
        return " / ".join(group), prefix
    return "The listing", prefix


_PLAIN = {
    "cost-note": 'What it costs: needed when the cost is Paid, like "£3 a session"',
    "location-missing": "Street address, Town or village and Postcode: needed when it runs "
    "In person",
}


def _explain(problem: Problem, fields: list[FormField]) -> str:
    if problem.code in _PLAIN:
        return _PLAIN[problem.code]
    label, prefix = _label_for(problem.field, fields)
    message = problem.message
    if problem.code == "schema-required":
        missing = problem.message.split("`")[1].rstrip(":") if "`" in problem.message else ""
        for f in fields:
            if f.name == (f"{problem.field}.{missing}" if problem.field else missing):
                return f"{f.label}: needs an answer"
        return f"{label}: needs an answer"
    return f"{label}: {prefix}{message}"


def build_outcome(
    settings: Settings,
    body: str,
    *,
    author: str = "",
    entries_dir: Path | None = None,
    today: dt.date | None = None,
) -> Outcome:
    """Everything `from-issue` decides, without writing: the entry's path and text, or the
    problems by question."""
    today = today or settings_today()
    entries_dir = entries_dir or settings.entries_dir
    fields = forms.activity_fields(settings)
    outcome = Outcome()
    if len(body) > MAX_BODY:
        outcome.problems.append(
            f"The issue is {len(body):,} characters long; a form is at most {MAX_BODY:,}: "
            "shorten the longest answers"
        )
        return outcome
    answers, problems = split_answers(body, fields)
    values, read_problems = read_answers(answers, fields)
    outcome.problems += problems + read_problems
    if outcome.problems and not answers:
        return outcome
    existing, _ = load_paths([entries_dir], base=settings.root)
    by_id = {e.id: e for e in existing}
    schema = json.loads((settings.schema_dir / "entry.schema.json").read_text("utf-8"))
    owner = values.pop(("owners",), False) and bool(author)
    confirm = values.pop(("last_reviewed",), False)
    wanted_id = values.pop(("id",), None)
    if wanted_id is not None:
        wanted_id = wanted_id.strip().lower()
    by_label = {f.path: f.label for f in fields}

    if wanted_id:  # an update
        outcome.new = False
        target = by_id.get(wanted_id)
        if target is None:
            outcome.problems.append(
                f"{by_label[('id',)]}: no listing has the id `{console.shown(wanted_id)}`: "
                "copy it from the end of the listing's page address, or leave it empty to "
                "add a new listing"
            )
            return outcome
        if not values and not owner and not confirm:
            outcome.problems.append(
                "The form changes nothing: answer the questions whose answers change"
            )
            return outcome
        data = copy.deepcopy(dict(target.data))
        for path, value in values.items():
            _set(data, path, value)
        moved = any(
            path in values and _get(target.data, path) != values[path]
            for path in (("location", "address"), ("location", "town"), ("location", "postcode"))
        )
        if moved and isinstance(data.get("location"), dict) and "coordinates" in data["location"]:
            del data["location"]["coordinates"]
            outcome.notes.append(
                "The address changed, so the old map position was removed: it is looked up "
                "again from the new address."
            )
        if confirm:
            data["last_reviewed"] = today.isoformat()
        if owner and author.casefold() not in {o.casefold() for o in target.owners}:
            data["owners"] = [*target.owners, author]
        path = Path(target.path)
        path = path if path.is_absolute() else settings.root / path
        source = path.read_text("utf-8")
        text = patch_text(target, source, data, schema)
        entry_id = target.id
        before = target.data
    else:
        for f in fields:
            need = (
                f.path[0] in schema["required"]
                and f.kind != "confirm"
                and (
                    len(f.path) == 1
                    or f.path[-1] in schema["properties"][f.path[0]].get("required", [])
                )
            )
            skip = ("id", "status", "last_reviewed", "contact")
            answered = any(p.startswith(f.label + ":") for p in outcome.problems)
            if need and f.path not in values and f.path[0] not in skip and not answered:
                outcome.problems.append(f"{f.label}: needs an answer for a new listing")
        data = {}
        for path, value in values.items():
            _set(data, path, value)
        data.setdefault("status", "active")
        data["last_reviewed"] = today.isoformat()
        if owner:
            data["owners"] = [author]
        entry_id = slug(str(data.get("name", "")))
        if entry_id in by_id:
            place = slug(str(_get(data, ("location", "town")) or ""))
            if place and f"{entry_id}-{place}" not in by_id:
                entry_id = f"{entry_id}-{place}"
            else:
                outcome.problems.append(
                    f"{by_label[('name',)]}: a listing called this already exists "
                    f"(`{by_id[entry_id].id}`): if it is the same activity, give its id to "
                    "update it; otherwise choose a name that tells them apart"
                )
                return outcome
        if len(entry_id) < 3:
            outcome.problems.append(
                f"{by_label[('name',)]}: needs at least three letters or digits"
            )
            return outcome
        data = {"id": entry_id, **data}
        areas = data.get("areas") or ["all"]
        folder = areas[0] if len(areas) == 1 else "all"
        path = entries_dir / folder / f"{entry_id}.yml"
        text = dump_yaml(_ordered(data, schema))
        before = {}

    display = display_path(path, settings.root)
    entry, load_problems = load_bytes(text.encode("utf-8"), display, entry_id)
    problems = list(load_problems)
    if entry is not None:
        if not outcome.new and _plain(entry.data) != _plain(data):
            # the in-place edit did not read back as meant: write the whole file afresh
            text = dump_yaml(_ordered(data, schema))
            entry, load_problems = load_bytes(text.encode("utf-8"), display, entry_id)
            problems = list(load_problems)
            outcome.notes.append("The file was rewritten in the standard layout.")
        others = [e for e in existing if e.id != entry_id or outcome.new]
        if entry is not None:
            found = Validator(settings, today).check([entry, *others])
            problems += [p for p in found if p.path == display]
    told = {p.split(":", 1)[0] for p in outcome.problems}
    for problem in sorted(set(problems)):
        line = _explain(problem, fields)
        if problem.severity == "error":
            if line.split(":", 1)[0] not in told:
                outcome.problems.append(line)
        else:
            outcome.warnings.append(line)
    outcome.problems = list(dict.fromkeys(outcome.problems))
    if entry is not None and not outcome.problems:
        outcome.review = _review(settings, existing, entry, problems, author, outcome.new)
    outcome.path, outcome.text, outcome.entry_id = path, text, entry_id
    outcome.name = str(data.get("name", ""))
    for f in fields:
        if f.path in values or (f.kind == "owner" and owner) or (f.kind == "confirm" and confirm):
            old, new = _get(before, f.path), _get(data, f.path)
            if old != new:
                outcome.changes.append((f.label, _words(old, f), _words(new, f)))
    return outcome


def _review(
    settings: Settings,
    existing: list[Entry],
    entry: Entry,
    problems: list[Problem],
    author: str,
    new: bool,
) -> str:
    """The moderation report (`community-map review`'s own) of this one change, for the
    pull request's body: pull requests opened with the workflow's token get no checks."""
    from build_tools.review import report
    from build_tools.review.command import _pins

    base = {e.path: e for e in existing}
    head = {p: e for p, e in base.items() if e.id != entry.id} | {entry.path: entry}
    cache = settings.cache_path
    cache_text = cache.read_text("utf-8") if cache.is_file() else None
    display = cache.name
    inputs = report.Inputs(
        base_entries=base,
        head_entries=head,
        changed=[("A" if new else "M", entry.path, "")],
        outside=[],
        problems=problems,
        pins_base=_pins(base, cache_text, settings, display)[0],
        pins_head=_pins(head, cache_text, settings, display)[0],
        author=author,
        region=settings.region.name,
    )
    built = report.build_report(inputs, settings.vocabulary())
    return report.render_markdown(built.as_json(), marker=False)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _words(value: Any, f: FormField) -> str:
    """A value as the form said it (display names, the one-line schedule)."""
    if value is None:
        return "(empty)"
    if f.kind == "schedule":
        entry = Entry(id="x", path="", data={"schedule": value})
        return "; ".join(schedule_lines.session_line(s) for s in entry.schedule)
    if isinstance(value, list):
        return ", ".join(f.options.get(v, str(v)) for v in value)
    return f.options.get(value, str(value)) if isinstance(value, str) else str(value)


# --- Markdown for GitHub ---------------------------------------------------------------------


def summary_markdown(outcome: Outcome, issue: int | None = None) -> str:
    """For the pull request's body (success) or the issue comment (problems)."""
    ref = f" #{int(issue)}" if issue else ""
    if outcome.problems:
        lines = [
            f"The form in this issue{ref} cannot become a listing yet. Please edit the issue "
            "to fix these, and a moderator will try again:",
            "",
        ]
        lines += [f"- {inert(p)}" for p in outcome.problems]
        return "\n".join(lines) + "\n"
    kind = "New listing" if outcome.new else "Update to listing"
    lines = [
        f"{kind} `{outcome.entry_id}`, made from the form in issue{ref}."
        + (f"\n\nCloses{ref}." if ref else ""),
        "",
        "| Question | Before | After |",
        "|---|---|---|",
    ]
    for label, old, new in outcome.changes:
        lines.append(f"| {inert(label)} | {inert(old)} | {inert(new)} |")
    if outcome.warnings:
        lines += ["", "For the moderator:", ""] + [f"- {inert(w)}" for w in outcome.warnings]
    if outcome.notes:
        lines += [""] + [f"- {inert(n)}" for n in outcome.notes]
    if outcome.review:
        lines += ["", outcome.review.replace("## Listing review", "## Moderation report", 1)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _read_event(path: Path) -> tuple[str, str, int | None]:
    event = json.loads(path.read_text("utf-8"))
    issue = event.get("issue") or {}
    number = issue.get("number")
    return (
        str(issue.get("body") or ""),
        str((issue.get("user") or {}).get("login") or ""),
        number if isinstance(number, int) and number > 0 else None,
    )


def from_issue_command(
    settings: Settings,
    body_file: Path,
    *,
    event: bool = False,
    author: str = "",
    entries: Path | None = None,
    summary: Path | None = None,
    today: str | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    issue: int | None = None
    try:
        if event:
            body, event_author, issue = _read_event(body_file)
            author = author or event_author
        else:
            body = body_file.read_text("utf-8", errors="replace")
    except (OSError, ValueError) as error:
        out.write(console.safe_line(f"community-map from-issue: cannot read {body_file}: {error}"))
        out.write("\n")
        return 2
    if author and not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}", author):
        author = ""
    day = dt.date.fromisoformat(today) if today else None
    outcome = build_outcome(settings, body, author=author, entries_dir=entries, today=day)
    if summary is not None:
        write_atomic(summary, summary_markdown(outcome, issue))
    if outcome.problems:
        out.write(f"The form cannot become a listing: {len(outcome.problems)} problem(s).\n")
        for problem in outcome.problems:
            out.write(console.safe_line(f"- {problem}") + "\n")
        return 1
    assert outcome.path is not None
    write_atomic(outcome.path, outcome.text)
    display = display_path(outcome.path, settings.root)
    kind = "a new listing" if outcome.new else "an update"
    out.write(console.safe_line(f"Wrote {display}: {kind}, {console.shown(outcome.name)}.") + "\n")
    for label, old, new in outcome.changes:
        out.write(
            console.safe_line(f"  {label}: {console.shown(old)} → {console.shown(new)}") + "\n"
        )
    for line in outcome.warnings + outcome.notes:
        out.write(console.safe_line(f"  note: {line}") + "\n")
    github_output = os.environ.get("GITHUB_OUTPUT")
    if github_output:
        with open(github_output, "a", encoding="utf-8") as handle:
            handle.write(f"id={outcome.entry_id}\npath={display}\n")
            handle.write(f"change={'new' if outcome.new else 'update'}\n")
    return 0
