"""The deployment's configuration: region, vocabularies, geocoder, tiles.

Everything a new region changes lives in `mkdocs.yml` (the `community-map` plugin's options)
and the controlled lists in `schema/`. The plugin and the command line both build a
`Settings` from the same options, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
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
    population: int | None = None  # areas only, optional: residents (ONS estimates)


def _population(value: Any) -> int | None:
    """A positive whole number of residents, or None (written as 123456 or "123,456")."""
    if isinstance(value, str):
        value = value.replace(",", "").replace("_", "").strip()
        value = int(value) if value.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


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
                    population=_population(value.get("population")),
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
    hide_after_days: int = 548  # unconfirmed this long: off the site, kept in the data; 0: never
    site_name: str = "Community Map"
    site_url: str = ""  # with a trailing slash, or "" for relative links
    # Open Referral UK ids are uuid5(namespace, ...): one namespace per directory, kept for
    # ever, so every id stays the same across rebuilds (and differs from other directories').
    openreferral_namespace: str = "4b4ca1e4-20d7-4929-94e1-0495d4c3e9c8"

    @property
    def stale_after_text(self) -> str:
        """`stale_after_days` in words ("a year", "180 days"), for messages and pages that
        must say what this region's setting is rather than assume the default."""
        days = self.stale_after_days
        if days in (365, 366):
            return "a year"
        return f"{days} day" if days == 1 else f"{days} days"

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

    def postcode_districts(self) -> dict[str, tuple[str, ...]]:
        """`schema/postcode-districts.yml`: postcode district (`ME15`) -> the areas it lies
        in; empty when the region has no such file. The validator warns about a postcode
        that cannot be in any of an entry's areas."""
        return load_postcode_districts(self.schema_dir)


def load_postcode_districts(schema_dir: Path) -> dict[str, tuple[str, ...]]:
    path = schema_dir / "postcode-districts.yml"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    districts: dict[str, list[str]] = {}
    for area, codes in raw.items():
        for code in codes or ():
            districts.setdefault(str(code).strip().upper(), []).append(str(area))
    return {code: tuple(areas) for code, areas in districts.items()}


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
        hide_after_days=int(options.get("hide_after_days", 548)),
        site_name=site_name or "Community Map",
        site_url=(site_url.rstrip("/") + "/") if site_url else "",
        openreferral_namespace=str(
            (options.get("openreferral") or {}).get("namespace", Settings.openreferral_namespace)
        ),
    )


class _TolerantLoader(yaml.SafeLoader):
    """Reads mkdocs.yml safely: `!!python/name:` and `!ENV` tags become plain strings."""


def _as_string(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


def _env(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """MkDocs' `!ENV`: `!ENV NAME` or `!ENV [NAME, OTHER, default]`: the first variable set
    (and not empty), else the last item as the default (None when a single name is unset).
    The publish workflow sets `SITE_URL` this way, so the commands see the build's address."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    elif isinstance(node, yaml.SequenceNode):
        items = loader.construct_sequence(node)
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    else:
        return None
    for name in names:
        value = os.environ.get(str(name))
        if value:
            return yaml.safe_load(value)
    return default


_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _as_string)
_TolerantLoader.add_constructor("!ENV", _env)
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


def today() -> dt.date:
    """The build date: `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when set, for
    reproducible builds and tests that do not depend on the calendar; else today's date.
    Pages ("not checked for over a year"), the validator and geocoding all use it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()
