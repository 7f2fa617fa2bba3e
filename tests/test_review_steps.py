"""The workflow steps run as the workflows run them: `review --geocode` against a local
geocoder, `pr-comment` against the fake GitHub API, `publish-geocode --commit` pushing to a
local origin; and the `!ENV` site address."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_github import FakeGitHub
from test_geocode import FakeNominatim, Reply
from test_review import KNIT, LINE, WALK, Repo, assert_inert_markdown, git, run

from build_tools.review.report import MARKER, distance_km
from build_tools.settings import load_settings

NO_PIN = WALK.replace("  coordinates: {lat: 51.2680, lon: 0.5490}\n", "")


@pytest.fixture
def geocoder(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNominatim]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeNominatim()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def actions_env(tmp_path: Path) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}


def make_repo(tmp_path: Path, domain: str = "127.0.0.1:9") -> Repo:
    repo = Repo(tmp_path / "site", domain)
    repo.write("entries/maidstone/mote-park-walk.yml", WALK)
    repo.write("entries/all/carers-line.yml", LINE)
    repo.write("entries/all/knit-club.yml", KNIT)
    repo.commit("listings")
    return repo


# --- review --geocode (the check workflow) -----------------------------------------------


def test_review_looks_up_a_few_new_addresses_politely(
    tmp_path: Path, geocoder: FakeNominatim
) -> None:
    repo = make_repo(tmp_path, geocoder.domain)
    repo.branch("pr")
    for n, town in enumerate(("Maidstone", "Aylesford", "Snodland", "Larkfield"), 1):
        repo.write(
            f"entries/maidstone/walk-{n}.yml",
            NO_PIN.replace("mote-park-walk", f"walk-{n}")
            .replace("Mote Park Health Walk", f"Riverside Walk {town}")
            .replace("town: Maidstone", f"town: {town}")
            .replace("ME15 7RN", f"ME{15 + n} 7RN"),
        )
    head = repo.commit("four new walks")
    result = run(repo, "review", "--base", "main", "--head", head, "--format", "json", "--geocode")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    found = [e for e in data["entries"] if e["location"]["source"] == "looked up for this report"]
    assert len(found) == 3  # at most three addresses a report
    assert {e["location"]["precision"] for e in found} == {"address"}
    assert found[0]["location"]["lat"] == 51.27
    missing = [e for e in data["entries"] if e["location"]["source"] == "none"]
    assert len(missing) == 1
    searches = geocoder.searches()
    assert len(searches) == 3
    assert all(s.user_agent.startswith("community-map-test/0.1") for s in searches)
    gaps = [b.started - a.started for a, b in itertools.pairwise(searches)]
    assert min(gaps) >= 0.95


def test_review_without_geocode_makes_no_request(tmp_path: Path, geocoder: FakeNominatim) -> None:
    repo = make_repo(tmp_path, geocoder.domain)
    repo.branch("pr")
    repo.write("entries/maidstone/mote-park-walk.yml", NO_PIN)
    head = repo.commit("drop pin")
    data = json.loads(
        run(repo, "review", "--base", "main", "--head", head, "--format", "json").stdout
    )
    assert data["entries"][0]["location"]["source"] == "none"
    assert geocoder.requests == []


def test_review_pins_from_the_committed_cache(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    repo.write(
        "entries/.geocode-cache.json",
        '{\n  "mote park | maidstone | ME15 7RN | gb": {"date": "2026-11-22", '
        '"lat": 51.2601, "lon": 0.5502, "precision": "postcode", "provider": "nominatim", '
        '"query": "postcode"}\n}\n',
    )
    repo.commit("cache")
    repo.branch("pr")
    repo.write("entries/maidstone/mote-park-walk.yml", NO_PIN)
    head = repo.commit("use the cache")
    data = json.loads(
        run(repo, "review", "--base", "main", "--head", head, "--format", "json").stdout
    )
    (entry,) = data["entries"]
    assert entry["location"]["source"] == "cache"
    assert entry["location"]["precision"] == "postcode"
    assert entry["moved_km"] == round(distance_km((51.2680, 0.5490), (51.2601, 0.5502)), 2) == 0.88


# --- pr-comment (the comment workflow) ---------------------------------------------------


def check_run(repo: Repo, tmp_path: Path, head: str, number: int, author: str) -> Path:
    """What the check workflow leaves behind: the report artifact."""
    base = git(repo.path, "rev-parse", "main")
    event = tmp_path / "pull_request.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": number,
                    "base": {"sha": base},
                    "head": {"sha": head},
                    "user": {"login": author},
                }
            }
        )
    )
    artifact = tmp_path / "artifact"
    result = run(
        repo,
        "review",
        "--event",
        str(event),
        "--output-dir",
        str(artifact),
        env=actions_env(tmp_path),
    )
    assert result.returncode in (0, 1), result.stderr
    return artifact


def workflow_run_event(tmp_path: Path, head: str) -> Path:
    event = tmp_path / "workflow_run.json"
    event.write_text(
        json.dumps(
            {
                "action": "completed",
                "workflow_run": {
                    "id": 99,
                    "event": "pull_request",
                    "head_sha": head,
                    "head_branch": "@everyone ::error::x",
                    "pull_requests": [],
                },
            }
        )
    )
    return event


def pr_comment(repo: Repo, tmp_path: Path, artifact: Path, event: Path):
    """As comment.yml runs it, in main's checkout."""
    repo.checkout("main")
    return run(
        repo,
        "pr-comment",
        "--artifact",
        str(artifact),
        "--event",
        str(event),
        env=actions_env(tmp_path),
    )


def test_pr_comment_posts_one_sticky_comment_and_the_labels(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = make_repo(tmp_path)
    repo.branch("pr")
    repo.write("entries/all/carers-line.yml", LINE.replace("Carers Line", "Carers Helpline"))
    head = repo.commit("rename")
    artifact = check_run(repo, tmp_path, head, 42, "helpful-stranger")
    fake_github.add_pull(42, head_sha=head, user="helpful-stranger", labels=["has-errors", "bug"])
    result = pr_comment(repo, tmp_path, artifact, workflow_run_event(tmp_path, head))
    assert result.returncode == 0, result.stderr
    (comment,) = fake_github.comments_on(42)
    body = comment["body"]
    assert body.startswith(MARKER)
    assert "**1 listing: 1 updated. Needs a moderator's check.**" in body
    # the owners recorded on main are asked, by a real mention
    assert body.rstrip().endswith("please check you agree: @Carers-Org")
    # managed labels follow the report; others are left alone
    assert sorted(fake_github.labels_on(42)) == ["bug", "listing-update", "needs-moderator-check"]
    assert "Commented on pull request #42" in (tmp_path / "summary.md").read_text()
    # a second run updates the same comment
    result = pr_comment(repo, tmp_path, artifact, workflow_run_event(tmp_path, head))
    assert result.returncode == 0
    assert len(fake_github.comments_on(42)) == 1
    assert [r.method for r in fake_github.writes()].count("POST") == 2  # comment + labels once
    assert any(r.method == "PATCH" for r in fake_github.writes())


def test_an_owner_edit_is_decided_from_main_not_from_the_artifact(
    tmp_path: Path, fake_github: FakeGitHub
) -> None:
    repo = make_repo(tmp_path)
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("owner edit")
    artifact = check_run(repo, tmp_path, head, 7, "knitter")
    report = json.loads((artifact / "report.json").read_text())
    assert report["labels"] == ["listing-update", "owner-edit"]
    # the API says someone else opened it: the artifact's claim does not count
    fake_github.add_pull(7, head_sha=head, user="mallory")
    assert pr_comment(repo, tmp_path, artifact, workflow_run_event(tmp_path, head)).returncode == 0
    assert fake_github.labels_on(7) == ["listing-update", "needs-moderator-check"]
    assert "@knitter" in fake_github.comments_on(7)[0]["body"]


def test_a_forged_artifact_is_refused_or_defused(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = make_repo(tmp_path)
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("change")
    artifact = check_run(repo, tmp_path, head, 7, "mallory")
    fake_github.add_pull(7, head_sha=head, user="mallory")
    fake_github.add_pull(8, head_sha="b" * 40, user="victim")
    event = workflow_run_event(tmp_path, head)

    # another pull request's number: its head is not the checked commit
    (artifact / "pr-number").write_text("8\n")
    result = pr_comment(repo, tmp_path, artifact, event)
    assert result.returncode == 1
    assert "refused" in result.stderr
    assert fake_github.writes() == []

    for bad in ("0", "-7", "7; rm -rf /", "7\n8", "", "1" * 11):
        (artifact / "pr-number").write_text(bad)
        result = pr_comment(repo, tmp_path, artifact, event)
        assert result.returncode == 2, bad
        assert "not a positive integer" in result.stderr
    assert fake_github.writes() == []

    (artifact / "pr-number").write_text("7\n")
    (artifact / "report.json").write_text(" " * 1_000_001 + "{}")
    result = pr_comment(repo, tmp_path, artifact, event)
    assert result.returncode == 2 and "too big" in result.stderr

    forged = {
        "labels": ["owner-edit", "admin", "listing-update", "good first issue"],
        "verdict": "Approved by @octo-org/moderators",
        "warnings": ["@everyone [click](https://evil.example) ![x](https://evil.example/x.png)"],
        "entries": [
            {
                "id": "knit-club",
                "name": "<img src=x onerror=alert(1)> @octocat",
                "change": "changed",
                "owner_edit": True,
                "changes": [{"label": "Name", "before": "- [ ] x", "after": "::error::y"}],
                "location": {"lat": 51.3, "lon": "0.5) ![x](https://evil.example"},
            }
        ],
    }
    (artifact / "report.json").write_text(json.dumps(forged))
    result = pr_comment(repo, tmp_path, artifact, event)
    assert result.returncode == 0, result.stderr
    body = fake_github.comments_on(7)[0]["body"]
    assert "Approved" not in body
    assert fake_github.labels_on(7) == ["listing-update", "needs-moderator-check"]
    mentions = body.rsplit("please check you agree:", 1)
    assert_inert_markdown(mentions[0])
    assert re.findall(r"@[\w-]+", mentions[1]) == ["@knitter"]


def test_pr_comment_reports_an_api_failure(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = make_repo(tmp_path)
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("change")
    artifact = check_run(repo, tmp_path, head, 7, "knitter")
    fake_github.add_pull(7, head_sha=head, user="knitter")
    fake_github.fail("POST", r".*/issues/7/comments", 403)
    result = pr_comment(repo, tmp_path, artifact, workflow_run_event(tmp_path, head))
    assert result.returncode == 1
    assert "403" in result.stderr and "Traceback" not in result.stderr


def test_pr_comment_needs_a_workflow_run_event(tmp_path: Path, fake_github: FakeGitHub) -> None:
    repo = make_repo(tmp_path)
    event = tmp_path / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    (tmp_path / "a").mkdir()
    result = pr_comment(repo, tmp_path, tmp_path / "a", event)
    assert result.returncode == 2
    assert "not a workflow_run event" in result.stderr


# --- publish-geocode (the publish workflow) ----------------------------------------------


def published_repo(tmp_path: Path, domain: str) -> tuple[Repo, Path]:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    repo = make_repo(tmp_path, domain)
    repo.write("entries/maidstone/mote-park-walk.yml", NO_PIN)
    repo.commit("a listing without a pin")
    git(repo.path, "remote", "add", "origin", str(origin))
    git(repo.path, "push", "-q", "origin", "main")
    return repo, origin


def test_publish_geocode_commits_the_cache_back_to_main(
    tmp_path: Path, geocoder: FakeNominatim
) -> None:
    repo, origin = published_repo(tmp_path, geocoder.domain)
    result = run(repo, "publish-geocode", "--commit", env=actions_env(tmp_path))
    assert result.returncode == 0, result.stderr
    cache = json.loads((repo.path / "entries/.geocode-cache.json").read_text())
    assert list(cache) == ["mote park | maidstone | ME15 7RN | gb"]
    assert git(origin, "log", "-1", "--format=%s", "main") == (
        "Geocode cache: coordinates for newly published listings"
    )
    assert git(origin, "show", "--stat", "--format=", "main").startswith(
        "entries/.geocode-cache.json"
    )
    summary = (tmp_path / "summary.md").read_text()
    assert "Committed the updated geocode cache" in summary
    # nothing new the next time: no commit
    again = run(repo, "publish-geocode", "--commit", env=actions_env(tmp_path))
    assert again.returncode == 0
    assert git(origin, "rev-list", "--count", "main") == "3"


def test_a_geocoder_outage_never_blocks_publishing(tmp_path: Path, geocoder: FakeNominatim) -> None:
    geocoder.respond = lambda params: Reply(status=503, body="down")
    repo, origin = published_repo(tmp_path, geocoder.domain)
    before = git(origin, "rev-parse", "main")
    result = run(repo, "publish-geocode", "--commit", env=actions_env(tmp_path))
    assert result.returncode == 0
    summary = (tmp_path / "summary.md").read_text()
    assert "published without a map pin" in summary
    assert "entries/maidstone/mote-park-walk.yml" in summary
    assert git(origin, "rev-parse", "main") == before
    # and the strict build still passes: a missing pin is a notice, not a failure
    from build_tools.build import NOTICES

    assert "no-coordinates" in NOTICES


# --- the site's address ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "env", "expected"),
    [
        ('site_url: !ENV [SITE_URL, "https://default.example/"]', {}, "https://default.example/"),
        (
            'site_url: !ENV [SITE_URL, "https://default.example/"]',
            {"SITE_URL": "https://owner.github.io/map"},
            "https://owner.github.io/map/",
        ),
        (
            "site_url: !ENV [FIRST, SECOND, 'https://d.example/']",
            {"SECOND": "https://s.example"},
            "https://s.example/",
        ),
        ("site_url: !ENV SITE_URL", {}, ""),
        ("site_url: !ENV SITE_URL", {"SITE_URL": "https://x.example/"}, "https://x.example/"),
    ],
)
def test_site_url_reads_env_tags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, env: dict, expected: str
) -> None:
    for name in ("SITE_URL", "FIRST", "SECOND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: X\n{line}\n", encoding="utf-8")
    assert load_settings(config).site_url == expected


def test_the_real_config_defaults_without_site_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITE_URL", raising=False)
    root = Path(__file__).resolve().parent.parent
    assert load_settings(root / "mkdocs.yml").site_url == "https://community-map.example.org/"
    monkeypatch.setenv("SITE_URL", "https://owner.github.io/community-map")
    assert load_settings(root / "mkdocs.yml").site_url == "https://owner.github.io/community-map/"
    assert os.environ["SITE_URL"]
