"""A fake GitHub REST API on 127.0.0.1 for the trusted workflow steps' tests.

It keeps pull requests, issues, comments and labels in memory, answers the calls that
`build_tools.review.github.GitHub` makes, checks the bearer token, and records every request
so a test can assert exactly what a step sent. Use it as a fixture:

    (tests/conftest.py registers this module as a plugin, so every test can ask for it)

    def test_something(fake_github):
        fake_github.add_pull(7, head_sha="a" * 40)
        ...  # GITHUB_API_URL, GITHUB_TOKEN and GITHUB_REPOSITORY already point at it
        assert fake_github.comments_on(7)[0]["body"].startswith(...)
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

REPO = "community-map/community-map"
TOKEN = "test-token-not-a-secret"


@dataclass
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    repo: str = REPO
    token: str = TOKEN
    url: str = ""
    requests: list[Seen] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    # status codes to answer for (METHOD, path regex) instead of the normal reply
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- arranging ----------------------------------------------------------------------

    def add_pull(
        self,
        number: int,
        *,
        head_sha: str,
        user: str = "provider",
        title: str = "Update listing",
        labels: list[str] | None = None,
        base_ref: str = "main",
        head_ref: str = "patch-1",
        head_repo: str = "provider/community-map",
    ) -> dict[str, Any]:
        pull = {
            "number": number,
            "state": "open",
            "title": title,
            "user": {"login": user},
            "head": {"sha": head_sha, "ref": head_ref, "repo": {"full_name": head_repo}},
            "base": {"ref": base_ref, "repo": {"full_name": self.repo}},
            "html_url": f"https://github.com/{self.repo}/pull/{number}",
        }
        self.pulls[number] = pull
        self.issues[number] = {
            "number": number,
            "title": title,
            "state": "open",
            "body": "",
            "user": {"login": user},
            "labels": [{"name": name} for name in labels or []],
            "pull_request": {"url": pull["html_url"]},
        }
        return pull

    def add_issue(
        self, title: str, body: str = "", labels: list[str] | None = None, state: str = "open"
    ) -> dict[str, Any]:
        number = next(self._numbers)
        issue = {
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "user": {"login": "someone"},
            "labels": [{"name": name} for name in labels or []],
        }
        self.issues[number] = issue
        return issue

    def add_comment(self, number: int, body: str, user: str = "someone") -> dict[str, Any]:
        comment_id = next(self._ids)
        comment = {"id": comment_id, "issue": number, "body": body, "user": {"login": user}}
        self.comments[comment_id] = comment
        return comment

    def fail(self, method: str, path_pattern: str, status: int) -> None:
        self.failures.append((method, path_pattern, status))

    # -- reading ------------------------------------------------------------------------

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def labels_on(self, number: int) -> list[str]:
        return [label["name"] for label in self.issues[number]["labels"]]

    def writes(self) -> list[Seen]:
        return [r for r in self.requests if r.method != "GET"]

    # -- answering ----------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        for fail_method, pattern, status in self.failures:
            if fail_method == method and re.fullmatch(pattern, path):
                return status, {"message": "failure arranged by the test"}
        prefix = f"/repos/{self.repo}"
        if not path.startswith(prefix + "/"):
            return 404, {"message": "Not Found"}
        tail = path[len(prefix) :]
        routes: list[tuple[str, str, Any]] = [
            ("GET", r"/pulls/(\d+)", self._get_pull),
            ("POST", r"/pulls", self._create_pull),
            ("GET", r"/pulls/(\d+)/files", lambda n: (200, [])),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(\d+)", self._update_comment),
            ("GET", r"/issues/(\d+)/labels", self._list_labels),
            ("POST", r"/issues/(\d+)/labels", self._add_labels),
            ("DELETE", r"/issues/(\d+)/labels/([^/]+)", self._remove_label),
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("PATCH", r"/issues/(\d+)", self._update_issue),
            ("GET", r"/issues", self._list_issues),
            ("POST", r"/issues", self._create_issue),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, tail)
            if route_method == method and match:
                args = [int(g) if g.isdigit() else unquote(g) for g in match.groups()]
                if method in ("POST", "PATCH"):
                    args.append(body)
                if method == "GET" and handler in (self._list_comments, self._list_issues):
                    args.append(query)
                return handler(*args)
        return 404, {"message": "Not Found"}

    @staticmethod
    def _page(items: list[Any], query: dict[str, list[str]]) -> list[Any]:
        per_page = int(query.get("per_page", ["30"])[0])
        page = int(query.get("page", ["1"])[0])
        return items[(page - 1) * per_page : page * per_page]

    def _get_pull(self, number: int) -> tuple[int, Any]:
        if number not in self.pulls:
            return 404, {"message": "Not Found"}
        return 200, self.pulls[number]

    def _create_pull(self, body: dict[str, Any]) -> tuple[int, Any]:
        number = next(self._numbers)
        pull = self.add_pull(
            number, head_sha="0" * 40, title=body.get("title", ""), head_ref=body.get("head", "")
        )
        pull["base"]["ref"] = body.get("base", "main")
        pull["body"] = body.get("body", "")
        self.issues[number]["body"] = body.get("body", "")
        return 201, pull

    def _list_comments(self, number: int, query: dict[str, list[str]]) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        return 200, self._page(self.comments_on(number), query)

    def _create_comment(self, number: int, body: dict[str, Any]) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            return 422, {"message": "body is required"}
        return 201, self.add_comment(number, body["body"], user="github-actions[bot]")

    def _update_comment(self, comment_id: int, body: dict[str, Any]) -> tuple[int, Any]:
        if comment_id not in self.comments:
            return 404, {"message": "Not Found"}
        self.comments[comment_id]["body"] = body["body"]
        return 200, self.comments[comment_id]

    def _list_labels(self, number: int) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        return 200, self.issues[number]["labels"]

    def _add_labels(self, number: int, body: dict[str, Any]) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        current = self.labels_on(number)
        for name in body.get("labels", []):
            if name not in current:
                current.append(name)
        self.issues[number]["labels"] = [{"name": name} for name in current]
        return 200, self.issues[number]["labels"]

    def _remove_label(self, number: int, name: str) -> tuple[int, Any]:
        if number not in self.issues or name not in self.labels_on(number):
            return 404, {"message": "Label does not exist"}
        self.issues[number]["labels"] = [
            label for label in self.issues[number]["labels"] if label["name"] != name
        ]
        return 200, self.issues[number]["labels"]

    def _get_issue(self, number: int) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        return 200, self.issues[number]

    def _update_issue(self, number: int, body: dict[str, Any]) -> tuple[int, Any]:
        if number not in self.issues:
            return 404, {"message": "Not Found"}
        issue = self.issues[number]
        for key in ("title", "body", "state"):
            if key in body:
                issue[key] = body[key]
        if "labels" in body:
            issue["labels"] = [{"name": name} for name in body["labels"]]
        return 200, issue

    def _list_issues(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        state = query.get("state", ["open"])[0]
        wanted = [w for w in query.get("labels", [""])[0].split(",") if w]
        found = [
            issue
            for issue in self.issues.values()
            if (state == "all" or issue["state"] == state)
            and all(w in [label["name"] for label in issue["labels"]] for w in wanted)
        ]
        return 200, self._page(found, query)

    def _create_issue(self, body: dict[str, Any]) -> tuple[int, Any]:
        if not body.get("title"):
            return 422, {"message": "title is required"}
        return 201, self.add_issue(body["title"], body.get("body", ""), body.get("labels"))


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            seen = Seen(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            with fake.lock:
                fake.requests.append(seen)
                if seen.headers.get("authorization") != f"Bearer {fake.token}":
                    status, reply = 401, {"message": "Bad credentials"}
                else:
                    status, reply = fake.handle(seen.method, seen.path, seen.query, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture
def fake_github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A fake GitHub API; GITHUB_API_URL, GITHUB_TOKEN and GITHUB_REPOSITORY point at it."""
    fake = FakeGitHub()
    server = serve(fake)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.repo)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
