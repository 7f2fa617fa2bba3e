"""A local preview of a generated issue form, for the provider guide's screenshots.

GitHub's own form page cannot be reached from where the docs are built, so the guide shows
a faithful preview instead: the same labels, descriptions, placeholders and options, read
from the committed form file, laid out like GitHub's form (and captioned as a preview).
`community-map issue-forms --screenshots DIR` renders each form and photographs it with
headless Chromium.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from markupsafe import escape

from build_tools.review import forms
from build_tools.settings import Settings
from build_tools.text import markdown_to_html

STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
  color: #1f2328; background: #fff; margin: 0; }
main { max-width: 760px; margin: 0 auto; padding: 24px; }
.banner { background: #ddf4ff; border: 1px solid #54aeff66; border-radius: 6px;
  padding: 8px 12px; margin-bottom: 16px; font-size: 13px; }
h1 { font-size: 20px; font-weight: 600; margin: 0 0 4px; }
.about { color: #59636e; margin: 0 0 16px; }
.intro { border-bottom: 1px solid #d1d9e0; margin-bottom: 16px; }
.field { margin: 0 0 20px; }
label, .label { display: block; font-weight: 600; margin-bottom: 4px; }
.req { color: #d1242f; }
.desc { color: #59636e; font-size: 12px; margin: 0 0 6px; }
input[type=text], textarea, select { width: 100%; box-sizing: border-box; border: 1px solid
  #d1d9e0; border-radius: 6px; padding: 5px 12px; font: inherit; background: #f6f8fa; }
textarea { min-height: 90px; }
.check { display: block; font-weight: 400; margin: 2px 0; }
"""


def _field(element: dict[str, Any]) -> str:
    kind = element["type"]
    attrs = element.get("attributes", {})
    if kind == "markdown":
        return f'<div class="intro">{markdown_to_html(str(attrs.get("value", "")))}</div>'
    required = (element.get("validations") or {}).get("required")
    star = ' <span class="req">*</span>' if required else ""
    ident = escape(element.get("id", ""))
    label = f'<label for="{ident}">{escape(attrs["label"])}{star}</label>'
    desc = attrs.get("description")
    desc_html = f'<p class="desc">{escape(desc)}</p>' if desc else ""
    placeholder = escape(attrs.get("placeholder", ""))
    if kind == "input":
        control = f'<input type="text" id="{ident}" placeholder="{placeholder}">'
    elif kind == "textarea":
        control = f'<textarea id="{ident}" placeholder="{placeholder}"></textarea>'
    elif kind == "dropdown":
        hint = "Selections: " if attrs.get("multiple") else ""
        options = "".join(f"<option>{escape(o)}</option>" for o in attrs.get("options", []))
        control = f'<select id="{ident}"><option>{hint}None</option>{options}</select>'
    else:  # checkboxes
        label = f'<span class="label">{escape(attrs["label"])}</span>'
        control = "".join(
            f'<label class="check"><input type="checkbox"> {escape(o["label"])}</label>'
            for o in attrs.get("options", [])
        )
    return f'<div class="field">{label}{desc_html}{control}</div>'


def preview_html(form: dict[str, Any]) -> str:
    """The form as a static page; every string from the form file is escaped."""
    body = "".join(_field(e) for e in form.get("body", []))
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(form['name'])} (preview)</title><style>{STYLE}</style></head>"
        '<body><main><p class="banner">Preview of the issue form, drawn from '
        "<code>.github/ISSUE_TEMPLATE</code>; GitHub's page looks slightly different.</p>"
        f'<h1>{escape(form["name"])}</h1><p class="about">{escape(form["description"])}</p>'
        f"{body}</main></body></html>"
    )


SHOTS = (
    (forms.ACTIVITY_FORM, "form-activity.png", 900),
    (forms.REPORT_FORM, "form-report.png", 0),
)


def screenshots(settings: Settings, folder: Path) -> list[Path]:
    """Photograph each form's preview (the activity form's first questions, the whole
    report form) into `folder`."""
    from playwright.sync_api import sync_playwright

    from build_tools.bench.chromium import launch

    written = []
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 800, "height": 900})
            for form_file, image, height in SHOTS:
                form = forms.read_form(settings.root / forms.FORMS_DIR / form_file)
                html = Path(tmp) / f"{image}.html"
                html.write_text(preview_html(form), "utf-8")
                page.goto(html.as_uri())
                target = folder / image
                if height:
                    page.screenshot(
                        path=str(target), clip={"x": 0, "y": 0, "width": 800, "height": height}
                    )
                else:
                    page.screenshot(path=str(target), full_page=True)
                written.append(target)
        finally:
            browser.close()
    return written
