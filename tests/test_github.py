"""The GitHub client against the fake API: what it sends, and what it makes of the answers."""

from __future__ import annotations

import pytest
from fake_github import FakeGitHub

from build_tools.review.github import GitHub, GitHubError

MARKER = "<!-- community-map:test -->"


def test_from_env_reads_the_actions_variables(fake_github: FakeGitHub) -> None:
    client = GitHub.from_env()
    assert client.api_url == fake_github.url
    assert client.repo == fake_github.repo
    assert client.token == fake_github.token


def test_from_env_refuses_a_missing_repository() -> None:
    with pytest.raises(GitHubError, match="GITHUB_REPOSITORY"):
        GitHub.from_env(env={"GITHUB_TOKEN": "x"})


def test_get_pull_sends_the_token_and_api_headers(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40)
    pull = GitHub.from_env().get_pull(7)
    assert pull["head"]["sha"] == "a" * 40
    seen = fake_github.requests[-1]
    assert seen.path == f"/repos/{fake_github.repo}/pulls/7"
    assert seen.headers["authorization"] == f"Bearer {fake_github.token}"
    assert seen.headers["accept"] == "application/vnd.github+json"
    assert seen.headers["x-github-api-version"] == "2022-11-28"


def test_a_wrong_token_is_an_error_with_githubs_message(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40)
    client = GitHub(fake_github.repo, token="wrong", api_url=fake_github.url)
    with pytest.raises(GitHubError) as caught:
        client.get_pull(7)
    assert caught.value.status == 401
    assert "Bad credentials" in str(caught.value)


def test_an_unreachable_api_is_status_zero() -> None:
    client = GitHub("a/b", token="t", api_url="http://127.0.0.1:9", timeout=2)
    with pytest.raises(GitHubError) as caught:
        client.get_pull(1)
    assert caught.value.status == 0


def test_upsert_comment_creates_once_then_updates(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40)
    fake_github.add_comment(7, "an unrelated comment")
    client = GitHub.from_env()
    first = client.upsert_comment(7, MARKER, f"{MARKER}\nfirst")
    second = client.upsert_comment(7, MARKER, "second")
    comments = fake_github.comments_on(7)
    assert len(comments) == 2
    assert first["id"] == second["id"]
    assert fake_github.comments[first["id"]]["body"] == f"{MARKER}\nsecond"
    assert [r.method for r in fake_github.writes()] == ["POST", "PATCH"]


def test_comments_are_read_page_by_page(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40)
    for n in range(130):
        fake_github.add_comment(7, f"comment {n}")
    fake_github.add_comment(7, f"{MARKER} sticky")
    found = GitHub.from_env().find_comment(7, MARKER)
    assert found is not None and found["body"].endswith("sticky")
    pages = [r.query["page"] for r in fake_github.requests if r.path.endswith("/comments")]
    assert pages == [["1"], ["2"]]


def test_labels_are_added_and_removed(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40, labels=["owner-edit"])
    client = GitHub.from_env()
    assert client.add_labels(7, ["new-listing", "owner-edit"]) == ["owner-edit", "new-listing"]
    client.remove_label(7, "owner-edit")
    client.remove_label(7, "not-there")  # a 404 is not an error
    assert fake_github.labels_on(7) == ["new-listing"]


def test_a_failing_label_removal_is_raised(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(7, head_sha="a" * 40, labels=["x"])
    fake_github.fail("DELETE", r".*/labels/x", 500)
    with pytest.raises(GitHubError) as caught:
        GitHub.from_env().remove_label(7, "x")
    assert caught.value.status == 500


def test_upsert_issue_finds_by_label_and_exact_title(fake_github: FakeGitHub) -> None:
    fake_github.add_pull(3, head_sha="b" * 40, title="Stale listings", labels=["stale"])
    fake_github.add_issue("Stale listings (old)", labels=["stale"])
    client = GitHub.from_env()
    created = client.upsert_issue("stale", "Stale listings", "body 1")
    updated = client.upsert_issue("stale", "Stale listings", "body 2")
    assert created["number"] == updated["number"] != 3
    assert fake_github.issues[created["number"]]["body"] == "body 2"
    assert fake_github.labels_on(created["number"]) == ["stale"]
    client.update_issue(created["number"], state="closed")
    assert client.find_issue("stale", "Stale listings") is None
