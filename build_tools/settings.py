"""The deployment's configuration: region, vocabularies, geocoder, tiles.

Everything a new region changes lives in `mkdocs.yml` (the `community-map` plugin's options)
and the controlled lists in `schema/`. The plugin and the command line both build a
`Settings` from the same options, so they cannot disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_USER_AGENTS = {"", "geopy", "geopy/2", "python-requests", "community-map"}


@dataclass(frozen=True)
class Term:
    """One value of a controlled list (an area, a category...)."""

    id: str
    name: str
    description: str = ""
    icon: str = ""
    colour: str = ""
    town: str = ""
    centre: tuple[float, float] | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The controlled lists, each an ordered mapping of id to `Term`."""

    areas: dict[str, Term]
    categories: dict[str, Term]
    audiences: dict[str, Term]
    accessibility: dict[str, Term]

    @classmethod
    def load(cls, schema_dir: Path) -> Vocabulary:
        def read(name: str) -> dict[str, Term]:
            path = schema_dir / f"{name}.yml"
            with path.open(encoding="utf-8") as handle:
                raw = yaml.safe_load(handle) or {}
            terms = {}
            for key, value in raw.items():
                value = value or {}
                centre = value.get("centre")
                terms[str(key)] = Term(
                    id=str(key),
                    name=str(value.get("name", key)),
                    description=str(value.get("description", "")),
                    icon=str(value.get("icon", "")),
                    colour=str(value.get("colour", "")),
                    town=str(value.get("town", "")),
                    centre=(float(centre["lat"]), float(centre["lon"])) if centre else None,
                )
            return terms

        return cls(read("areas"), read("categories"), read("audiences"), read("accessibility"))


@dataclass(frozen=True)
class Region:
    """Where the directory is: name, country, map centre and the bounds coordinates must lie in."""

    name: str = "Kent and Medway"
    country: str = "gb"
    centre: tuple[float, float] = (51.24, 0.75)
    zoom: int = 9
    # (south, west), (north, east)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((50.85, -0.05), (51.60, 1.50))

    def contains(self, lat: float, lon: float) -> bool:
        (south, west), (north, east) = self.bounds
        return south <= lat <= north and west <= lon <= east


@dataclass(frozen=True)
class GeocoderSettings:
    """How to reach the online geocoder (used only by `community-map geocode`)."""

    name: str = "nominatim"
    domain: str = "nominatim.openstreetmap.org"
    scheme: str = "https"
    user_agent: str = ""
    timeout: float = 10.0
    max_requests: int = 200
    min_delay_seconds: float = 1.0
    cache: str = "entries/.geocode-cache.json"
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TileSettings:
    """The map's tile layer: the only third party the site talks to."""

    url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )
    max_zoom: int = 19


@dataclass(frozen=True)
class Settings:
    """All options, resolved against the project root."""

    root: Path
    entries_dir: Path
    schema_dir: Path
    region: Region
    geocoder: GeocoderSettings
    tiles: TileSettings
    repo_url: str = ""
    edit_branch: str = "main"
    postcode_lookup_url: str = "https://api.postcodes.io/postcodes/{postcode}"
    stale_after_days: int = 365
    site_name: str = "Community Map"
    site_url: str = ""  # with a trailing slash, or "" for relative links

    @property
    def cache_path(self) -> Path:
        return self.root / self.geocoder.cache

    def vocabulary(self) -> Vocabulary:
        return _vocabulary(self.schema_dir)

    def synonyms(self) -> dict[str, dict[str, tuple[str, ...]]]:
        """`schema/synonyms.yml`: the words people use, by category and audience id (empty
        when the region has no such file). Search expands queries with it; the validator's
        "did you mean" reads it too."""
        return load_synonyms(self.schema_dir)


_VOCAB_CACHE: dict[tuple[Path, tuple[float, ...]], Vocabulary] = {}


def _vocabulary(schema_dir: Path) -> Vocabulary:
    stamps = tuple(
        (schema_dir / f"{n}.yml").stat().st_mtime
        for n in ("areas", "categories", "audiences", "accessibility")
    )
    key = (schema_dir.resolve(), stamps)
    if key not in _VOCAB_CACHE:
        _VOCAB_CACHE[key] = Vocabulary.load(schema_dir)
    return _VOCAB_CACHE[key]


def load_synonyms(schema_dir: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    path = schema_dir / "synonyms.yml"
    if not path.is_file():
        return {"categories": {}, "audiences": {}}
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return {
        kind: {
            str(term): tuple(str(w).strip().lower() for w in words or ())
            for term, words in (raw.get(kind) or {}).items()
        }
        for kind in ("categories", "audiences")
    }


def _pair(value: Any) -> tuple[float, float]:
    if isinstance(value, dict):
        return float(value["lat"]), float(value["lon"])
    lat, lon = value
    return float(lat), float(lon)


def from_options(
    options: dict[str, Any],
    root: Path,
    *,
    repo_url: str = "",
    site_name: str = "",
    site_url: str = "",
) -> Settings:
    """Build settings from the plugin's option mapping (as written under `community-map:`)."""
    region_raw = dict(options.get("region") or {})
    region = Region()
    if region_raw:
        bounds = region_raw.get("bounds")
        region = Region(
            name=str(region_raw.get("name", region.name)),
            country=str(region_raw.get("country", region.country)),
            centre=_pair(region_raw["centre"]) if "centre" in region_raw else region.centre,
            zoom=int(region_raw.get("zoom", region.zoom)),
            bounds=(_pair(bounds[0]), _pair(bounds[1])) if bounds else region.bounds,
        )
    geo_raw = dict(options.get("geocoder") or {})
    known = {f for f in GeocoderSettings.__dataclass_fields__ if f != "options"}
    geocoder = GeocoderSettings(
        **{k: v for k, v in geo_raw.items() if k in known},
        options={k: v for k, v in geo_raw.items() if k not in known},
    )
    tiles_raw = dict(options.get("tiles") or {})
    tiles = TileSettings(
        **{k: v for k, v in tiles_raw.items() if k in TileSettings.__dataclass_fields__}
    )
    return Settings(
        root=root,
        entries_dir=root / str(options.get("entries_dir", "entries")),
        schema_dir=root / str(options.get("schema_dir", "schema")),
        region=region,
        geocoder=geocoder,
        tiles=tiles,
        repo_url=str(options.get("repo_url") or repo_url or "").rstrip("/"),
        edit_branch=str(options.get("edit_branch", "main")),
        postcode_lookup_url=str(options.get("postcode_lookup_url", Settings.postcode_lookup_url)),
        stale_after_days=int(options.get("stale_after_days", 365)),
        site_name=site_name or "Community Map",
        site_url=(site_url.rstrip("/") + "/") if site_url else "",
    )


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml safely: `!!python/name:` and `!ENV` tags become plain strings."""


def _as_string(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _as_string)
_TolerantLoader.add_multi_constructor("!", _as_string)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest mkdocs.yml at or above `start` (the current folder by default)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "mkdocs.yml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_file: Path | None = None) -> Settings:
    """Settings for the command line, read from mkdocs.yml (or defaults beside the cwd)."""
    config_file = config_file or find_config()
    if config_file is None:
        return from_options({}, Path.cwd())
    with config_file.open(encoding="utf-8") as handle:
        config = yaml.load(handle, Loader=_TolerantLoader) or {}
    options: dict[str, Any] = {}
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "community-map" in plugin:
            options = plugin["community-map"] or {}
    return from_options(
        options,
        config_file.parent.resolve(),
        repo_url=str(config.get("repo_url") or ""),
        site_name=str(config.get("site_name") or ""),
        site_url=str(config.get("site_url") or ""),
    )


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes"}
