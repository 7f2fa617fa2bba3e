"""Static checks for every GitHub Actions workflow in `.github/workflows/`.

GitHub Actions cannot run here, so the workflows are held to rules a test can check:
GitHub Security Lab's "preventing pwn requests" (no `pull_request_target`, no `${{ }}` in
a script, untrusted text only through `env:`), least privilege (top-level `permissions`,
widened per job), actions pinned by full commit SHA with the version beside it, and
`persist-credentials: false` on every checkout except in a job that pushes. `zizmor` and
GitHub's workflow schema (`check-jsonschema`) run over the same files in the tests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\b")
PUSHING = re.compile(r"\bgit push\b|--commit\b")  # a step that commits back to the branch


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def load(path: Path) -> dict[str, Any]:
    """The workflow as data, with `on:` kept as "on" (YAML 1.1 reads a bare `on` as True)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and True in data and "on" not in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    on = workflow.get("on")
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return dict(on or {})


@dataclass
class Finding:
    path: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: {self.message}"


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in job.get("steps") or [] if isinstance(s, dict)]


def job_pushes(job: dict[str, Any]) -> bool:
    return any(PUSHING.search(str(step.get("run", ""))) for step in _steps(job))


def lint(path: Path) -> list[Finding]:
    """Every rule broken in one workflow file."""
    name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    text = path.read_text(encoding="utf-8")
    found: list[Finding] = []

    def add(where: str, message: str) -> None:
        found.append(Finding(name, where, message))

    try:
        workflow = load(path)
    except yaml.YAMLError as error:
        return [Finding(name, "file", f"is not YAML: {error}")]
    if not isinstance(workflow, dict):
        return [Finding(name, "file", "is not a workflow mapping")]
    on = triggers(workflow)
    if not on:
        add("on", "declares no trigger")
    if "pull_request_target" in on:
        add("on", "uses pull_request_target: use pull_request, and a workflow_run for writes")
    if "permissions" not in workflow:
        add("permissions", "missing at the top: declare the least (`{}` or `contents: read`)")
    elif workflow["permissions"] in ("write-all", "read-all"):
        add("permissions", f"is {workflow['permissions']}: name each permission")
    jobs = workflow.get("jobs") or {}
    if not jobs:
        add("jobs", "no jobs")
    for job_id, job in jobs.items():
        where = f"jobs.{job_id}"
        if not isinstance(job, dict):
            add(where, "is not a mapping")
            continue
        if "uses" in job and not PINNED.match(str(job["uses"]).split("#")[0].strip()):
            add(where, f"reusable workflow not pinned by SHA: {job['uses']}")
        perms = job.get("permissions", workflow.get("permissions"))
        if perms in ("write-all",):
            add(f"{where}.permissions", "is write-all")
        if "permissions" not in job and workflow.get("permissions") not in ({}, None):
            top = workflow.get("permissions")
            if isinstance(top, dict) and any(v == "write" for v in top.values()):
                add(where, "inherits write permissions from the top: widen per job instead")
        for index, step in enumerate(_steps(job)):
            at = f"{where}.steps[{index}]"
            uses = step.get("uses")
            if uses is not None:
                uses = str(uses)
                if not uses.startswith("./") and not PINNED.match(uses):
                    add(at, f"`{uses}` is not pinned by a full 40-character commit SHA")
                elif not uses.startswith("./"):
                    line = next((ln for ln in text.splitlines() if uses in ln), "")
                    if not VERSION_COMMENT.search(line):
                        add(at, f"`{uses}`: give the version in a comment (`# v1.2.3`)")
                if uses.startswith("actions/checkout@"):
                    persist = (step.get("with") or {}).get("persist-credentials")
                    if persist is not False and not job_pushes(job):
                        add(
                            at,
                            "checkout without `persist-credentials: false` in a job that "
                            "does not push",
                        )
            run = step.get("run")
            if run is not None:
                if "${{" in str(run):
                    add(at, "`${{ }}` inside `run:`: pass values through `env:` instead")
                if uses is not None:
                    add(at, "has both run and uses")
    return found


def lint_all() -> list[Finding]:
    return [f for path in workflow_files() for f in lint(path)]


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} is not installed: pip install -e '.[test]'")
    return found


def zizmor(paths: list[Path]) -> list[dict[str, Any]]:
    """zizmor's findings (offline: no GitHub API), inline-ignored ones left out."""
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, *range(10, 20)):  # 1x: findings at some severity
        raise RuntimeError(f"zizmor failed ({result.returncode}): {result.stderr[-2000:]}")
    return [f for f in json.loads(result.stdout or "[]") if not f.get("ignored")]


def schema_errors(paths: list[Path]) -> str:
    """check-jsonschema's output against GitHub's workflow schema; "" when all are valid."""
    result = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if result.returncode == 0 else (result.stdout + result.stderr)
