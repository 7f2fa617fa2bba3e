"""Coverage: how many published activities each area has, by category and by audience.

For the people who commission services (the council and the NHS) and for moderators: where
the gaps are ("is there any dementia support in Swale?"), where listings may be duplicated,
and the same tables as CSV for a spreadsheet. Pure functions over `Entry` objects build one
`Coverage`; the page, the CSV downloads and `community-map coverage` all render that one
object, so they cannot disagree.

What is counted: every published listing (active and paused; closed ones are left out, as
on the rest of the site). An activity in two categories counts once in each, and one that
serves two areas counts once in each. Region-wide services (`areas: [all]`) have their own
row and are not added to every area: the finder, though, lists them in every area.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from markupsafe import escape

from build_tools.data.exports import _csv_cell
from build_tools.entries.model import Entry
from build_tools.entries.validate import DuplicatePair, possible_duplicates
from build_tools.outputs import Output, rel
from build_tools.settings import Settings, Term, Vocabulary

PAGE = "coverage.md"
CSV_CATEGORIES = "data/coverage-categories.csv"
CSV_AUDIENCES = "data/coverage-audiences.csv"
REGION_WIDE = "all"
PER = 10_000  # residents, for the rate columns
MAX_DUPLICATES_SHOWN = 100  # on the page; the validator reports every one


@dataclass(frozen=True)
class Table:
    """Rows of areas (then the region-wide row) by columns of categories or audiences."""

    kind: str  # "category" or "audience": the finder's URL parameter for the columns
    title: str
    columns: list[Term]
    rows: list[Term]  # areas, then a Term for the region-wide row
    counts: dict[str, dict[str, int]]  # row id -> column id -> published activities
    totals: dict[str, int]  # row id -> activities in that row (each counted once)

    def count(self, row: str, column: str) -> int:
        return self.counts.get(row, {}).get(column, 0)


@dataclass(frozen=True)
class Coverage:
    region: str
    published: int
    paused: int
    categories: Table
    audiences: Table
    duplicates: list[DuplicatePair] = field(default_factory=list)

    @property
    def has_populations(self) -> bool:
        return any(r.population for r in self.categories.rows)

    def rate(self, row: Term, count: int) -> float | None:
        """Activities per 10,000 residents, to one decimal place; None without a population."""
        if not row.population:
            return None
        return round(count * PER / row.population, 1)


def _table(
    kind: str,
    title: str,
    columns: dict[str, Term],
    entries: list[Entry],
    vocab: Vocabulary,
    region: str,
) -> Table:
    region_row = Term(id=REGION_WIDE, name=f"Region-wide ({region})")
    rows = [*vocab.areas.values(), region_row]
    counts: dict[str, dict[str, int]] = {r.id: {} for r in rows}
    totals: dict[str, int] = {r.id: 0 for r in rows}
    for entry in entries:
        values = entry.categories if kind == "category" else entry.audiences
        wanted = [v for v in dict.fromkeys(values) if v in columns]
        areas = [REGION_WIDE] if REGION_WIDE in entry.areas else entry.areas
        for area in dict.fromkeys(areas):
            if area not in counts:
                continue
            totals[area] += 1
            for value in wanted:
                counts[area][value] = counts[area].get(value, 0) + 1
    return Table(kind, title, list(columns.values()), rows, counts, totals)


def compute(entries: Iterable[Entry], settings: Settings) -> Coverage:
    """The coverage of the published entries among `entries` (closed ones are skipped)."""
    published = [e for e in entries if e.published]
    vocab = settings.vocabulary()
    region = settings.region.name
    return Coverage(
        region=region,
        published=len(published),
        paused=sum(e.status == "paused" for e in published),
        categories=_table(
            "category",
            "Activities by area and category",
            vocab.categories,
            published,
            vocab,
            region,
        ),
        audiences=_table(
            "audience", "Activities by area and audience", vocab.audiences, published, vocab, region
        ),
        duplicates=possible_duplicates(published),
    )


# --- machines and spreadsheets ---------------------------------------------------------------


def to_csv(table: Table, coverage: Coverage) -> str:
    """One row per area (the area first), then one column per category or audience and the
    total; with populations, the population and a per-10,000 column per category follow."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["area", *(c.name for c in table.columns), "total"]
    if coverage.has_populations:
        header += ["population", *(f"{c.name} per {PER:,}" for c in table.columns)]
    writer.writerow([_csv_cell(h) for h in header])
    for row in table.rows:
        line: list[Any] = [row.name, *(table.count(row.id, c.id) for c in table.columns)]
        line.append(table.totals[row.id])
        if coverage.has_populations:
            line.append(row.population or "")
            for column in table.columns:
                rate = coverage.rate(row, table.count(row.id, column.id))
                line.append("" if rate is None else f"{rate:.1f}")
        writer.writerow([_csv_cell(v) for v in line])
    return out.getvalue()


def to_json(coverage: Coverage) -> dict[str, Any]:
    def table(t: Table) -> dict[str, Any]:
        return {
            "columns": [{"id": c.id, "name": c.name} for c in t.columns],
            "rows": [
                {
                    "id": r.id,
                    "name": r.name,
                    "population": r.population,
                    "total": t.totals[r.id],
                    "counts": {c.id: t.count(r.id, c.id) for c in t.columns},
                    "per_10000": (
                        {c.id: coverage.rate(r, t.count(r.id, c.id)) for c in t.columns}
                        if r.population
                        else None
                    ),
                }
                for r in t.rows
            ],
        }

    return {
        "region": coverage.region,
        "published": coverage.published,
        "paused": coverage.paused,
        "categories": table(coverage.categories),
        "audiences": table(coverage.audiences),
        "gaps": {c: areas for c, areas in gaps(coverage.categories).items()},
        "possible_duplicates": [
            {"first": p.first.path, "second": p.second.path, "reason": p.reason}
            for p in coverage.duplicates
        ],
    }


def to_markdown(coverage: Coverage) -> str:
    """Both tables as Markdown, for a terminal, an issue or a report."""
    lines = [
        f"# Coverage in {coverage.region}",
        "",
        f"{coverage.published} published activities ({coverage.paused} paused, counted); "
        "closed ones are not counted. Region-wide services have their own row.",
    ]
    for table in (coverage.categories, coverage.audiences):
        lines += ["", f"## {table.title}", ""]
        header = ["Area", "Total", *(c.name for c in table.columns)]
        lines.append("| " + " | ".join(_md(h) for h in header) + " |")
        lines.append("|" + "---|" + "---:|" * (len(header) - 1))
        for row in table.rows:
            cells = [_md(row.name), str(table.totals[row.id])]
            for column in table.columns:
                count = table.count(row.id, column.id)
                rate = coverage.rate(row, count)
                text = str(count) if count else "none"
                cells.append(text + (f" ({rate:.1f})" if rate is not None else ""))
            lines.append("| " + " | ".join(cells) + " |")
    found = gaps(coverage.categories)
    if found:
        lines += ["", "## Gaps: areas with no activity in a category", ""]
        for category, areas in found.items():
            lines.append(f"- {_md(category)}: {_md(', '.join(areas))}")
    if coverage.duplicates:
        lines += ["", "## Possible duplicates", ""]
        for pair in coverage.duplicates:
            lines.append(f"- {pair.first.path} and {pair.second.path}: {pair.reason}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def gaps(table: Table) -> dict[str, list[str]]:
    """Column name -> the areas (not the region-wide row) with none, for columns with gaps."""
    found: dict[str, list[str]] = {}
    for column in table.columns:
        empty = [
            r.name for r in table.rows if r.id != REGION_WIDE and not table.count(r.id, column.id)
        ]
        if empty:
            found[column.name] = empty
    return found


# --- the page ------------------------------------------------------------------------------


def h(value: object) -> str:
    return str(escape(value))


def _finder_link(up: str, table: Table, row: Term, column: Term) -> str:
    query = urlencode({"area": row.id, table.kind: column.id})
    return f"{up}find/?{query}"


def _table_html(table: Table, coverage: Coverage, up: str, number: int) -> str:
    rates = coverage.has_populations
    caption = table.title + (f" (per {PER:,} residents in brackets)" if rates else "")
    what = "category" if table.kind == "category" else "audience"
    head = ['<th scope="col" class="cm-cov-area">Area</th>', _sortable_header("Total")]
    head.extend(_sortable_header(column.name) for column in table.columns)
    body = []
    region_row_total = {c.id: table.count(REGION_WIDE, c.id) for c in table.columns}
    for row in table.rows:
        cells = [f'<th scope="row">{h(row.name)}</th>']
        total = table.totals[row.id]
        total_rate = coverage.rate(row, total)
        cells.append(_cell(str(total), total, total_rate, None))
        for column in table.columns:
            count = table.count(row.id, column.id)
            rate = coverage.rate(row, count)
            link = None
            if count and row.id != REGION_WIDE:
                link = _finder_link(up, table, row, column)
            label = f"{column.name} in {row.name}"
            extra = region_row_total[column.id] if row.id != REGION_WIDE else 0
            cells.append(_cell(str(count) if count else "none", count, rate, link, label, extra))
        cls = ' class="cm-cov-region"' if row.id == REGION_WIDE else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    label = h(table.title)
    return (
        f'<div class="cm-cov-scroll" role="region" aria-labelledby="cm-cov-caption-{number}" '
        f'tabindex="0"><table class="cm-cov" data-cm-sortable>'
        f'<caption id="cm-cov-caption-{number}">{h(caption)}</caption>'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        f'<p class="cm-cov-note">{label}: each number opens the finder for that area and {what}; '
        '"none" means no published activity is listed there, though a region-wide service may '
        "still be open to it.</p>"
    )


def _sortable_header(name: str) -> str:
    """coverage.js puts a sort button in the header; without JavaScript it is plain text."""
    return (
        f'<th scope="col" data-cm-sortable-column><span class="cm-cov-head">{h(name)}</span></th>'
    )


def _cell(
    text: str,
    count: int,
    rate: float | None,
    link: str | None,
    label: str = "",
    region_extra: int = 0,
) -> str:
    sort_value = rate if rate is not None else count
    shown = h(text)
    if link:
        hidden = f'<span class="cm-visually-hidden">: {h(label)}</span>'
        shown = f'<a href="{h(link)}">{shown}{hidden}</a>'
    if rate is not None:
        shown += f' <span class="cm-cov-rate">({rate:.1f})</span>'
    cls = ' class="cm-cov-none"' if not count else ""
    extra = f' data-cm-region-wide="{region_extra}"' if link else ""
    return f'<td{cls} data-cm-sort="{sort_value}" data-cm-count="{count}"{extra}>{shown}</td>'


def page_html(coverage: Coverage, settings: Settings) -> str:
    up = rel(PAGE, "")
    paused = (
        f" {coverage.paused} of them are paused for now and are counted." if coverage.paused else ""
    )
    population_note = (
        "<p>Figures in brackets are activities per 10,000 residents, from the populations "
        "given in the directory's configuration. Sort a column with its heading's button.</p>"
        if coverage.has_populations
        else "<p>To see figures per 10,000 residents (and sort by them), add each area's "
        "population to <code>schema/areas.yml</code>, for example "
        "<code>population: 177800</code>, from the Office for National Statistics' latest "
        "mid-year estimates. Until then the columns sort by the number of activities.</p>"
    )
    found = gaps(coverage.categories)
    if found:
        items = "".join(
            f"<li><strong>{h(category)}</strong>: {h(', '.join(areas))}</li>"
            for category, areas in found.items()
        )
        gap_html = (
            "<h2>Gaps: areas with no activity in a category</h2>"
            "<p>Region-wide services are open to every area and are not counted here.</p>"
            f'<ul class="cm-cov-gaps">{items}</ul>'
        )
    else:
        gap_html = "<h2>Gaps</h2><p>Every area has at least one activity in every category.</p>"
    if coverage.duplicates:
        shown = coverage.duplicates[:MAX_DUPLICATES_SHOWN]
        items = "".join(
            f"<li><code>{h(p.first.path)}</code> and <code>{h(p.second.path)}</code>: "
            f"{h(p.reason)} ({h(p.first.name)} / {h(p.second.name)})</li>"
            for p in shown
        )
        more = len(coverage.duplicates) - len(shown)
        rest = (
            f"<p>And {more} more: <code>community-map validate</code> lists every one.</p>"
            if more > 0
            else ""
        )
        dup_html = (
            "<h2>Possible duplicates, for moderators</h2>"
            "<p>Listings with the same or a very similar name at the same postcode or from the "
            "same organisation. Check with the providers and merge or close one.</p>"
            f"<ul>{items}</ul>{rest}"
        )
    else:
        dup_html = (
            "<h2>Possible duplicates, for moderators</h2>"
            "<p>No two listings have the same or a very similar name at the same postcode "
            "or from the same organisation.</p>"
        )
    return (
        f'<link rel="stylesheet" href="{up}assets/coverage.css">'
        f"<h1>Coverage: where the gaps are</h1>"
        f'<p class="cm-lead">How many activities the directory lists in each area of '
        f"{h(coverage.region)}, by category and by who they are for.</p>"
        f"<p>{coverage.published} published activities are counted.{paused} Closed listings "
        "are not. An activity in two categories counts in each; one that serves two areas "
        "counts in each. Region-wide services have their own row and are not added to every "
        "area, but the finder lists them in every area, so a finder link may show more "
        "activities than its number here.</p>"
        f"{population_note}"
        f'<p>Download as a spreadsheet (CSV): <a href="{up}{CSV_CATEGORIES}">by category</a>, '
        f'<a href="{up}{CSV_AUDIENCES}">by audience</a>.</p>'
        f'<p class="cm-cov-status" role="status" aria-live="polite"></p>'
        f"<h2>By category</h2>{_table_html(coverage.categories, coverage, up, 1)}"
        f"<h2>By audience</h2>{_table_html(coverage.audiences, coverage, up, 2)}"
        f"{gap_html}{dup_html}"
        f'<script src="{up}assets/js/coverage.js" defer></script>'
    )


def generate(
    published: list[Entry], settings: Settings, coords: dict[str, tuple[float, float]]
) -> list[Output]:
    """The Coverage page and its two CSV downloads."""
    from build_tools.site.pages import page_source

    coverage = compute(published, settings)
    return [
        Output(
            path=PAGE,
            content=page_source(
                "Coverage",
                f"Where the gaps are: activities by area, category and audience in "
                f"{coverage.region}.",
                hide=["toc"],
            ),
            html=page_html(coverage, settings),
        ),
        Output(path=CSV_CATEGORIES, content=to_csv(coverage.categories, coverage)),
        Output(path=CSV_AUDIENCES, content=to_csv(coverage.audiences, coverage)),
    ]


def render(coverage: Coverage, fmt: str, table: str = "categories") -> str:
    """What `community-map coverage` prints."""
    if fmt == "json":
        return json.dumps(to_json(coverage), indent=2, ensure_ascii=True) + "\n"
    if fmt == "csv":
        chosen = coverage.categories if table == "categories" else coverage.audiences
        return to_csv(chosen, coverage)
    return to_markdown(coverage)


def coverage_command(settings: Settings, paths: list[Any], fmt: str, table: str) -> int:
    """`community-map coverage`: counts over the entries that load; files that cannot be read
    are named on stderr (exit 1), since a count without them would be wrong."""
    import sys

    from build_tools.console import safe_line
    from build_tools.entries.loader import load_paths

    entries, problems = load_paths(paths, base=settings.root)
    unreadable = [p for p in problems if p.severity == "error"]
    for problem in unreadable:
        sys.stderr.write(safe_line(problem.format()) + "\n")
    text = render(compute(entries, settings), fmt, table)
    if fmt == "csv":
        sys.stdout.write(text)  # CSV cells are data, quoted by the csv module
    else:
        for line in text.rstrip("\n").split("\n"):
            sys.stdout.write(safe_line(line) + "\n")
    return 1 if unreadable else 0
