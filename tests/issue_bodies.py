"""Issue bodies as GitHub renders a submitted issue form, from the generated form YAML.

GitHub writes `### <label>`, a blank line, the answer (or `_No response_`), a blank line,
for every element but `markdown`; dropdowns with several choices join them with `, `;
checkboxes become a task list, `- [X]` for ticked options and `- [ ]` for the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def load_form(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render(form: dict[str, Any], answers: dict[str, Any]) -> str:
    """`answers` by form field id: text, a list of option names, or (checkboxes) the ticked
    option names. Fields not given render as not answered."""
    parts = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        label = element["attributes"]["label"]
        answer = answers.get(element["id"])
        if element["type"] == "checkboxes":
            ticked = set(answer or [])
            text = "\n".join(
                f"- [{'X' if o['label'] in ticked else ' '}] {o['label']}"
                for o in element["attributes"]["options"]
            )
        elif element["type"] == "dropdown":
            if answer is None or answer == []:
                text = "_No response_"
            else:
                options = element["attributes"]["options"]
                chosen = [answer] if isinstance(answer, str) else answer
                for name in chosen:
                    assert name in options or name.startswith("!"), name
                text = ", ".join(n.lstrip("!") for n in chosen)
        else:
            text = answer if answer not in (None, "") else "_No response_"
        parts.append(f"### {label}\n\n{text}")
    return "\n\n".join(parts) + "\n"
