"""Under CI, no browser test may skip: a missing Chromium fails every gating fixture.

A probe module uses each fixture that gates browser tests (`chromium`, `built_site`,
`browser`, `map_site`, `map_browser` and `with_browser`) and runs in a pytest of its own with
`COMMUNITY_MAP_CHROMIUM` pointing at nothing: with `CI` set every probe fails (and nothing is
built first), without it every probe skips.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider"]

PROBE = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from conftest import _fixed_today, _no_internet, chromium  # noqa: F401
from browser_fixtures import browser, built_site  # noqa: F401
from map_fixtures import map_browser, map_site  # noqa: F401
from pages_fixtures import with_browser


def test_chromium(chromium):
    pass


def test_built_site(built_site):
    pass


def test_browser(browser):
    pass


def test_map_site(map_site):
    pass


def test_map_browser(map_browser):
    pass


def test_with_browser():
    with_browser(lambda browser: None)
"""


def _probe(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["COMMUNITY_MAP_CHROMIUM"] = str(tmp_path / "no-chromium-here")
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [*PYTEST, "--rootdir", str(tmp_path), str(tmp_path / "test_probe.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("ci", [True, False], ids=["under-CI", "locally"])
def test_a_missing_chromium_fails_under_ci_and_skips_elsewhere(tmp_path: Path, ci: bool) -> None:
    result = _probe(tmp_path, ci)
    summary = result.stdout.strip().splitlines()[-1]
    if ci:
        assert result.returncode == 1, result.stdout
        # the five fixtures fail at setup (errors), with_browser in the test: none skips
        assert summary.startswith("1 failed, 5 errors in"), result.stdout
        assert result.stdout.count("under CI a browser test must not skip") >= 6
    else:
        assert result.returncode == 0, result.stdout
        assert summary.startswith("6 skipped"), result.stdout
    assert "no-chromium-here" in result.stdout
    assert "mkdocs build" not in result.stdout  # the gate comes before any build
