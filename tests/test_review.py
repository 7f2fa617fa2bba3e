"""`community-map review` on real temporary git repositories: verdicts, labels, fields,
distances, ownership, and provider text that stays inert in GitHub-flavoured Markdown."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from build_tools.review.markdown import inert
from build_tools.review.report import distance_km, word_diff

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
site_name: Test Map
repo_url: https://github.com/example/test-map
plugins:
  - community-map:
      entries_dir: entries
      schema_dir: schema
      region:
        name: Kent and Medway
        country: gb
        centre: {lat: 51.24, lon: 0.75}
        zoom: 9
        bounds: [{lat: 50.85, lon: -0.05}, {lat: 51.60, lon: 1.50}]
      geocoder:
        name: nominatim
        domain: %(domain)s
        scheme: http
        user_agent: "community-map-test/0.1 (+https://test.example/about; data@test.example)"
        max_requests: 20
        cache: entries/.geocode-cache.json
"""

WALK = """\
id: mote-park-walk
name: Mote Park Health Walk
summary: A gentle guided walk around Mote Park for all abilities.
description: |
  Meet at the cafe. The walk takes about forty minutes on flat paths, with plenty of
  benches on the way. Walk leaders are trained volunteers who go at the pace of the slowest.
categories: [physical-activity]
audiences: [everyone]
areas: [maidstone]
organisation:
  name: Maidstone Walking Group
contact:
  phone: "01622 000111"
  email: walks@maidstone-walks.example.org
location:
  venue: Mote Park Cafe
  address: Mote Park
  town: Maidstone
  postcode: ME15 7RN
  coordinates: {lat: 51.2680, lon: 0.5490}
delivery: [in-person]
schedule:
  - days: [tue]
    start: "10:00"
    end: "10:45"
    frequency: weekly
cost: free
booking: drop-in
referral: [self]
owners: [walk-leader]
last_reviewed: 2026-11-01
status: active
"""

LINE = """\
id: carers-line
name: Carers Line
summary: A helpline for anyone who looks after a family member or friend.
categories: [carers-support]
audiences: [carers]
areas: [all]
organisation:
  name: Carers Alliance
  website: https://carers.example.org
contact:
  phone: "0300 000 1234"
  website: https://carers.example.org
delivery: [telephone]
schedule:
  - days: [mon, tue, wed, thu, fri]
    start: "09:00"
    end: "17:00"
    frequency: weekly
cost: free
booking: drop-in
referral: [self, professional]
owners: [Carers-Org]
last_reviewed: 2026-11-01
status: active
"""

KNIT = LINE.replace("id: carers-line", "id: knit-club").replace("Carers Line", "Knit Club")
KNIT = KNIT.replace("owners: [Carers-Org]", "owners: [knitter]")


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return result.stdout.strip()


class Repo:
    """A small site repository with real commits."""

    def __init__(self, path: Path, domain: str = "127.0.0.1:9") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "schema", path / "schema")
        (path / "mkdocs.yml").write_text(CONFIG % {"domain": domain}, encoding="utf-8")
        (path / "build_tools").mkdir()
        (path / "build_tools" / "hook.py").write_text("print('code')\n", encoding="utf-8")
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.name", "Test")
        git(path, "config", "user.email", "test@example.org")
        git(path, "config", "commit.gpgsign", "false")

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def commit(self, message: str = "change") -> str:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        git(self.path, "checkout", "-q", "-b", name, start)

    def checkout(self, name: str) -> None:
        git(self.path, "checkout", "-q", name)


def run(
    repo: Repo, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as a workflow runs it: a process, in the repository."""
    return subprocess.run(
        [sys.executable, "-m", "build_tools.cli", "--config", str(repo.path / "mkdocs.yml"), *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def review_json(repo: Repo, base: str, head: str, *extra: str) -> tuple[int, dict]:
    result = run(repo, "review", "--base", base, "--head", head, "--format", "json", *extra)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path / "site")
    r.write("entries/maidstone/mote-park-walk.yml", WALK)
    r.write("entries/all/carers-line.yml", LINE)
    r.write("entries/all/knit-club.yml", KNIT)
    r.commit("listings")
    return r


def entry_of(data: dict, ident: str) -> dict:
    return next(e for e in data["entries"] if e["id"] == ident)


# --- change kinds -------------------------------------------------------------------------


def test_a_new_listing_is_described_in_full_and_needs_a_check(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/maidstone/allington-walk.yml",
        WALK.replace("mote-park-walk", "allington-walk")
        .replace("Mote Park Health Walk", "Allington Riverside Walk")
        .replace("ME15 7RN", "ME16 0DE")
        .replace("{lat: 51.2680, lon: 0.5490}", "{lat: 51.2881, lon: 0.5002}"),
    )
    head = repo.commit("add")
    code, data = review_json(repo, "main", head, "--author", "walk-leader")
    assert code == 0
    assert data["verdict"] == "1 listing: 1 new. Needs a moderator's check."
    assert data["labels"] == ["new-listing", "needs-moderator-check"]
    (entry,) = data["entries"]
    assert entry["change"] == "added"
    assert entry["owner_edit"] is False  # a new listing is never an owner's edit
    fields = {f["label"]: f["value"] for f in entry["fields"]}
    assert fields["When"] == ["Every Tuesday, 10:00 to 10:45"]
    assert fields["Cost"] == "Free"
    assert fields["How to join"] == ["Drop in: no need to book", "You can refer yourself"]
    assert fields["Where"] == "Mote Park Cafe, Mote Park, Maidstone, ME16 0DE"
    assert fields["How it runs"] == ["In person"]
    assert entry["location"]["source"] == "entry"
    assert entry["location"]["osm"].startswith("https://www.openstreetmap.org/?mlat=51.288100")
    assert entry["moved_km"] is None


def test_a_changed_schedule_reads_before_and_after_in_the_pages_words(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/maidstone/mote-park-walk.yml",
        WALK.replace('"10:00"', '"10:30"')
        .replace('"10:45"', '"11:15"')
        .replace("referral: [self]", "referral: [self, gp]"),
    )
    head = repo.commit("times")
    _, data = review_json(repo, "main", head, "--author", "Walk-Leader")
    entry = entry_of(data, "mote-park-walk")
    assert entry["change"] == "changed"
    assert entry["fields_changed"] == ["referral", "schedule"]
    rows = {c["label"]: c for c in entry["changes"]}
    assert rows["When"]["before"] == "Every Tuesday, 10:00 to 10:45"
    assert rows["When"]["after"] == "Every Tuesday, 10:30 to 11:15"
    assert rows["How to join"]["added"] == ["Your GP can refer you"]
    assert rows["How to join"]["removed"] == []
    # logins compare case-insensitively
    assert entry["owner_edit"] is True
    assert data["labels"] == ["listing-update", "owner-edit"]
    assert data["verdict"] == "1 listing: 1 updated. Owner's edit."
    markdown = run(repo, "review", "--base", "main", "--head", head).stdout
    assert "Every Tuesday, 10:00 to 10:45 → Every Tuesday, 10:30 to 11:15" in _text(markdown)


def test_a_move_gives_the_distance_and_the_pin(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/maidstone/mote-park-walk.yml",
        WALK.replace("{lat: 51.2680, lon: 0.5490}", "{lat: 51.2780, lon: 0.5490}"),
    )
    head = repo.commit("move")
    _, data = review_json(repo, "main", head)
    entry = entry_of(data, "mote-park-walk")
    expected = round(distance_km((51.2680, 0.5490), (51.2780, 0.5490)), 2)
    assert entry["moved_km"] == expected == 1.11
    assert entry["location"]["lat"] == 51.278
    assert entry["location"]["before"]["lat"] == 51.268
    assert entry["fields_changed"] == ["location"]


def test_a_description_change_is_a_short_word_diff(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/maidstone/mote-park-walk.yml",
        WALK.replace("about forty minutes", "about an hour"),
    )
    head = repo.commit("words")
    _, data = review_json(repo, "main", head)
    (row,) = entry_of(data, "mote-park-walk")["changes"]
    assert row["label"] == "About this activity"
    assert row["words"] == ["…walk takes about [-forty minutes-] {+an hour+} on flat paths,…"]


def test_closing_a_listing_is_shown_prominently(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("entries/all/carers-line.yml", LINE.replace("status: active", "status: closed"))
    head = repo.commit("close")
    _, data = review_json(repo, "main", head, "--author", "someone-else")
    entry = entry_of(data, "carers-line")
    assert entry["status_change"] == "closed"
    assert data["verdict"] == "1 listing: 1 updated, 1 closed. Needs a moderator's check."
    markdown = run(repo, "review", "--base", "main", "--head", head).stdout
    assert "> **Status changed to closed**: this listing will come off the site." in markdown
    # and back again
    repo.checkout("main")
    repo.write("entries/all/carers-line.yml", LINE.replace("status: active", "status: closed"))
    repo.commit("closed on main")
    repo.branch("reopen")
    repo.write("entries/all/carers-line.yml", LINE)
    head = repo.commit("reopen")
    _, data = review_json(repo, "main", head)
    assert entry_of(data, "carers-line")["status_change"] == "reopened"


def test_removals_and_a_large_deletion(repo: Repo) -> None:
    repo.branch("pr")
    (repo.path / "entries/all/knit-club.yml").unlink()
    (repo.path / "entries/all/carers-line.yml").unlink()
    head = repo.commit("remove")
    _, data = review_json(repo, "main", head, "--author", "knitter")
    assert [e["change"] for e in data["entries"]] == ["removed", "removed"]
    assert data["labels"] == ["listing-removed", "needs-moderator-check"]
    assert entry_of(data, "knit-club")["owner_edit"] is True
    assert entry_of(data, "carers-line")["owner_edit"] is False
    assert data["verdict"] == "2 listings: 2 removed. Needs a moderator's check."
    assert data["warnings"][0].startswith("Large deletion: this pull request removes 2 listings.")


def test_a_file_moved_to_another_area_is_one_change(repo: Repo) -> None:
    repo.branch("pr")
    git(repo.path, "mv", "entries/all/knit-club.yml", "entries/maidstone/knit-club.yml")
    head = repo.commit("move file")
    _, data = review_json(repo, "main", head)
    (entry,) = data["entries"]
    assert entry["change"] == "changed"
    assert entry["old_path"] == "entries/all/knit-club.yml"
    assert entry["path"] == "entries/maidstone/knit-club.yml"
    assert entry["fields_changed"] == []


def test_code_changes_need_a_maintainer(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("build_tools/hook.py", "print('changed')\n")
    repo.write("entries/.geocode-cache.json", "{}\n")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("code")
    _, data = review_json(repo, "main", head, "--author", "knitter")
    assert data["outside_entries"] == ["build_tools/hook.py", "entries/.geocode-cache.json"]
    assert "maintainer-review" in data["labels"]
    assert data["verdict"] == (
        "1 listing: 1 updated. Maintainer review required: this pull request changes code "
        "or configuration. Owner's edit."
    )


def test_work_merged_into_main_since_the_branch_started_is_not_shown(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("pr change")
    repo.checkout("main")
    repo.write("entries/all/carers-line.yml", LINE.replace("Carers Line", "Carers Helpline"))
    repo.write("build_tools/hook.py", "print('main moved on')\n")
    repo.commit("main moves on")
    _, data = review_json(repo, "main", head)
    assert [e["id"] for e in data["entries"]] == ["knit-club"]
    assert data["outside_entries"] == []


# --- ownership ----------------------------------------------------------------------------


def test_an_author_who_adds_themselves_to_owners_is_not_an_owner(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/all/carers-line.yml",
        LINE.replace("owners: [Carers-Org]", "owners: [Carers-Org, intruder]"),
    )
    head = repo.commit("take over")
    _, data = review_json(repo, "main", head, "--author", "intruder")
    entry = entry_of(data, "carers-line")
    assert entry["owner_edit"] is False
    assert entry["owners"] == ["Carers-Org"]  # as in the base
    assert data["labels"] == ["listing-update", "needs-moderator-check"]
    assert any("adds themselves to `owners`" in w for w in entry["warnings"])


def test_an_owner_edit_needs_ownership_of_every_changed_entry(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    repo.write("entries/all/carers-line.yml", LINE.replace("Carers Line", "Carers Helpline"))
    head = repo.commit("two")
    _, data = review_json(repo, "main", head, "--author", "knitter")
    assert entry_of(data, "knit-club")["owner_edit"] is True
    assert data["owner_edit"] is False
    assert "needs-moderator-check" in data["labels"] and "owner-edit" not in data["labels"]


def test_no_author_is_never_an_owner(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("anon")
    _, data = review_json(repo, "main", head)
    assert data["owner_edit"] is False


# --- warnings and errors ------------------------------------------------------------------


def test_personal_contacts_duplicates_and_new_domains_are_flagged(repo: Repo) -> None:
    repo.branch("pr")
    repo.write(
        "entries/maidstone/mote-park-walk-2.yml",
        WALK.replace("id: mote-park-walk", "id: mote-park-walk-2")
        .replace("Mote Park Health Walk", "Mote Park Health Walks")
        .replace('phone: "01622 000111"', 'phone: "07911 123456"')
        .replace("walks@maidstone-walks.example.org", "jane.smith@gmail.com")
        .replace(
            "benches on the way.", "benches on the way. See https://new-domain.example.net/walks"
        ),
    )
    head = repo.commit("dupe")
    _, data = review_json(repo, "main", head)
    warnings = entry_of(data, "mote-park-walk-2")["warnings"]
    assert (
        "Contact details look personal (a mobile number): check the provider agreed to publish it."
        in warnings
    )
    assert (
        "Contact details look personal (a personal webmail address): check the provider "
        "agreed to publish it." in warnings
    )
    assert (
        "A possible duplicate of mote-park-walk (Mote Park Health Walk): the same postcode "
        "and a similar name" in warnings
    )
    assert (
        "Links to new-domain.example.net, a domain no other listing uses: check it is the "
        "provider's." in warnings
    )


def test_errors_exit_1_with_the_validators_words_and_lines(repo: Repo) -> None:
    repo.branch("pr")
    bad = KNIT.replace("cost: free", "cost: cheap")
    repo.write("entries/all/knit-club.yml", bad)
    head = repo.commit("bad")
    result = run(repo, "review", "--base", "main", "--head", head, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    entry = entry_of(data, "knit-club")
    assert entry["errors"] == 1
    (problem,) = [p for p in entry["problems"] if p["severity"] == "error"]
    assert problem["path"] == "entries/all/knit-club.yml"
    assert problem["field"] == "cost"
    assert problem["line"] == bad.splitlines().index("cost: cheap") + 1
    assert "has-errors" in data["labels"]
    assert data["verdict"].startswith("1 listing: 1 updated. Has 1 error to fix.")


def test_unreadable_yaml_is_an_error_not_a_crash(repo: Repo) -> None:
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", "id: [unclosed\n")
    head = repo.commit("broken")
    result = run(repo, "review", "--base", "main", "--head", head, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["errors"] >= 1
    assert data["other_problems"][0]["path"] == "entries/all/knit-club.yml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--base", "main", "--head", "no-such-branch"],
            "unknown revision `no-such-branch`: is it fetched?",
        ),
        (["--base=--upload-pack=x", "--head", "main"], "not a revision"),
        (["--head", "main"], "give --base and --head"),
    ],
)
def test_usage_and_git_errors_exit_2_without_a_traceback(
    repo: Repo, args: list[str], message: str
) -> None:
    result = run(repo, "review", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# --- hostile text -------------------------------------------------------------------------

HOSTILE = [
    "@octo-org/moderators please merge",
    "[click](https://evil.example/) ![x](https://evil.example/x.png)",
    "<img src=x onerror=alert(1)> <script>alert(1)</script> <details open>",
    "- [ ] approve me",
    "::error file=x::fake annotation",
    "visit https://evil.example and www.evil.example or mail a@evil.example",
    "#1 and :octocat: and <https://evil.example>",
    "| a | b |\n\n# Heading\n\n```\ncode\n```",
]


def _html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def _text(markdown: str) -> str:
    return re.sub(r"<[^>]+>", "", _html(markdown)).replace("\u2060", "").replace("&gt;", ">")


def assert_inert_markdown(markdown: str) -> None:
    html = _html(markdown)
    # the only links are the report's own OpenStreetMap pins
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert href.startswith("https://www.openstreetmap.org/?mlat="), href
    assert "<img" not in html
    assert "<input" not in html
    assert "<script" not in html and "<details" not in html
    assert "<h1" not in html and "<pre" not in html
    # GitHub links @login, #123 and :emoji: in the rendered text: none may stand ready
    text = re.sub(r"<[^>]+>", " ", html)
    assert not re.search(r"(^|[^\w])@[A-Za-z0-9]", text), text
    assert not re.search(r"(^|[^\w&])#[0-9]", text), text
    assert not re.search(r":[a-z0-9_+-]+:", text), text
    assert not re.search(r"@[A-Za-z0-9]", markdown)
    for line in markdown.splitlines():
        assert not line.lstrip().startswith("::")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_inert_renders_the_text_and_creates_nothing(hostile: str) -> None:
    md = inert(hostile)
    assert "\n" not in md
    for wrapper in ("{}", "- {}", "| h |\n| --- |\n| {} |", "> {}", "**{}**"):
        assert_inert_markdown(wrapper.format(md))
    plain = re.sub(r"<[^>]+>", "", _html(md)).replace("\u2060", "")
    # it reads as exactly the text, on one line (word joiners aside)

    assert html_lib.unescape(plain).strip() == " ".join(hostile.split())


def test_hostile_provider_text_stays_inert_in_the_whole_report(repo: Repo) -> None:
    repo.branch("pr")
    hostile = " ".join(h.replace("\n", " ") for h in HOSTILE)
    repo.write(
        "entries/all/hostile.yml",
        KNIT.replace("id: knit-club", "id: hostile")
        .replace("name: Knit Club", f"name: {json.dumps(HOSTILE[0])}")
        .replace(
            "summary: A helpline for anyone who looks after a family member or friend.",
            f"summary: {json.dumps(hostile)}",
        )
        .replace("owners: [knitter]", "owners: [knitter]\ndescription: " + json.dumps(hostile)),
    )
    repo.write(
        "entries/all/knit-club.yml",
        KNIT.replace("name: Knit Club", f"name: {json.dumps(HOSTILE[4])}"),
    )
    head = repo.commit("hostile")
    result = run(repo, "review", "--base", "main", "--head", head)
    assert result.returncode in (0, 1), result.stderr
    markdown = result.stdout
    assert "octo-org/moderators" in _text(markdown)
    assert_inert_markdown(markdown)
    json_out = run(repo, "review", "--base", "main", "--head", head, "--format", "json").stdout
    for line in json_out.splitlines():
        assert not line.lstrip().startswith("::")


# --- the workflow's way -------------------------------------------------------------------


def test_the_check_workflow_step_writes_summary_and_artifact(repo: Repo, tmp_path: Path) -> None:
    """As check.yml runs it: `community-map review --event "$GITHUB_EVENT_PATH" --geocode
    --output-dir review-report` with GITHUB_ACTIONS and GITHUB_STEP_SUMMARY set."""
    base = git(repo.path, "rev-parse", "main")
    repo.branch("pr")
    repo.write("entries/all/knit-club.yml", KNIT.replace("Knit Club", "Knit and Natter"))
    head = repo.commit("pr")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "number": 42,
                    "base": {"sha": base, "ref": "main"},
                    "head": {"sha": head, "ref": "patch-1"},
                    "user": {"login": "knitter"},
                    "title": "@everyone ::error::x",
                }
            }
        )
    )
    summary = tmp_path / "summary.md"
    result = run(
        repo,
        "review",
        "--event",
        str(event),
        "--geocode",
        "--output-dir",
        "review-report",
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stderr
    out = repo.path / "review-report"
    assert (out / "pr-number").read_text() == "42\n"
    data = json.loads((out / "report.json").read_text())
    assert data["head"] == head and data["author"] == "knitter"
    assert data["labels"] == ["listing-update", "owner-edit"]
    assert (out / "report.md").read_text() == summary.read_text().rstrip("\n") + "\n"
    assert "1 listing: 1 updated. Owner's edit." in _text(summary.read_text())


def test_word_diff_shows_only_the_changed_stretch() -> None:
    before = "one two three four five six seven eight nine ten"
    after = "one two three four FIVE six seven eight nine ten"
    assert word_diff(before, after) == ["…two three four [-five-] {+FIVE+} six seven eight…"]


def test_a_new_id_is_shown_as_a_change(repo: Repo) -> None:
    repo.branch("pr")
    git(repo.path, "mv", "entries/all/knit-club.yml", "entries/all/knit-and-natter.yml")
    repo.write(
        "entries/all/knit-and-natter.yml", KNIT.replace("id: knit-club", "id: knit-and-natter")
    )
    head = repo.commit("new id")
    _, data = review_json(repo, "main", head)
    (entry,) = data["entries"]
    assert entry["change"] == "changed"
    assert entry["fields_changed"] == ["id"]
    assert entry["changes"] == [
        {
            "label": "Id (the page's address)",
            "key": "id",
            "before": "knit-club",
            "after": "knit-and-natter",
        }
    ]
