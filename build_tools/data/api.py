"""A read-only Open Referral UK API over the JSON the build wrote (`data/openreferral/`).

A small Starlette app (served by uvicorn; `pip install 'community-map[api]'`) that a council
can point the Open Referral UK validator at. It loads the static collections once and
answers `/`, `/services`, `/services/{id}`, `/taxonomies`, `/taxonomy_terms`,
`/service_at_locations` and `/organizations` (each with `/{id}`), paginated as the profile's
`Page`, with filters (`search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`,
`modified_after`, `minimum_age`, `maximum_age`, `day`, and `postcode` or `lat`/`lon` with
`proximity` in metres). Every response carries `Access-Control-Allow-Origin: *`; errors are
JSON with the right status; there are no write methods.

Postcodes are located without any network request, from the directory's own venues: the
postcode itself, or else the middle of the venues sharing its outward code ("ME15").
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from build_tools.data.openreferral import FOLDER, page
from build_tools.entries.model import normalise_postcode

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
COLLECTIONS = ("services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class BadRequest(Exception):
    """A query parameter that cannot be used: 400 with the parameter and why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


class Data:
    """The collections, as the build wrote them, with lookups by id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.details = self._read("index.json")
        self.items: dict[str, list[dict[str, Any]]] = {
            name: self._read(f"{name}.json")["contents"] for name in COLLECTIONS
        }
        self.by_id = {
            name: {item["id"]: item for item in items} for name, items in self.items.items()
        }
        self.full_services = self.by_id["services"]
        self.postcodes = _postcode_places(self.items["services"])

    def _read(self, name: str) -> Any:
        path = self.folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: build the site first (mkdocs build), then point "
                "--site-dir at the built site"
            )
        return json.loads(path.read_text("utf-8"))


def _positions(service: dict[str, Any]) -> list[tuple[float, float]]:
    out = []
    for sal in service.get("service_at_locations", []):
        loc = sal.get("location") or {}
        if "latitude" in loc and "longitude" in loc:
            out.append((float(loc["latitude"]), float(loc["longitude"])))
    return out


def _postcode_places(services: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Full postcodes and outward codes of our own venues, each with a position."""
    found: dict[str, list[tuple[float, float]]] = {}
    for service in services:
        for sal in service.get("service_at_locations", []):
            loc = sal.get("location") or {}
            if "latitude" not in loc:
                continue
            for address in loc.get("addresses", []):
                code = normalise_postcode(address.get("postal_code", ""))
                if not code:
                    continue
                point = (float(loc["latitude"]), float(loc["longitude"]))
                found.setdefault(code, []).append(point)
                found.setdefault(code.split(" ")[0], []).append(point)
    return {
        code: (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
        for code, pts in found.items()
    }


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# --- parameters ----------------------------------------------------------------------------


def _int(params: Any, name: str, default: int | None, low: int, high: int | None = None) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\d{1,9}", raw):
        raise BadRequest(name, f"`{name}` must be a whole number, like 1")
    value = int(raw)
    if value < low or (high is not None and value > high):
        limit = f" and at most {high}" if high is not None else ""
        raise BadRequest(name, f"`{name}` must be at least {low}{limit}")
    return value


def _float(params: Any, name: str, low: float, high: float) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(name, f"`{name}` must be a number, like 51.27") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise BadRequest(name, f"`{name}` must be between {low:g} and {high:g}")
    return value


def _when(params: Any, name: str) -> dt.datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            name, f"`{name}` must be a date or date and time, like 2026-10-01T00:00:00Z"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _point(params: Any, data: Data) -> tuple[float, float] | None:
    lat = _float(params, "lat", -90, 90)
    lon = _float(params, "lon", -180, 180)
    postcode = params.get("postcode")
    if (lat is None) != (lon is None):
        raise BadRequest("lat" if lat is None else "lon", "give both `lat` and `lon`, or neither")
    if lat is not None and lon is not None:
        return (lat, lon)
    if postcode:
        code = normalise_postcode(postcode)
        place = data.postcodes.get(code) or data.postcodes.get(code.split(" ")[0])
        if place is None:
            raise BadRequest(
                "postcode",
                "this postcode is not one this directory can place (it knows only its own "
                "venues' postcodes and districts): give `lat` and `lon` instead",
            )
        return place
    return None


def _service_filter(params: Any, data: Data) -> tuple[Callable[[dict], bool], Any]:
    """A test for one full service from the query, and the point to sort by (if any)."""
    words = (params.get("search") or "").casefold().split()
    term = params.get("taxonomy_term_id") or ""
    taxonomy = params.get("taxonomy_id") or ""
    organization = params.get("organization_id") or ""
    after = _when(params, "modified_after")
    min_age = _int(params, "minimum_age", None, 0, 150)
    max_age = _int(params, "maximum_age", None, 0, 150)
    day = (params.get("day") or "").upper()
    if day and day not in DAYS:
        raise BadRequest("day", "`day` must be one of MO, TU, WE, TH, FR, SA, SU")
    point = _point(params, data)
    proximity = _float(params, "proximity", 0, 2_000_000)
    if proximity is not None and point is None:
        raise BadRequest("proximity", "`proximity` needs a `postcode`, or `lat` and `lon`")

    def keep(service: dict[str, Any]) -> bool:
        if words:
            text = " ".join(
                (
                    service.get("name", ""),
                    service.get("description", ""),
                    service.get("organization", {}).get("name", ""),
                    " ".join(a["taxonomy_term"]["name"] for a in service.get("attributes", [])),
                )
            ).casefold()
            if not all(w in text for w in words):
                return False
        attributes = service.get("attributes", [])
        if term and term not in {a["taxonomy_term_id"] for a in attributes}:
            return False
        if taxonomy and taxonomy not in {a["taxonomy_term"].get("taxonomy_id") for a in attributes}:
            return False
        if organization and service.get("organization_id") != organization:
            return False
        if after is not None:
            modified = service.get("last_modified")
            if not modified or dt.datetime.fromisoformat(modified.replace("Z", "+00:00")) < after:
                return False
        # an age filter keeps services open to someone of that age
        if min_age is not None and service.get("maximum_age", 999) < min_age:
            return False
        if max_age is not None and service.get("minimum_age", 0) > max_age:
            return False
        if day and not any(
            day in re.sub(r"-?\d", "", s.get("byday", "")).split(",")
            for s in service.get("schedules", [])
        ):
            return False
        if proximity is not None and point is not None:
            places = _positions(service)
            if not places or min(distance_m(point, p) for p in places) > proximity:
                return False
        return True

    return keep, point


def _by_distance(items: list[dict], point: Any, services: Callable[[dict], dict]) -> list[dict]:
    if point is None:
        return items

    def key(item: dict) -> tuple[int, float, str]:
        places = _positions(services(item))
        if not places:
            return (1, 0.0, item["id"])
        return (0, min(distance_m(point, p) for p in places), item["id"])

    return sorted(items, key=key)


def _paged(params: Any, items: list[Any]) -> dict[str, Any]:
    number = _int(params, "page", 1, 1)
    size = _int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page(items, number, size)


# --- the app ---------------------------------------------------------------------------------


def create_app(site_dir: Path) -> Any:
    """The ASGI app for a built site folder (the one holding `data/openreferral/`)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    data = Data(Path(site_dir) / FOLDER)

    def error(status: int, message: str, parameter: str = "") -> JSONResponse:
        body: dict[str, Any] = {"status": status, "error": message}
        if parameter:
            body["parameter"] = parameter
        return JSONResponse(body, status_code=status)

    async def root(request: Request) -> JSONResponse:
        return JSONResponse(data.details)

    def collection(name: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            params = request.query_params
            items = data.items[name]
            if name == "services":
                keep, point = _service_filter(params, data)
                items = _by_distance([s for s in items if keep(s)], point, lambda s: s)
            elif name == "service_at_locations":
                keep, point = _service_filter(params, data)
                items = [i for i in items if keep(data.full_services[i["service_id"]])]
                items = _by_distance(items, point, lambda i: data.full_services[i["service_id"]])
            elif name in ("organizations", "taxonomies", "taxonomy_terms"):
                words = (params.get("search") or "").casefold().split()
                if words:
                    items = [
                        i
                        for i in items
                        if all(
                            w in f"{i.get('name', '')} {i.get('description', '')}".casefold()
                            for w in words
                        )
                    ]
                if name == "taxonomy_terms" and params.get("taxonomy_id"):
                    items = [i for i in items if i.get("taxonomy_id") == params["taxonomy_id"]]
            return JSONResponse(_paged(params, items))

        return endpoint

    def one(name: str) -> Callable[[Request], Any]:
        singular = name[:-3] + "y" if name.endswith("ies") else name[:-1]

        async def endpoint(request: Request) -> JSONResponse:
            found = data.by_id[name].get(request.path_params["id"])
            if found is None:
                return error(404, f"no {singular.replace('_', ' ')} has this id")
            return JSONResponse(found)

        return endpoint

    async def bad_request(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BadRequest)
        return error(400, exc.message, exc.parameter)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        messages = {404: "no such endpoint", 405: "this API is read-only: use GET"}
        response = error(exc.status_code, messages.get(exc.status_code, str(exc.detail)))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    routes = [Route("/", root, methods=["GET"])]
    for name in COLLECTIONS:
        routes.append(Route(f"/{name}", collection(name), methods=["GET"]))
        routes.append(Route(f"/{name}/{{id}}", one(name), methods=["GET"]))
    app = Starlette(
        routes=routes,
        exception_handlers={BadRequest: bad_request, HTTPException: http_error},
    )
    return _AllowAnyOrigin(app)


class _AllowAnyOrigin:
    """ASGI middleware: `Access-Control-Allow-Origin: *` on every response, errors too (the
    data is public and read-only, so any web page may read it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    h for h in message.get("headers", []) if h[0] != b"access-control-allow-origin"
                ]
                headers.append((b"access-control-allow-origin", b"*"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_header)


def serve(site_dir: Path, host: str, port: int) -> int:
    """`community-map openreferral-api`: serve the API until interrupted."""
    import sys

    from build_tools.console import safe_line

    try:
        import uvicorn
    except ImportError:
        print("The API needs its optional extra: pip install 'community-map[api]'", file=sys.stderr)
        return 2
    try:
        app = create_app(site_dir)
    except FileNotFoundError as exc:
        print(safe_line(str(exc)), file=sys.stderr)
        return 2
    print(safe_line(f"Open Referral UK API on http://{host}:{port}/ (Ctrl+C to stop)"))
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
