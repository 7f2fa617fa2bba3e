"""Session fixtures for the browser tests: one built sample site, one server, one browser.

Import the fixtures into a test module with `from browser_fixtures import *  # noqa`. The
helpers are plain functions too, so a script can reuse them to take screenshots.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import need_browser
from pages_fixtures import mkdocs_build

from build_tools.bench.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: F401
from build_tools.bench.runner import serve

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["browser", "built_site", "new_page", "site_url"]


def build_site(dest: Path) -> Path:
    """Build the sample site (with its search index) into `dest`; raise with MkDocs' output."""
    proc = mkdocs_build(ROOT / "mkdocs.yml", dest)
    if proc.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{proc.stdout}\n{proc.stderr}")
    return dest


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    need_browser()  # fails under CI, skips elsewhere, before anything is built
    dest = tmp_path_factory.mktemp("browser") / "site"
    yield build_site(dest)
    shutil.rmtree(dest, ignore_errors=True)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser(built_site: Path, chromium: object) -> object:
    """The session's one Chromium (conftest.py), once the site is built."""
    return chromium


@pytest.fixture
def new_page(browser: object) -> Iterator[object]:
    """A page in a fresh context (its own storage), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()
