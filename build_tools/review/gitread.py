"""Entries as they are in a commit, read with git plumbing: never a checkout.

A pull request's files are the changes from the merge base to its head (`base...head`), as
GitHub shows them, so work merged into `main` since the branch started is not reported as
undone. Each entry file's bytes come from `git cat-file` and go through the project's own
strict loader (`loader.load_bytes`), exactly as a file on disk would: the head's YAML is
data, and nothing of the head's code is ever run or even written to disk.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from build_tools.console import shown
from build_tools.entries.loader import MAX_BYTES, load_bytes
from build_tools.entries.model import Entry, Problem

_REV = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/~^@{}-]*$")


class GitError(Exception):
    """A git command failed or a revision is not usable; the message says which."""


@dataclass(frozen=True)
class Change:
    """One path in `git diff --name-status base...head`."""

    status: str  # A, M, D, R (renamed/moved), C, T
    path: str  # the path at the head (for D: the deleted path)
    old_path: str = ""  # for R and C: the path at the base


def git(repo: Path, *args: str, input_: bytes | None = None) -> bytes:
    """Run git in `repo`; raise `GitError` with git's own message on failure."""
    try:
        result = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=repo,
            input=input_,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise GitError(f"cannot run git: {error.strerror}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


def top_level(folder: Path) -> Path:
    return Path(git(folder, "rev-parse", "--show-toplevel").decode().strip())


def resolve(repo: Path, rev: str) -> str:
    """The full commit id of `rev`, refusing anything that looks like an option."""
    if not _REV.match(rev):
        raise GitError(f"not a revision: `{shown(rev)}`")
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(
            f"unknown revision `{shown(rev)}`: is it fetched? (git fetch origin {shown(rev)})"
        ) from None


def merge_base(repo: Path, base: str, head: str) -> str:
    try:
        return git(repo, "merge-base", base, head).decode().strip()
    except GitError:
        raise GitError(f"{base[:12]} and {head[:12]} have no common history") from None


def changes(repo: Path, base: str, head: str) -> list[Change]:
    """Files changed from the merge base of `base` and `head` to `head`, renames found."""
    raw = git(repo, "diff", "--name-status", "-z", "-M", "--no-ext-diff", f"{base}...{head}")
    parts = raw.decode("utf-8", "surrogateescape").split("\0")
    out: list[Change] = []
    index = 0
    while index < len(parts) and parts[index]:
        status = parts[index][:1]
        if status in ("R", "C"):
            out.append(Change(status, parts[index + 2], parts[index + 1]))
            index += 3
        else:
            out.append(Change(status, parts[index + 1]))
            index += 2
    return out


def list_files(repo: Path, rev: str, folder: str) -> list[str]:
    """Every file path under `folder` at `rev`."""
    raw = git(repo, "ls-tree", "-r", "-z", "--name-only", "--full-tree", rev, "--", folder)
    return [p for p in raw.decode("utf-8", "surrogateescape").split("\0") if p]


def read_blobs(
    repo: Path, rev: str, paths: list[str], limit: int | None = MAX_BYTES + 1
) -> dict[str, bytes | None]:
    """The bytes of each path at `rev` (None where it does not exist), in one git process.
    Files over the loader's size limit are read only as far as the limit and one byte, so
    the loader reports them as too big without git handing over a huge blob."""
    if not paths:
        return {}
    request = "".join(f"{rev}:{p}\n" for p in paths).encode("utf-8", "surrogateescape")
    raw = git(repo, "cat-file", "--batch", input_=request)
    out: dict[str, bytes | None] = {}
    pos = 0
    for path in paths:
        end = raw.index(b"\n", pos)
        header = raw[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            out[path] = None
            continue
        size = int(header[2])
        blob = raw[pos : pos + size]
        out[path] = blob if header[1] == b"blob" else None
        pos += size + 1
    if limit is None:
        return out
    return {p: (b[:limit] if b is not None else None) for p, b in out.items()}


def is_entry_path(path: str, entries_folder: str) -> bool:
    """An entry file: `*.yml` under the entries folder, not hidden."""
    pure = PurePosixPath(path)
    try:
        rel = pure.relative_to(entries_folder)
    except ValueError:
        return False
    return pure.suffix == ".yml" and not any(part.startswith(".") for part in rel.parts)


def load_entries(repo: Path, rev: str, paths: list[str]) -> tuple[dict[str, Entry], list[Problem]]:
    """The entries at these paths at `rev`, by path, loaded strictly; every problem."""
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for path, raw in read_blobs(repo, rev, paths).items():
        if raw is None:
            continue
        entry, found = load_bytes(raw, path, PurePosixPath(path).stem)
        problems.extend(found)
        if entry is not None:
            entries[path] = entry
    return entries, problems


def load_all(repo: Path, rev: str, entries_folder: str) -> tuple[dict[str, Entry], list[Problem]]:
    """Every entry under the entries folder at `rev`."""
    paths = [p for p in list_files(repo, rev, entries_folder) if is_entry_path(p, entries_folder)]
    return load_entries(repo, rev, paths)


def read_text(repo: Path, rev: str, path: str) -> str | None:
    raw = read_blobs(repo, rev, [path], limit=None).get(path)
    return raw.decode("utf-8", "replace") if raw is not None else None
