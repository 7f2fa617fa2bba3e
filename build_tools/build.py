"""The whole build, without MkDocs: entries in, site files out.

`build()` runs load → validate → coordinates (from entries and the geocode cache, never the
network) → pages, finder, map and exports, and reports how long each phase took, so the
benchmark and the plugin run exactly the same code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from build_tools.data import calendars, exports, openreferral
from build_tools.entries.geocode import coordinates_offline
from build_tools.entries.loader import load_paths
from build_tools.entries.model import Entry, Problem
from build_tools.entries.validate import validate_entries
from build_tools.outputs import Output
from build_tools.review import freshness
from build_tools.settings import Settings
from build_tools.site import coverage, finder, mapping, offline, pages, provider_docs, search
from build_tools.site.search import SearchJob, index_site, start_index

# Reported but not failing a strict build: a stale listing carries a notice on its page, one
# unconfirmed for over hide_after_days is left off the site, and one without a map pin is
# still published with its address (a geocoder outage or a new address must never block the
# check or the publish run; their summaries say which).
NOTICES = {"stale", "no-coordinates", "hidden"}


@dataclass
class SiteBuild:
    entries: list[Entry]
    problems: list[Problem]
    outputs: list[Output] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    search: SearchJob | None = None  # the search index, being built in the background
    # activity id -> its categories' and audiences' names and descriptions, for the index
    topics: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning" and p.code not in NOTICES]

    @property
    def notices(self) -> list[Problem]:
        """Warnings the site itself shows to visitors (a stale listing carries a notice on its
        page), so they are reported but do not fail a strict build."""
        return [p for p in self.problems if p.severity == "warning" and p.code in NOTICES]

    @property
    def html(self) -> dict[str, str]:
        return {o.path: o.html for o in self.outputs if o.html is not None}


# Each step takes (entries, settings, coordinates) and returns Outputs: the published
# entries, or every valid entry for a step that sets ALL_ENTRIES (the open data keeps closed
# listings with their status).
STEPS = (
    ("pages", pages),
    ("finder", finder),
    ("map", mapping),
    ("exports", exports),
    ("open referral", openreferral),
    ("calendars", calendars),
    ("provider docs", provider_docs),
    ("coverage", coverage),
    ("offline", offline),
    ("search data", search),
)


def build(settings: Settings, paths: list[Path] | None = None) -> SiteBuild:
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    entries, problems = load_paths(paths or [settings.entries_dir], base=settings.root)
    timings["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    problems = problems + validate_entries(entries, settings)
    timings["validate"] = time.perf_counter() - clock
    result = SiteBuild(entries=entries, problems=sorted(problems), timings=timings)
    if result.errors:
        return result

    clock = time.perf_counter()
    coords, geo_problems = coordinates_offline(entries, settings)
    result.problems = sorted(result.problems + geo_problems)
    timings["geocode"] = time.perf_counter() - clock

    # Listings unconfirmed for over `hide_after_days` leave the site but stay in the data.
    today = freshness.build_date()
    result.problems = sorted(result.problems + freshness.hidden_notices(entries, settings, today))
    listed = [e for e in entries if e.published and not freshness.is_hidden(e, settings, today)]
    published = sorted(listed, key=lambda e: e.name.casefold())
    everything = sorted(entries, key=lambda e: e.name.casefold())
    for phase, step in STEPS:
        clock = time.perf_counter()
        wanted = everything if getattr(step, "ALL_ENTRIES", False) else published
        result.outputs.extend(step.generate(wanted, settings, coords))
        timings[phase] = time.perf_counter() - clock
    result.topics = search.entry_topics(published, settings)
    return result


def start_search(result: SiteBuild, site_dir: Path) -> None:
    """Start the search index from the generated pages, in a background process that runs on
    the spare core while MkDocs renders the site (see search.py); `post_build` waits for it."""
    clock = time.perf_counter()
    abort(result)
    result.search = start_index(result.outputs, site_dir, topics=result.topics)
    result.timings["search start"] = time.perf_counter() - clock


def post_build(result: SiteBuild, site_dir: Path) -> None:
    """Steps that need the written site: finish the search index (or build it now, if
    `start_search` was not called)."""
    clock = time.perf_counter()
    job, result.search = result.search, None
    index_site(site_dir, job)
    result.timings["search"] = time.perf_counter() - clock


def abort(result: SiteBuild | None) -> None:
    """The build failed or stopped: stop the background search index and remove its files."""
    if result is not None and result.search is not None:
        job, result.search = result.search, None
        job.cancel()


def finish_offline(result: SiteBuild, site_dir: Path) -> None:
    """Once MkDocs has written the site: the offline worker's list of files to keep, found in
    what the written pages load (offline.finish), so a new script or data file is kept."""
    clock = time.perf_counter()
    offline.finish(site_dir)
    result.timings["offline list"] = time.perf_counter() - clock
