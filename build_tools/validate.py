"""Validation (being written): schema + semantic checks. Placeholder API for other steps."""

from __future__ import annotations

from .model import Entry, Problem
from .settings import Settings


def validate_entries(entries: list[Entry], settings: Settings, today=None) -> list[Problem]:
    return []
