"""The commands the moderation workflows run: `review`, `pr-comment` and `publish-geocode`.

`review` gathers the facts with git (never a checkout of the head), hands them to the pure
`report.build_report`, and prints the report (Markdown or JSON); in the check workflow it
also writes the report artifact and the step summary. `pr-comment` is the trusted step: it
treats the artifact as untrusted data, checks it against the GitHub API, renders the comment
itself and sets labels only from the fixed list.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from build_tools import console
from build_tools.entries import geocode
from build_tools.entries.model import Entry
from build_tools.entries.validate import Validator
from build_tools.outputs import write_atomic
from build_tools.review import gitread
from build_tools.review.report import LABELS, MARKER, Inputs, Pin, build_report, render_markdown
from build_tools.settings import Settings

MAX_LOOKUPS = 3  # addresses the check workflow may geocode online for one report
MAX_ARTIFACT_BYTES = 1_000_000
MAX_COMMENT_CHARS = 60_000  # GitHub refuses comments over 65,536 characters
MAX_MENTIONS = 10
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
PR_NUMBER = re.compile(r"^[1-9][0-9]{0,9}$")
SHA = re.compile(r"^[0-9a-f]{40}$")


class UsageError(Exception):
    pass


def _print(out: TextIO, text: str) -> None:
    console.write_lines(out, text.rstrip("\n"))


def _event(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(
            f"cannot read the event file {console.shown(str(path))}: {error}"
        ) from None
    if not isinstance(data, dict):
        raise UsageError("the event file is not a JSON object")
    return data


def _pins(
    entries: dict[str, Entry], cache_text: str | None, settings: Settings, display: str
) -> tuple[dict[str, Pin], list[Entry]]:
    """Coordinates from the entry, else from the committed cache; the entries left over."""
    cache: dict[str, geocode.CacheRecord] = {}
    if cache_text:
        try:
            cache = geocode.parse_cache(cache_text, display)
        except geocode.CacheError:
            cache = {}
    pins: dict[str, Pin] = {}
    missing = []
    for entry in entries.values():
        loc = entry.location
        if not entry.in_person or loc is None:
            continue
        if loc.has_coordinates:
            pins[entry.id] = Pin(loc.lat, loc.lon, "entry", "given in the entry")  # type: ignore[arg-type]
            continue
        record = cache.get(geocode.Address.from_location(loc, settings.region.country).key)
        if record is not None and not geocode.check_point(record.lat, record.lon, settings.region):
            pins[entry.id] = Pin(record.lat, record.lon, "cache", record.precision)
        else:
            missing.append(entry)
    return pins, missing


def _look_up(entries: list[Entry], settings: Settings, err: TextIO) -> dict[str, Pin]:
    """At most a few addresses online, one request a second, with the configured agent."""
    why = geocode.check_user_agent(settings.geocoder.user_agent)
    if why:
        err.write(console.safe_line(f"review: not geocoding: {why}") + "\n")
        return {}
    addresses: dict[str, geocode.Address] = {}
    owners: dict[str, list[str]] = {}
    for entry in entries:
        address = geocode.Address.from_location(entry.location, settings.region.country)  # type: ignore[arg-type]
        if not address.usable:
            continue
        if address.key not in addresses and len(addresses) >= MAX_LOOKUPS:
            continue
        addresses.setdefault(address.key, address)
        owners.setdefault(address.key, []).append(entry.id)
    if not addresses:
        return {}
    try:
        provider = geocode.make_provider(settings, settings.geocoder.user_agent)
    except geocode.ConfigError as error:
        err.write(console.safe_line(f"review: not geocoding: {error}") + "\n")
        return {}
    import time

    spacing = geocode.Spacing(
        max(settings.geocoder.min_delay_seconds, 1.0), time.monotonic, time.sleep
    )
    cap = min(settings.geocoder.max_requests, 2 * MAX_LOOKUPS)
    outcome = geocode.run_queue(list(addresses.values()), provider.ask, spacing, cap)
    pins = {}
    for key, (query, answer) in outcome.found.items():
        for ident in owners[key]:
            pins[ident] = Pin(answer.lat, answer.lon, "looked up for this report", query.precision)
    return pins


def gather(
    settings: Settings,
    base: str,
    head: str,
    author: str = "",
    *,
    online: bool = False,
    err: TextIO | None = None,
) -> Inputs:
    """Everything the report needs, read from git."""
    err = err or sys.stderr
    repo = gitread.top_level(settings.root)
    base_sha = gitread.resolve(repo, base)
    head_sha = gitread.resolve(repo, head)
    start = gitread.merge_base(repo, base_sha, head_sha)
    try:
        folder = PurePosixPath(
            settings.entries_dir.resolve().relative_to(repo.resolve())
        ).as_posix()
    except ValueError:
        raise UsageError("the entries folder is not inside the git repository") from None
    changes = gitread.changes(repo, start, head_sha)
    entry_changes = []
    outside = []
    for change in changes:
        paths = [p for p in (change.path, change.old_path) if p]
        if all(gitread.is_entry_path(p, folder) for p in paths):
            entry_changes.append((change.status, change.path, change.old_path))
        elif any(gitread.is_entry_path(p, folder) for p in paths):
            # an entry moved out of the entries folder, or a file moved into it
            entry_changes.append(
                (
                    "D" if gitread.is_entry_path(change.old_path, folder) else "A",
                    *_pair(change, folder),
                )
            )
            outside.extend(p for p in paths if not gitread.is_entry_path(p, folder))
        else:
            outside.extend(paths)
    base_entries, _ = gitread.load_all(repo, start, folder)
    head_entries, load_problems = gitread.load_all(repo, head_sha, folder)
    changed_paths = {p for _, p, _ in entry_changes}
    validator = Validator(settings)
    problems = [p for p in load_problems if p.path in changed_paths]
    for path in sorted(changed_paths):
        entry = head_entries.get(path)
        if entry is not None:
            problems.extend(validator.check_entry(entry))
    problems.extend(
        p for p in Validator.cross_entry(list(head_entries.values())) if p.path in changed_paths
    )
    cache_rel = (
        PurePosixPath((settings.cache_path.resolve()).relative_to(repo.resolve())).as_posix()
        if settings.cache_path.resolve().is_relative_to(repo.resolve())
        else ""
    )
    display = geocode.cache_display(settings)
    base_cache = gitread.read_text(repo, start, cache_rel) if cache_rel else None
    head_cache = gitread.read_text(repo, head_sha, cache_rel) if cache_rel else None
    pins_base, _ = _pins(base_entries, base_cache, settings, display)
    changed_head = {p: e for p, e in head_entries.items() if p in changed_paths}
    pins_head, missing = _pins(head_entries, head_cache, settings, display)
    if online:
        wanted = [e for e in missing if e.path in changed_head and e.published]
        pins_head.update(_look_up(wanted, settings, err))
    return Inputs(
        base_entries=base_entries,
        head_entries=head_entries,
        changed=entry_changes,
        outside=sorted(set(outside)),
        problems=sorted(set(problems)),
        pins_base=pins_base,
        pins_head=pins_head,
        author=author,
        base=base_sha,
        head=head_sha,
        merge_base=start,
        region=settings.region.name,
    )


def _pair(change: gitread.Change, folder: str) -> tuple[str, str]:
    if gitread.is_entry_path(change.path, folder):
        return change.path, ""
    return change.old_path, ""


def review_command(
    settings: Settings,
    *,
    base: str | None,
    head: str | None,
    author: str | None = None,
    fmt: str = "markdown",
    online: bool = False,
    event: Path | None = None,
    output_dir: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`community-map review`: 0 valid, 1 errors in the changed entries, 2 usage or git."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        data = _event(event)
        pull = data.get("pull_request") if isinstance(data.get("pull_request"), dict) else {}
        base = base or str((pull.get("base") or {}).get("sha") or "")
        head = head or str((pull.get("head") or {}).get("sha") or "")
        author = author if author is not None else str((pull.get("user") or {}).get("login") or "")
        number = pull.get("number")
        if not base or not head:
            raise UsageError("give --base and --head (or --event with a pull_request event)")
        inputs = gather(settings, base, head, author or "", online=online, err=err)
    except (UsageError, gitread.GitError) as error:
        err.write(console.safe_line(f"review: error: {error}") + "\n")
        return 2
    report = build_report(inputs, settings.vocabulary())
    data = report.as_json()
    markdown = render_markdown(data)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(output_dir / "report.md", markdown)
        write_atomic(
            output_dir / "report.json", json.dumps(data, indent=2, ensure_ascii=True) + "\n"
        )
        if isinstance(number, int) and number > 0:
            write_atomic(output_dir / "pr-number", f"{number}\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and os.environ.get("GITHUB_ACTIONS") == "true":
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    if fmt == "json":
        console.dump_json(data, out)
    else:
        _print(out, markdown)
    return 1 if report.errors else 0


# --- the trusted comment step ------------------------------------------------------------


def _read_artifact(folder: Path) -> tuple[int, dict[str, Any]]:
    try:
        raw_number = (folder / "pr-number").read_bytes()[:32].decode("ascii", "replace").strip()
    except OSError:
        raise UsageError("the artifact has no pr-number file") from None
    if not PR_NUMBER.match(raw_number):
        raise UsageError(
            "the artifact's pull request number is not a positive integer: "
            + console.shown(raw_number)
        )
    path = folder / "report.json"
    try:
        size = path.stat().st_size
        if size > MAX_ARTIFACT_BYTES:
            raise UsageError(f"the artifact's report.json is too big ({size} bytes)")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(
            f"the artifact's report.json cannot be read: {console.shown(str(error))}"
        ) from None
    return int(raw_number), _clean(data)


def _str(value: Any, limit: int = 2000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _strs(value: Any, limit: int = 200) -> list[str]:
    return [_str(v) for v in value[:limit] if isinstance(v, str)] if isinstance(value, list) else []


def _dicts(value: Any, limit: int = 500) -> list[dict[str, Any]]:
    return [v for v in value[:limit] if isinstance(v, dict)] if isinstance(value, list) else []


def _clean(data: Any) -> dict[str, Any]:
    """Only the report's known keys, with the types the renderer expects."""
    if not isinstance(data, dict):
        raise UsageError("the artifact's report.json is not a report")
    entries = []
    for e in _dicts(data.get("entries"), 300):
        moved = e.get("moved_km")
        location = e.get("location") if isinstance(e.get("location"), dict) else None
        if location is not None:
            lat, lon = location.get("lat"), location.get("lon")
            ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
            location = {
                "lat": float(lat) if ok else None,
                "lon": float(lon) if ok else None,
                "source": _str(location.get("source"), 60),
                "precision": _str(location.get("precision"), 60),
            }
        entries.append(
            {
                "id": _str(e.get("id"), 120),
                "name": _str(e.get("name"), 200),
                "path": _str(e.get("path"), 300),
                "old_path": _str(e.get("old_path"), 300),
                "change": e.get("change")
                if e.get("change") in ("added", "changed", "removed")
                else "changed",
                "status_change": e.get("status_change")
                if e.get("status_change") in ("closed", "reopened")
                else "",
                "fields_changed": _strs(e.get("fields_changed"), 60),
                "errors": e.get("errors") if isinstance(e.get("errors"), int) else 0,
                "moved_km": float(moved)
                if isinstance(moved, int | float) and not isinstance(moved, bool)
                else None,
                "location": location,
                "fields": [
                    {
                        "label": _str(f.get("label"), 60),
                        "key": _str(f.get("key"), 40),
                        "value": _str(f["value"], 4000)
                        if isinstance(f.get("value"), str)
                        else _strs(f.get("value"), 50),
                    }
                    for f in _dicts(e.get("fields"), 60)
                ],
                "changes": [
                    {
                        k: (_strs(v, 50) if isinstance(v, list) else _str(v))
                        for k, v in c.items()
                        if k in ("label", "key", "before", "after", "added", "removed", "words")
                    }
                    for c in _dicts(e.get("changes"), 60)
                ],
                "problems": [
                    {
                        "path": _str(p.get("path"), 300),
                        "line": p.get("line") if isinstance(p.get("line"), int) else 0,
                        "column": p.get("column") if isinstance(p.get("column"), int) else 0,
                        "field": _str(p.get("field"), 100),
                        "message": _str(p.get("message"), 600),
                        "severity": "warning" if p.get("severity") == "warning" else "error",
                    }
                    for p in _dicts(e.get("problems"), 100)
                ],
                "warnings": _strs(e.get("warnings"), 30),
            }
        )
    return {
        "entries": entries,
        "outside_entries": _strs(data.get("outside_entries"), 500),
        "warnings": _strs(data.get("warnings"), 20),
        "other_problems": [],
        "errors": sum(e["errors"] for e in entries),
        "labels": [label for label in _strs(data.get("labels"), 20) if label in LABELS],
    }


def _main_owners(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Owners of every listing as recorded on the checked-out trusted branch."""
    from build_tools.entries.loader import load_paths

    entries, _ = load_paths([settings.entries_dir], base=settings.root)
    return {e.id: e.owners for e in entries}


def comment_body(
    data: dict[str, Any], author: str, owners: dict[str, tuple[str, ...]]
) -> tuple[str, list[str]]:
    """The sticky comment and the labels, with ownership decided here from `main`."""
    who = author.casefold()
    mentions: list[str] = []
    for entry in data["entries"]:
        listed = owners.get(entry["id"], ()) if entry["change"] != "added" else ()
        entry["owners"] = list(listed)
        entry["owner_edit"] = entry["change"] != "added" and who in {o.casefold() for o in listed}
        if entry["change"] != "added" and not entry["owner_edit"]:
            mentions.extend(o for o in listed if LOGIN.match(o) and o.casefold() != who)
    data["author"] = author
    data["owner_edit"] = bool(data["entries"]) and all(e["owner_edit"] for e in data["entries"])
    labels = [
        label for label in data["labels"] if label not in ("owner-edit", "needs-moderator-check")
    ]
    if data["entries"]:
        labels.append("owner-edit" if data["owner_edit"] else "needs-moderator-check")
    data["labels"] = [label for label in LABELS if label in labels]
    body = render_markdown(data)
    if len(body) > MAX_COMMENT_CHARS:
        body = body[:MAX_COMMENT_CHARS].rsplit("\n", 1)[0] + (
            "\n\n*The report is too long for a comment: download the `review-report` artifact "
            "of the check run for all of it.*\n"
        )
    unique = list(dict.fromkeys(mentions))[:MAX_MENTIONS]
    if unique:
        body += (
            "\nThe author is not an owner of every listing this changes. Owners as recorded on "
            "main, please check you agree: " + ", ".join(f"@{o}" for o in unique) + "\n"
        )
    return body, data["labels"]


def pr_comment_command(
    settings: Settings,
    *,
    artifact: Path,
    event: Path,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`community-map pr-comment`: 0 commented, 1 refused or an API error, 2 usage."""
    from build_tools.review.github import GitHub, GitHubError

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        run = _event(event).get("workflow_run")
        if not isinstance(run, dict) or not SHA.match(str(run.get("head_sha", ""))):
            raise UsageError("the event is not a workflow_run event with a head_sha")
        head_sha = str(run["head_sha"])
        number, data = _read_artifact(artifact)
    except UsageError as error:
        err.write(console.safe_line(f"pr-comment: error: {error}") + "\n")
        return 2
    try:
        client = GitHub.from_env()
        pull = client.get_pull(number)
        actual = str((pull.get("head") or {}).get("sha") or "")
        if actual != head_sha:
            err.write(
                console.safe_line(
                    f"pr-comment: refused: pull request #{number} has head "
                    f"{console.shown(actual[:12])}, "
                    f"but this run checked {head_sha[:12]}; the artifact is not for it (or the "
                    "pull request moved on: its next check run will comment)"
                )
                + "\n"
            )
            return 1
        author = str((pull.get("user") or {}).get("login") or "")
        body, labels = comment_body(data, author, _main_owners(settings))
        comment = client.upsert_comment(number, MARKER, body)
        current = client.list_labels(number)
        for label in current:
            if label in LABELS and label not in labels:
                client.remove_label(number, label)
        missing = [label for label in labels if label not in current]
        if missing:
            client.add_labels(number, missing)
    except GitHubError as error:
        err.write(console.safe_line(f"pr-comment: error: {console.shown(str(error), 300)}") + "\n")
        return 1
    line = (
        f"Commented on pull request #{number} (comment {comment.get('id')}); "
        f"labels: {', '.join(labels) or 'none'}"
    )
    out.write(console.safe_line(line) + "\n")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and os.environ.get("GITHUB_ACTIONS") == "true":
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return 0
