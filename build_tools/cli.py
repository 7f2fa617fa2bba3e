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
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
