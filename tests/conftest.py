"""Shared test fixtures. Every test runs with sockets limited to the loopback addresses."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from build_tools.bench.chromium import CHROMIUM, launch

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

# the `fake_github` fixture: a fake GitHub REST API on 127.0.0.1 (tests/fake_github.py)
pytest_plugins = ["fake_github"]
# Every test, and every build or command a test starts, runs on this day: nothing may pass
# or fail by the calendar ("over a year since it was checked" in the fixtures, say). The
# build reads the date from SOURCE_DATE_EPOCH (`settings.today()`); subprocesses inherit it.
FIXED_TODAY = dt.date(2026, 11, 20)
FIXED_EPOCH = str(int(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC).timestamp()))
os.environ["SOURCE_DATE_EPOCH"] = FIXED_EPOCH


# A function's source: `() => ...`, `x => ...`, `(a, b) => ...`, `function ...`, maybe async.
_FUNCTION = re.compile(r"^\s*(async\s+)?(\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>|function\b)")


def as_function(expression: str) -> str:
    """`wait_for_function`'s predicate as a function. Playwright polls a bare expression
    ("location.hash === '#x'") with eval() inside the page, which the site's Content Security
    Policy (no 'unsafe-eval') refuses; a function is called through the DevTools protocol."""
    if _FUNCTION.match(expression):
        return expression
    return f"() => (\n{expression}\n)"


def _predicates_as_functions() -> None:
    try:
        from playwright.sync_api import Frame, Page
    except ImportError:  # the browser tests skip (or fail under CI) by themselves
        return
    for cls in (Page, Frame):
        original = cls.wait_for_function
        if getattr(original, "_cm_wrapped", False):
            continue

        def wait_for_function(
            self: Any, expression: str, *args: Any, _original: Any = original, **kwargs: Any
        ) -> Any:
            return _original(self, as_function(expression), *args, **kwargs)

        wait_for_function._cm_wrapped = True  # type: ignore[attr-defined]
        cls.wait_for_function = wait_for_function  # type: ignore[method-assign]


_predicates_as_functions()


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """SOURCE_DATE_EPOCH again for each test, in case one changed or removed it."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXED_EPOCH)


def _loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:
        return True  # AF_UNIX paths and the like are local by nature
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name that still needs resolving is not allowed


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a socket to anything but 127.0.0.1 / ::1."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self: socket.socket, address: object) -> object:
        if not _loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    def guarded_ex(self: socket.socket, address: object) -> object:
        if not _loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def need_browser() -> None:
    """Skip a browser test when Chromium or Playwright is missing; fail it under CI.

    Every fixture that gates browser tests calls this first, before any other check or
    build, so that in CI no browser test can skip unnoticed."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Debian's chromium at {CHROMIUM} (make chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright (pip install -e '.[test]')")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{message}; under CI a browser test must not skip", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> object:
    """One headless Debian Chromium for every browser test (Playwright's sync API allows only
    one instance per thread). Missing Chromium skips locally but fails under CI."""
    need_browser()
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
