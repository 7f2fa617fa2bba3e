"""Writes the XSS fixtures beside this script: one entry per payload, in every text field.

Run it again after changing the payloads: `python tests/data/xss/make_fixtures.py`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TEXT = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "script-breakout": "</script><script>alert(1)</script>",
    "template-literal": "`${alert(1)}`",
    "svg-onload": '"><svg onload=alert(1)>',
    "single-quote": "'><svg/onload=alert(1)>'",
    "title-breakout": "</title><script>alert(1)</script>",
    "textarea-breakout": "</textarea></noscript><svg onload=alert(1)>",
    "entity-script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "front-matter": "x\n---\ntitle: <script>alert(1)</script>\n---\n",
    "line-separator": "x\u2028<script>alert(1)</script>\u2029",
    "attr-list": "Name {: onclick=alert(1)}",
    "jinja": "{{ config }} {% raw %}<script>alert(1)</script>",
}
URLS = {
    "js-url": "javascript:alert(1)",
    "js-url-mixed-case": "JaVaScRiPt:alert(1)",
    "js-url-tab": "java\tscript:alert(1)",
    "js-url-entity": "&#106;avascript:alert(1)",
    "js-url-space": " javascript:alert(1)",
    "js-url-newline": "\njavascript:alert(1)",
    "data-url": "data:text/html,<script>alert(1)</script>",
    "quote-in-url": 'https://example.org/"onmouseover="alert(1)',
    "angle-in-url": "https://example.org/<script>alert(1)</script>",
}


def entry(slug, text, url):
    return {
        "id": f"xss-{slug}",
        "name": f"Club {text}",
        "summary": f"A summary that says {text} and then goes on.",
        "description": (
            f"Intro {text}\n\n[a link]({url})\n\n[x](javascript:alert(1)) "
            f"[y](JaVaScRiPt:alert(1)) [z](&#106;avascript:alert(1)) <{url}>\n\n"
            f"{{: onclick=alert(1)}}\n\n<script>alert(1)</script>\n\n"
            f"<img src=x onerror=alert(1)>\n\n![pic](x onerror=alert(1))\n"
        ),
        "categories": ["social-and-befriending"],
        "audiences": ["everyone", "older-people"],
        "areas": ["maidstone"],
        "organisation": {"name": f"Org {text}", "website": url, "charity_number": "1123456"},
        "contact": {
            "phone": f"01622 000111 {text}",
            "email": f"a{text}@example.org",
            "website": url,
        },
        "location": {
            "venue": f"Venue {text}",
            "address": f"1 {text} Street",
            "town": f"Town {text}",
            "postcode": "ME15 7RN",
            "coordinates": {"lat": 51.2705, "lon": 0.5486},
        },
        "delivery": ["in-person", "online"],
        "schedule": [{"days": ["tue"], "start": "10:00", "end": "11:00", "frequency": "weekly"}],
        "schedule_note": f"Note {text}",
        "cost": "paid",
        "cost_note": f"£3 {text}",
        "booking": "drop-in",
        "referral": ["self"],
        "age": {"min": 16},
        "accessibility": ["step-free-access"],
        "last_reviewed": "2020-01-01" if len(slug) % 2 else "2026-01-01",
        "status": "paused" if len(slug) % 3 == 0 else "active",
    }


out = Path(__file__).resolve().parent
for slug, text in TEXT.items():
    data = entry(slug, text, "https://example.org/")
    (out / f"xss-{slug}.yml").write_text(
        "# XSS payload fixture (tests/test_xss.py): every text field carries the payload.\n"
        + yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=200),
        encoding="utf-8",
    )
for slug, url in URLS.items():
    data = entry(slug, "<b>bold</b>", url)
    (out / f"xss-{slug}.yml").write_text(
        "# XSS payload fixture (tests/test_xss.py): every link field carries the payload.\n"
        + yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=200),
        encoding="utf-8",
    )

# Payloads that plain-text rules may let through: the pages must keep them inert.
SUBTLE = {
    "subtle-entities": "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62;",
    "subtle-template": "`${alert(1)}` '-alert(1)-' \"-alert(1)-\"",
    "subtle-attr-list": "Tea and chat {: onclick=alert(1) } {#x .y onmouseover=alert(1)}",
    "subtle-quotes": "Tea \" onmouseover=\"alert(1)\" & 'chat' x='y",
    # template syntax must stay text: no generator may hand provider text to Jinja
    "subtle-jinja": "Tea {{ 7*7 }} {% if true %}chat{% endif %} {# note #}",
}
for slug, text in SUBTLE.items():
    data = entry(slug, text, "https://example.org/walks?x=1&y=2")
    data["description"] = (
        f"Intro {text}\n\n**Bold** and a [safe link](https://example.org/).\n\n"
        f"{{: onclick=alert(1)}}\n"
    )
    data["contact"] = {
        "phone": "01622 000111",
        "email": "walks@example.org",
        "website": "https://example.org/walks?x=1&y=2",
    }
    data["last_reviewed"] = "2026-01-01"
    (out / f"xss-{slug}.yml").write_text(
        "# XSS payload fixture (tests/test_xss.py): text payloads a validator may accept.\n"
        + yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=200),
        encoding="utf-8",
    )
