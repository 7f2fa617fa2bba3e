"""A tiny GitHub REST client (urllib only) for the trusted workflow steps.

The base URL comes from `GITHUB_API_URL` (set by Actions; a test points it at a fake API on
127.0.0.1) and the token from `GITHUB_TOKEN`. Every method does one REST call (or a few, for
pagination) and returns the decoded JSON, so the steps stay readable and testable.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
USER_AGENT = "community-map-moderation"
MAX_PAGES = 20  # 2,000 comments or issues at 100 a page: far more than a directory needs


class GitHubError(Exception):
    """An API call failed: the HTTP status (0 for a network error) and GitHub's message."""

    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        super().__init__(f"GitHub API {method} {path}: {status} {message}".strip())


@dataclass
class GitHub:
    """One repository on one GitHub API endpoint."""

    repo: str  # "owner/name"
    token: str = ""
    api_url: str = DEFAULT_API_URL
    timeout: float = 30.0

    @classmethod
    def from_env(cls, repo: str | None = None, env: dict[str, str] | None = None) -> GitHub:
        """The client Actions gives a step: `GITHUB_API_URL`, `GITHUB_TOKEN` and
        `GITHUB_REPOSITORY` (unless `repo` is given)."""
        env = dict(os.environ if env is None else env)
        repo = repo or env.get("GITHUB_REPOSITORY", "")
        if not repo or repo.count("/") != 1:
            raise GitHubError(0, "GITHUB_REPOSITORY is not set to owner/name")
        return cls(
            repo=repo,
            token=env.get("GITHUB_TOKEN", ""),
            api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        )

    # -- transport -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """One call; `path` is relative to the API root (`/repos/...`). Returns decoded JSON
        (None for an empty body) or raises `GitHubError`."""
        url = self.api_url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = None if body is None else json.dumps(body).encode()
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise GitHubError(exc.code, _message(exc.read()), method, path) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(0, str(reason), method, path) from None
        if not raw:
            return None
        return json.loads(raw)

    def _repo_path(self, tail: str) -> str:
        return f"/repos/{self.repo}{tail}"

    def _paged(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            batch = self.request(
                "GET", path, params={**(params or {}), "per_page": 100, "page": page}
            )
            if not isinstance(batch, list):
                raise GitHubError(0, "expected a list", "GET", path)
            items.extend(batch)
            if len(batch) < 100:
                break
        return items

    # -- pull requests ---------------------------------------------------------------------

    def get_pull(self, number: int) -> dict[str, Any]:
        return self.request("GET", self._repo_path(f"/pulls/{int(number)}"))

    def create_pull(self, *, title: str, head: str, base: str, body: str = "") -> dict[str, Any]:
        return self.request(
            "POST",
            self._repo_path("/pulls"),
            {"title": title, "head": head, "base": base, "body": body},
        )

    def list_pull_files(self, number: int) -> list[dict[str, Any]]:
        return self._paged(self._repo_path(f"/pulls/{int(number)}/files"))

    # -- issue comments (a pull request is an issue too) -----------------------------------

    def list_issue_comments(self, number: int) -> list[dict[str, Any]]:
        return self._paged(self._repo_path(f"/issues/{int(number)}/comments"))

    def create_issue_comment(self, number: int, body: str) -> dict[str, Any]:
        return self.request(
            "POST", self._repo_path(f"/issues/{int(number)}/comments"), {"body": body}
        )

    def update_issue_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        return self.request(
            "PATCH", self._repo_path(f"/issues/comments/{int(comment_id)}"), {"body": body}
        )

    def find_comment(self, number: int, marker: str) -> dict[str, Any] | None:
        """The first comment whose body contains `marker` (a hidden HTML comment)."""
        for comment in self.list_issue_comments(number):
            if marker in (comment.get("body") or ""):
                return comment
        return None

    def upsert_comment(self, number: int, marker: str, body: str) -> dict[str, Any]:
        """One sticky comment per issue: update the one carrying `marker`, or create it.
        `body` should contain the marker so the next run finds it."""
        if marker not in body:
            body = f"{marker}\n{body}"
        existing = self.find_comment(number, marker)
        if existing:
            return self.update_issue_comment(existing["id"], body)
        return self.create_issue_comment(number, body)

    # -- labels ----------------------------------------------------------------------------

    def list_labels(self, number: int) -> list[str]:
        labels = self.request("GET", self._repo_path(f"/issues/{int(number)}/labels"))
        return [label["name"] for label in labels or []]

    def add_labels(self, number: int, labels: list[str]) -> list[str]:
        if not labels:
            return self.list_labels(number)
        result = self.request(
            "POST", self._repo_path(f"/issues/{int(number)}/labels"), {"labels": list(labels)}
        )
        return [label["name"] for label in result or []]

    def remove_label(self, number: int, label: str) -> None:
        """Remove one label; a label that is not there is not an error."""
        try:
            self.request(
                "DELETE",
                self._repo_path(
                    f"/issues/{int(number)}/labels/{urllib.parse.quote(label, safe='')}"
                ),
            )
        except GitHubError as exc:
            if exc.status != 404:
                raise

    # -- issues ----------------------------------------------------------------------------

    def get_issue(self, number: int) -> dict[str, Any]:
        return self.request("GET", self._repo_path(f"/issues/{int(number)}"))

    def create_issue(
        self, title: str, body: str, labels: list[str] | None = None
    ) -> dict[str, Any]:
        return self.request(
            "POST",
            self._repo_path("/issues"),
            {"title": title, "body": body, "labels": list(labels or [])},
        )

    def update_issue(self, number: int, **fields: Any) -> dict[str, Any]:
        """Change `title`, `body`, `state` ("open"/"closed") or `labels` of an issue."""
        return self.request("PATCH", self._repo_path(f"/issues/{int(number)}"), fields)

    def find_issue(self, label: str, title: str, state: str = "open") -> dict[str, Any] | None:
        """The issue (not pull request) with this label and exactly this title."""
        for issue in self._paged(self._repo_path("/issues"), {"labels": label, "state": state}):
            if "pull_request" in issue:
                continue
            if issue.get("title") == title:
                return issue
        return None

    def upsert_issue(self, label: str, title: str, body: str) -> dict[str, Any]:
        """One standing issue per label and title (a freshness or link report): update its
        body, or open it."""
        existing = self.find_issue(label, title)
        if existing:
            return self.update_issue(existing["number"], body=body)
        return self.create_issue(title, body, [label])


def _message(raw: bytes) -> str:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw[:200].decode("utf-8", "replace")
    if isinstance(value, dict):
        return str(value.get("message", ""))
    return ""
