"""Debian's Chromium, as the benchmark and the browser tests start it.

Playwright's own browser download does not work on these machines, so Playwright drives the
system's `chromium` through `executable_path`. The flags keep it from reaching the network
by itself (updates, sync, background requests), which this workplace's closed network
would refuse many times over. `COMMUNITY_MAP_CHROMIUM` names another executable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("COMMUNITY_MAP_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch(playwright: Any) -> Any:
    """A headless Chromium from a started `sync_playwright()`."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
