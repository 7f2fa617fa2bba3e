"""Long lists split into pages of plain links, so every listing works without JavaScript.

At 10,000 activities a category or area page listing everything is over 100 KB gzipped and
the finder's plain list 270 KB: too much for a cheap phone on a weak signal. Each list is
split into pages of `PAGE_SIZE`, in the same order, linked by a pager (previous, every page
number, next). The first page keeps its address (`categories/walking/`); the others sit
beside it (`categories/walking--page-2/`: ids never contain "--", so these never clash with
an activity, category or area id) and are left out of search and the sitemap's interest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from build_tools.text import escape

PAGE_SIZE = 100  # items per page: about 10 KB gzipped of list

T = TypeVar("T")


def split(items: Sequence[T], size: int | None = None) -> list[Sequence[T]]:
    """The items in pages of `size` (at least one page, empty when there are no items)."""
    size = size or PAGE_SIZE
    if not items:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]


def sibling_name(name: str, number: int) -> str:
    """The last path part of page `number` (1-based) of a list whose first page is `name`."""
    return name if number == 1 else f"{name}--page-{number}"


def pager(
    current: int, total: int, href: Callable[[int], str], label: str, describe: str = ""
) -> str:
    """A labelled navigation landmark: where you are, previous / page numbers / next.

    `href(n)` is page n's link; `label` names the list for screen readers ("Pages of
    Walking"); `describe` is an optional line such as "Activities 101 to 200 of 1,234"."""
    if total <= 1:
        return ""
    links = []
    if current > 1:
        links.append(f'<li><a href="{escape(href(current - 1))}" rel="prev">Previous page</a></li>')
    for n in range(1, total + 1):
        if n == current:
            links.append(f'<li><a href="{escape(href(n))}" aria-current="page">{n}</a></li>')
        else:
            links.append(f'<li><a href="{escape(href(n))}">{n}</a></li>')
    if current < total:
        links.append(f'<li><a href="{escape(href(current + 1))}" rel="next">Next page</a></li>')
    where = f"Page {current} of {total}" + (f". {escape(describe)}" if describe else "")
    return (
        f'<nav class="cm-pager" aria-label="{escape(label)}">'
        f'<p class="cm-pager__where">{where}</p>'
        f'<ul class="cm-pager__pages">{"".join(links)}</ul></nav>'
    )


def span(number: int, count: int, total: int, size: int | None = None) -> str:
    """ "Activities 101 to 200 of 1,234" for page `number` holding `count` items."""
    size = size or PAGE_SIZE
    first = (number - 1) * size + 1
    return f"Activities {first:,} to {first + count - 1:,} of {total:,}"
