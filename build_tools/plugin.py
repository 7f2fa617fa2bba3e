"""The MkDocs plugin: wires MkDocs events to the build steps, and nothing more.

Moving away from MkDocs should touch only this file: loading, validation, geocoding, pages,
the finder, the map, search and exports all live in their own modules and take `Entry`
objects and `Settings`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from build_tools import build
from build_tools.settings import Settings, from_options
from build_tools.site import csp, inline_scripts, pages

log = logging.getLogger("mkdocs.plugins.community-map")


class CommunityMapConfig(Config):
    entries_dir = c.Type(str, default="entries")
    schema_dir = c.Type(str, default="schema")
    region = c.Type(dict, default={})
    geocoder = c.Type(dict, default={})
    tiles = c.Type(dict, default={})
    repo_url = c.Type(str, default="")
    edit_branch = c.Type(str, default="main")
    postcode_lookup_url = c.Type(str, default="https://api.postcodes.io/postcodes/{postcode}")
    stale_after_days = c.Type(int, default=365)
    hide_after_days = c.Type(int, default=548)  # 0: never hide unconfirmed listings
    search = c.Type(bool, default=True)  # run Pagefind after the build
    openreferral = c.Type(dict, default={})  # {namespace: a UUID}: Open Referral UK ids


class CommunityMapPlugin(BasePlugin[CommunityMapConfig]):
    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.result: build.SiteBuild | None = None
        self.bodies: dict[str, str] = {}
        self.policy = csp.Policy()
        self.unreviewed = csp.Unreviewed()
        self.serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"  # live reload needs an inline script (csp.Policy)

    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path).resolve().parent
        self.settings = from_options(
            dict(self.config),
            root,
            repo_url=config.repo_url or "",
            site_name=config.site_name,
            site_url=config.site_url or "",
        )
        theme_dir = Path(config.theme.custom_dir or root / "site_overrides")
        reviewed = inline_scripts.load_file(theme_dir / Path(inline_scripts.FILE).name)
        self.policy = csp.policy(
            self.settings, {a.hash for a in reviewed}, live_reload=self.serving
        )
        self.unreviewed = csp.Unreviewed()
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        assert self.settings is not None
        build.abort(self.result)  # an earlier build's search index, if it never finished
        result = build.build(self.settings)
        for problem in result.notices:
            log.info(problem.format())
        for problem in result.warnings:
            log.warning(problem.format())
        if result.errors:
            lines = "\n".join(p.format() for p in result.errors)
            raise PluginError(
                f"{len(result.errors)} problem(s) in the entries; fix them and build again:\n"
                f"{lines}"
            )
        self.result = result
        self.bodies = result.html
        reviewed = files.get_file_from_path(Path(inline_scripts.FILE).name)
        if reviewed is not None:  # the reviewed inline-script list is for the build, not the site
            files.remove(reviewed)
        for output in result.outputs:
            if files.get_file_from_path(output.path) is not None:
                files.remove(files.get_file_from_path(output.path))
            files.append(File.generated(config, output.path, content=output.content))
        if self.config.search:  # Pagefind starts now, on the other core
            build.start_search(result, Path(config.site_dir))
        return files

    def on_page_content(self, html: str, page: Any, config: Any, files: Files) -> str:
        """Generated pages bring finished, sanitised HTML: skip Markdown for them."""
        return self.bodies.get(page.file.src_uri, html)

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        return self._secure(pages.valid_theme_markup(output), page.file.dest_uri)

    def on_post_template(self, output: str, template_name: str, config: Any) -> str:
        """Theme pages outside the nav (404.html) carry the policy too."""
        return self._secure(output, template_name) if template_name.endswith(".html") else output

    def _secure(self, html: str, where: str) -> str:
        result = csp.secure(html, self.policy)
        self.unreviewed.add(where, result.unreviewed)
        return result.html

    def on_post_build(self, config: Any) -> None:
        # HTML written beside MkDocs' pages (the map's frame) gets its policy here
        for where, hashes in csp.secure_tree(Path(config.site_dir), self.policy).items():
            self.unreviewed.add(where, hashes)
        for message in self.unreviewed.messages():
            log.warning(message)
        if self.result is not None and self.config.search:
            build.post_build(self.result, Path(config.site_dir))
        if self.result is not None:
            build.finish_offline(self.result, Path(config.site_dir))

    def on_build_error(self, error: Exception) -> None:
        build.abort(self.result)

    def on_shutdown(self) -> None:
        build.abort(self.result)

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        if self.settings is not None:
            server.watch(str(self.settings.entries_dir))
            server.watch(str(self.settings.schema_dir))
        return server
