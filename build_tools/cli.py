"""The `community-map` command line: parses arguments and hands over to the modules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from build_tools.settings import load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="community-map",
        description="Check, geocode and benchmark Community Map entries.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="the site's mkdocs.yml (default: the nearest one upwards)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check entry files and explain every problem",
        description="Check entry files against the entry format. Exit 0 when there are no "
        "errors, 1 when there are, 2 on a usage error.",
    )
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the entries folder)"
    )
    validate.add_argument("--strict", action="store_true", help="warnings fail too")
    validate.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), json for machines",
    )
    validate.add_argument("--today", default=None, help=argparse.SUPPRESS)

    new = commands.add_parser(
        "new",
        help="write a commented template entry to fill in",
        description="Write a valid, commented template entry for an activity id and area. "
        "Refuses to overwrite an existing file.",
    )
    new.add_argument("id", help="the new activity's id, like mote-park-health-walk")
    new.add_argument("--area", required=True, help="an area id from schema/areas.yml, or all")
    new.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write it (default: entries/<area>/<id>.yml)",
    )

    geocode = commands.add_parser(
        "geocode",
        help="find coordinates for in-person entries and fill the cache",
        description="Look up coordinates for in-person entries that have none, politely "
        "(at most one request a second), and keep them in the committed cache.",
    )
    geocode.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the entries folder)"
    )
    geocode.add_argument("--domain", help="the geocoder's HOST[:PORT]")
    geocode.add_argument("--scheme", choices=("https", "http"))
    geocode.add_argument("--user-agent", help="names this deployment and a contact")
    geocode.add_argument(
        "--max-requests",
        type=int,
        help="the most HTTP requests this run (retries and fallbacks count)",
    )
    geocode.add_argument(
        "--offline",
        action="store_true",
        help="make no request; report what is resolved and what is not",
    )

    bench = commands.add_parser(
        "bench",
        help="time the whole build on synthetic entries",
        description="Generate synthetic valid entries in a temporary folder, build the site, "
        "and print timings per phase, peak memory and page weights.",
    )
    bench.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    bench.add_argument(
        "--validate-only", action="store_true", help="time loading and validation only"
    )
    bench.add_argument(
        "--output", type=Path, default=None, help="also write the table as Markdown to this file"
    )

    oruk_api = commands.add_parser(
        "openreferral-api",
        help="serve the built Open Referral UK data as a read-only API",
        description="Serve the Open Referral UK JSON the build wrote (SITE/data/openreferral/) "
        "as a read-only HSDS 3.0 UK API, with uvicorn. Needs the `api` extra: "
        "pip install 'community-map[api]'.",
    )
    oruk_api.add_argument(
        "--site-dir", type=Path, default=Path("site"), help="the built site (default: site)"
    )
    oruk_api.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    oruk_api.add_argument("--port", type=int, default=8000, help="default: 8000")

    import_ = commands.add_parser(
        "import",
        help="make entry files from a CSV download or Open Referral UK JSON",
        description="Write one entry file per row (a CSV with the downloads' columns) or per "
        "service (Open Referral UK JSON: a /services page, a list or one service) into DIR. "
        "Every row is validated first; if any is invalid, or a file exists, nothing is "
        "written. Exit 0 when written, 1 when rows are invalid, 2 when the file is unreadable.",
    )
    import_.add_argument("file", type=Path, help="the CSV or JSON file")
    import_.add_argument("--to", type=Path, required=True, help="the entries folder to write")
    import_.add_argument("--dry-run", action="store_true", help="say what would be written")
    issue_forms = commands.add_parser(
        "issue-forms",
        help="write the GitHub issue forms from the schema",
        description="Write .github/ISSUE_TEMPLATE/ (the add-or-update and report-a-problem "
        "forms, and config.yml) from schema/ and the controlled lists. With --check, write "
        "nothing and exit 1 when the committed forms differ.",
    )
    issue_forms.add_argument("--check", action="store_true", help="compare; write nothing")
    issue_forms.add_argument(
        "--screenshots",
        type=Path,
        default=None,
        help="also photograph a local preview of each form into this folder (Chromium)",
    )

    from_issue = commands.add_parser(
        "from-issue",
        help="turn a submitted issue form into an entry file",
        description="Read an issue body as GitHub renders a submitted 'Add or update an "
        "activity' form and write one valid entry (new, or the updated listing). On any "
        "problem, print every one by form field, write nothing and exit 1.",
    )
    from_issue.add_argument(
        "body_file", type=Path, help="the issue body, or with --event the event JSON"
    )
    from_issue.add_argument(
        "--event",
        action="store_true",
        help="BODY_FILE is a GitHub event payload: read the issue's body, author and number",
    )
    from_issue.add_argument("--author", default="", help="the issue author's GitHub login")
    from_issue.add_argument("--entries", type=Path, default=None, help="the entries folder")
    from_issue.add_argument(
        "--summary", type=Path, default=None, help="also write a Markdown summary here"
    )
    from_issue.add_argument("--today", default=None, help=argparse.SUPPRESS)

    stale = commands.add_parser(
        "stale",
        help="list listings not confirmed recently",
        description="List listings whose last_reviewed is older than stale_after_days, "
        "with owners and how to confirm; those older than hide_after_days are hidden "
        "from the site.",
    )
    stale.add_argument("--today", default=None, help="the date to count from (YYYY-MM-DD)")
    stale.add_argument("--format", choices=("markdown", "json"), default="markdown")
    stale.add_argument(
        "--issue",
        action="store_true",
        help="also create or update the one open issue labelled stale-listings (GitHub API)",
    )

    links = commands.add_parser(
        "links",
        help="check every external link in the entries",
        description="Check the entries' websites and description links with lychee, "
        "politely; a link is broken only after failing on two runs in a row.",
    )
    links.add_argument(
        "--state", type=Path, default=Path(".link-state.json"), help="the history file"
    )
    links.add_argument("--format", choices=("markdown", "json"), default="markdown")
    links.add_argument("--lychee", default=None, help=argparse.SUPPRESS)
    links.add_argument(
        "--issue",
        action="store_true",
        help="also create or update the one open issue labelled broken-links (GitHub API)",
    )
    issue_comment = commands.add_parser(
        "issue-comment",
        help="a sticky comment on the event's issue (workflow step)",
        description="Create or update one comment on the issue of a GitHub event payload, "
        "from a Markdown file; optionally remove the approved-for-pr label.",
    )
    issue_comment.add_argument("event", type=Path, help="the event payload ($GITHUB_EVENT_PATH)")
    issue_comment.add_argument("--body-file", type=Path, required=True)
    issue_comment.add_argument("--marker", default="from-issue")
    issue_comment.add_argument("--remove-label", default="")

    problem_report = commands.add_parser(
        "problem-report",
        help="label a 'report a problem' issue and tell the listing's owners",
        description="Read the listing id from a 'Report a problem' issue (as data), check it "
        "against the entries, label the issue and comment mentioning the listing's owners.",
    )
    problem_report.add_argument("event", type=Path, help="the event payload ($GITHUB_EVENT_PATH)")

    review = commands.add_parser(
        "review",
        help="the moderation report of a pull request's changes to the listings",
        description="Compare the listings of two commits (from their merge base to the head, "
        "as GitHub shows a pull request) and explain every change in plain English. Exit 0 "
        "when the changed entries are valid, 1 when any has errors, 2 on a usage or git error.",
    )
    review.add_argument("--base", help="the branch or commit the pull request goes into")
    review.add_argument("--head", help="the pull request's head commit")
    review.add_argument("--author", default=None, help="the pull request author's GitHub login")
    review.add_argument("--format", choices=("markdown", "json"), default="markdown")
    review.add_argument(
        "--event", type=Path, default=None, help="a pull_request event file (GITHUB_EVENT_PATH)"
    )
    review.add_argument(
        "--output-dir", type=Path, default=None, help="also write report.md, report.json there"
    )
    review.add_argument(
        "--geocode",
        action="store_true",
        help="look up at most 3 new addresses online (the check workflow only)",
    )

    pr_comment = commands.add_parser(
        "pr-comment",
        help="post the review artifact as one sticky pull request comment (trusted step)",
        description="Check the review artifact against the GitHub API, then create or update "
        "the pull request's review comment and set its labels from the fixed list.",
    )
    pr_comment.add_argument("--artifact", type=Path, required=True, help="the downloaded folder")
    pr_comment.add_argument("--event", type=Path, required=True, help="the workflow_run event file")

    publish_geocode = commands.add_parser(
        "publish-geocode",
        help="geocode missing locations for publishing; commit the cache if it changed",
        description="Look up missing coordinates within the usage policy; never fail the "
        "publish run for a geocoder outage; say in the run summary which listings have no pin.",
    )
    publish_geocode.add_argument(
        "--commit", action="store_true", help="commit and push the updated cache to the branch"
    )
    publish_geocode.add_argument("--max-requests", type=int, default=None)
    coverage = commands.add_parser(
        "coverage",
        help="count published activities by area and category (and audience)",
        description="Print how many published activities each area has, by category and by "
        "audience, with region-wide services in their own row: where the gaps are.",
    )
    coverage.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: the entries folder)"
    )
    coverage.add_argument(
        "--format",
        choices=("markdown", "csv", "json"),
        default="markdown",
        help="markdown for people (default), csv for a spreadsheet, json for machines",
    )
    coverage.add_argument(
        "--table",
        choices=("categories", "audiences"),
        default="categories",
        help="with --format csv: which table (default: categories)",
    )
    from build_tools.bench.runner import _lighthouse_options

    _lighthouse_options(bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings(args.config)
    if args.command == "validate":
        paths = args.paths or [settings.entries_dir]
        from build_tools.entries.validate import validate_command

        return validate_command(
            settings, paths, strict=args.strict, fmt=args.format, today=args.today
        )
    if args.command == "new":
        from build_tools.entries.template import write_template

        return write_template(settings, args.id, args.area, args.output)
    if args.command == "geocode":
        from build_tools.entries.geocode import main as geocode_main

        return geocode_main(
            settings,
            args.paths or [settings.entries_dir],
            domain=args.domain,
            scheme=args.scheme,
            user_agent=args.user_agent,
            max_requests=args.max_requests,
            offline=args.offline,
        )
    if args.command == "bench":
        from build_tools.bench.runner import run_bench

        return run_bench(
            settings,
            args.sizes,
            validate_only=args.validate_only,
            output=args.output,
            lighthouse=args.lighthouse,
            site=args.site,
        )
    if args.command == "openreferral-api":
        from build_tools.data.api import serve

        return serve(args.site_dir, args.host, args.port)
    if args.command == "import":
        from build_tools.data.importer import run_import

        return run_import(settings, args.file, args.to, dry_run=args.dry_run)
    if args.command == "issue-forms":
        from build_tools.review.forms import issue_forms_command

        status = issue_forms_command(settings, check=args.check)
        if args.screenshots is not None and status == 0:
            from build_tools.review.form_preview import screenshots

            for path in screenshots(settings, args.screenshots):
                print(f"Wrote {path.as_posix()}")
        return status
    if args.command == "from-issue":
        from build_tools.review.from_issue import from_issue_command

        return from_issue_command(
            settings,
            args.body_file,
            event=args.event,
            author=args.author,
            entries=args.entries,
            summary=args.summary,
            today=args.today,
        )
    if args.command == "stale":
        from build_tools.review.freshness import stale_command

        return stale_command(settings, today=args.today, fmt=args.format, issue=args.issue)
    if args.command == "links":
        from build_tools.review.links import links_command

        return links_command(
            settings, state=args.state, fmt=args.format, lychee=args.lychee, issue=args.issue
        )
    if args.command == "issue-comment":
        from build_tools.review.form_steps import issue_comment_command

        return issue_comment_command(
            args.event,
            body_file=args.body_file,
            marker=args.marker,
            remove_label=args.remove_label,
        )
    if args.command == "problem-report":
        from build_tools.review.form_steps import problem_report_command

        return problem_report_command(settings, args.event)
    if args.command == "review":
        from build_tools.review.command import review_command

        return review_command(
            settings,
            base=args.base,
            head=args.head,
            author=args.author,
            fmt=args.format,
            online=args.geocode,
            event=args.event,
            output_dir=args.output_dir,
        )
    if args.command == "pr-comment":
        from build_tools.review.command import pr_comment_command

        return pr_comment_command(settings, artifact=args.artifact, event=args.event)
    if args.command == "publish-geocode":
        from build_tools.review.publish import publish_geocode

        return publish_geocode(settings, commit=args.commit, max_requests=args.max_requests)
    if args.command == "coverage":
        from build_tools.site.coverage import coverage_command

        paths = args.paths or [settings.entries_dir]
        return coverage_command(settings, paths, args.format, args.table)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
