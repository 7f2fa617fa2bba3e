"""Turning untrusted provider text into safe HTML, JSON and icons.

Every generator goes through here, so there is one place to get escaping right: plain
strings are escaped, descriptions are rendered from Markdown with raw HTML disabled and then
cleaned by nh3 against an allowlist, and JSON meant for a page cannot close its `<script>`.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import cmarkgfm
import nh3
from markupsafe import Markup, escape

__all__ = ["escape", "icon", "json_for_html", "long_date", "markdown_to_html"]

LINK_SCHEMES = {"https", "http", "mailto", "tel"}
ALLOWED_TAGS = {
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
    "code",
}


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    """Links survive only with an allowed absolute scheme; empty or relative ones are dropped
    (the parser blanks the dangerous ones it knows; this catches everything else)."""
    if tag == "a" and name == "href":
        cleaned = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
        scheme = cleaned.split(":", 1)[0].lower() if ":" in cleaned else ""
        return value if scheme in LINK_SCHEMES else None
    return value


def markdown_to_html(source: str) -> str:
    """Provider Markdown as HTML that can only contain the allowlisted tags and links.

    cmark (CommonMark, the C parser behind GitHub's rendering) runs in its safe mode, which
    omits raw HTML and blanks `javascript:`-style links; nh3 then keeps only the allowlisted
    tags and links, so this is safe even for text that never went through validation.
    Headings are shifted so a description never competes with the page's own h1 and h2.
    """
    html = cmarkgfm.markdown_to_html(source, options=0)
    for level in (2, 1):  # demote first the h2s, then the h1s, so none end up above h3
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes=LINK_SCHEMES,
        attribute_filter=_keep_attribute,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("'"): "\\u0027",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_for_html(value: Any) -> str:
    """Compact JSON that cannot close a `<script>` element or break out of JS string contexts.

    For an HTML attribute, escape the result again with `escape`."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


@cache
def _icon_svg(name: str) -> str:
    import material

    folder = Path(material.__file__).parent / "templates" / ".icons" / "material"
    path = folder / f"{name}.svg"
    if not path.is_file() or "/" in name or "\\" in name:
        raise KeyError(f"no Material icon named {name!r}")
    return path.read_text(encoding="utf-8").strip()


def icon(name: str, label: str | None = None, css_class: str = "cm-icon") -> Markup:
    """An inline Material Design icon: decorative unless it is given a label."""
    svg = _icon_svg(name)
    if label:
        attrs = f'class="{css_class}" role="img" aria-label="{escape(label)}" focusable="false"'
    else:
        attrs = f'class="{css_class}" aria-hidden="true" focusable="false"'
    return Markup(svg.replace("<svg ", f"<svg {attrs} ", 1))


def long_date(value: dt.date) -> str:
    """`1 October 2026`: the GOV.UK style for dates."""
    return f"{value.day} {value:%B %Y}"
