"""The MkDocs plugin: refuses bad entries with the validator's messages, and `serve` watches
the entries and the schema."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from mkdocs.config import load_config

from build_tools.plugin import CommunityMapPlugin

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "data" / "entries"


def _project(tmp_path: Path, entries: list[Path]) -> Path:
    """A copy of the project's configuration with the given entry files."""
    for name in ("docs", "schema", "site_overrides"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "entries").mkdir()
    for entry in entries:
        shutil.copy(entry, tmp_path / "entries" / entry.name)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    return tmp_path / "mkdocs.yml"


def _build(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(out)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_build_refuses_entries_with_errors_and_prints_every_message(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        [
            CORPUS / "good" / "minimal-entry.yml",
            CORPUS / "bad" / "unquoted-time.yml",
            CORPUS / "bad" / "misspelt-cost.yml",
        ],
    )
    result = _build(config, tmp_path / "out")
    assert result.returncode != 0
    assert "2 problem(s) in the entries" in result.stderr
    assert "entries/unquoted-time.yml:25:12: schedule[0].start: write times in quotes" in (
        result.stderr
    )
    assert "entries/misspelt-cost.yml:28:7: cost: `fre` is not allowed here" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_serve_watches_entries_and_schema(tmp_path: Path) -> None:
    config_file = _project(tmp_path, [CORPUS / "good" / "minimal-entry.yml"])
    config = load_config(str(config_file))
    plugin = config.plugins["community-map"]
    assert isinstance(plugin, CommunityMapPlugin)
    config = plugin.on_config(config)

    class Server:
        def __init__(self) -> None:
            self.watched: list[str] = []

        def watch(self, path: str) -> None:
            self.watched.append(path)

    server = Server()
    plugin.on_serve(server, config=config, builder=None)
    assert {Path(p) for p in server.watched} == {tmp_path / "entries", tmp_path / "schema"}


def test_colours_come_from_mkdocs_yml_and_only_as_hex(tmp_path: Path) -> None:
    config = _project(tmp_path, [CORPUS / "good" / "minimal-entry.yml"])
    text = config.read_text("utf-8")
    text = text.replace('primary: "#005c63"', 'primary: "#7a1f5c"').replace(
        'primary_dark: "#003a3f"', 'primary_dark: "red;}</style><script>alert(1)</script>"'
    )
    config.write_text(text, "utf-8")
    result = _build(config, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "out" / "index.html").read_text("utf-8")
    assert "--md-primary-fg-color: #7a1f5c;" in home
    assert "--md-primary-fg-color--light: #2f7d83;" in home
    assert "alert(1)" not in home and "--md-primary-fg-color--dark:" not in home


def test_a_plain_build_makes_no_network_request(tmp_path: Path, monkeypatch) -> None:
    """The whole build, in this process, with every way to open a connection refused."""
    import socket

    from mkdocs.commands.build import build

    config_file = _project(tmp_path, [])
    shutil.rmtree(tmp_path / "entries")
    shutil.copytree(ROOT / "entries", tmp_path / "entries")  # with the geocode cache

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the build tried to use the network: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    config = load_config(str(config_file), site_dir=str(tmp_path / "out"))
    config.plugins.on_startup(command="build", dirty=False)
    build(config)
    activities = list((tmp_path / "out" / "activities").glob("*/index.html"))
    published = [
        p for p in (ROOT / "entries").rglob("*.yml") if "status: closed" not in p.read_text("utf-8")
    ]
    assert len(activities) == len(published) > 60
    assert (tmp_path / "out" / "pagefind").is_dir()
