"""The third-party browser files the site serves itself (Leaflet, and supercluster).

The site makes no request to a CDN: these files are committed under
`site_overrides/assets/vendor/<name>-<version>/` with their licences, and listed with their
sha256 in that folder's README. This script is the only way they should change:

    python -m build_tools.site.vendor            # fetch with `npm pack`, copy, rewrite the README
    python -m build_tools.site.vendor --check    # offline: do the files match the README?

Leaflet's version is the one Folium 0.20 loads by default, so the map behaves as Folium's own
templates expect; supercluster clusters the map's points in a Web Worker (see `mapping.py`).
Changing a version here changes the paths `mapping.py` links to.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR_DIR = ROOT / "site_overrides" / "assets" / "vendor"
SITE_PREFIX = "assets/vendor"  # where MkDocs serves VENDOR_DIR


@dataclass(frozen=True)
class Package:
    """One npm package: which of its files the site needs, and under which names."""

    name: str
    version: str
    licence: str  # the licence file's path inside the package
    spdx: str
    files: tuple[tuple[str, str], ...]  # (path in the npm tarball, path in our folder)

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"

    def url(self, filename: str) -> str:
        """Site-relative path of a vendored file: `assets/vendor/leaflet-1.9.3/leaflet.js`."""
        return f"{SITE_PREFIX}/{self.folder}/{filename}"


LEAFLET = Package(
    name="leaflet",
    version="1.9.3",
    licence="LICENSE",
    spdx="BSD-2-Clause",
    files=(
        ("dist/leaflet.js", "leaflet.js"),
        ("dist/leaflet.css", "leaflet.css"),
        # leaflet.css refers to these; the map does not use default markers, but the
        # stylesheet should never point at a missing file.
        ("dist/images/layers.png", "images/layers.png"),
        ("dist/images/layers-2x.png", "images/layers-2x.png"),
        ("dist/images/marker-icon.png", "images/marker-icon.png"),
        ("dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
        ("dist/images/marker-shadow.png", "images/marker-shadow.png"),
    ),
)
# Clustering in the map's Web Worker (assets/js/map-worker.js): the UMD build, which has
# its one dependency (kdbush) inside and loads with importScripts.
SUPERCLUSTER = Package(
    name="supercluster",
    version="9.1.0",
    licence="LICENSE",
    spdx="ISC",
    files=(("dist/supercluster.min.js", "supercluster.min.js"),),
)
PACKAGES = (LEAFLET, SUPERCLUSTER)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _all_files(pkg: Package) -> list[tuple[str, str]]:
    return [*pkg.files, (pkg.licence, "LICENSE")]


def fetch(pkg: Package, workdir: Path) -> dict[str, bytes]:
    """The package's wanted files, from `npm pack` (which checks the registry's integrity hash)."""
    subprocess.run(
        [
            "npm",
            "pack",
            f"{pkg.name}@{pkg.version}",
            "--pack-destination",
            str(workdir),
            "--silent",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tarball = workdir / f"{pkg.name}-{pkg.version}.tgz"
    wanted = {f"package/{src}": dest for src, dest in _all_files(pkg)}
    found: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():  # read the members we name; never extract blindly
            if member.name in wanted and member.isfile():
                handle = tar.extractfile(member)
                assert handle is not None
                found[wanted[member.name]] = handle.read()
    missing = set(wanted.values()) - set(found)
    if missing:
        raise SystemExit(f"{pkg.name}@{pkg.version}: missing {sorted(missing)} in the tarball")
    return found


def readme(hashes: dict[Package, dict[str, str]]) -> str:
    lines = [
        "# Vendored browser libraries",
        "",
        "Served by the site itself (no CDN). Do not edit these files: refresh them with",
        "`python -m build_tools.site.vendor` (it runs `npm pack` and rewrites this list), and check",  # noqa: E501 (the README text as written)
        "them with `python -m build_tools.site.vendor --check`. Leaflet follows Folium 0.20's default.",  # noqa: E501
        "",
        "supercluster runs in the map's Web Worker (`assets/js/map-worker.js`), loaded with",
        "`importScripts`: when upgrading it, check that its UMD build still defines `Supercluster`.",  # noqa: E501
        "",
        "| name | version | licence | source package | file | sha256 |",
        "|---|---|---|---|---|---|",
    ]
    for pkg, files in hashes.items():
        for name, digest in sorted(files.items()):
            lines.append(
                f"| {pkg.name} | {pkg.version} | {pkg.spdx} | npm `{pkg.name}@{pkg.version}` "
                f"| `{pkg.folder}/{name}` | `{digest}` |"
            )
    return "\n".join(lines) + "\n"


_ROW = re.compile(r"^\| .*\| `(?P<file>[^`]+)` \| `(?P<sha>[0-9a-f]{64})` \|$")


def listed(vendor_dir: Path = VENDOR_DIR) -> dict[str, str]:
    """File (relative to the vendor folder) -> sha256, as the README records them."""
    text = (vendor_dir / "README.md").read_text(encoding="utf-8")
    return {m["file"]: m["sha"] for line in text.splitlines() if (m := _ROW.match(line))}


def check(vendor_dir: Path = VENDOR_DIR) -> list[str]:
    """Problems: files missing, changed, or present but not listed."""
    problems = []
    expected = listed(vendor_dir)
    for rel, digest in expected.items():
        path = vendor_dir / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif _sha256(path.read_bytes()) != digest:
            problems.append(f"{rel}: sha256 differs from the README")
    for path in vendor_dir.rglob("*"):
        rel = path.relative_to(vendor_dir).as_posix()
        if path.is_file() and rel != "README.md" and rel not in expected:
            problems.append(f"{rel}: not listed in the README")
    wanted = {f"{p.folder}/{dest}" for p in PACKAGES for _, dest in _all_files(p)}
    problems += [
        f"{rel}: listed in vendor.py but not in the README"
        for rel in sorted(wanted - set(expected))
    ]
    return problems


def refresh(vendor_dir: Path = VENDOR_DIR) -> None:
    hashes: dict[Package, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pkg in PACKAGES:
            files = fetch(pkg, Path(tmp))
            target = vendor_dir / pkg.folder
            hashes[pkg] = {}
            for name, data in files.items():
                path = target / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                hashes[pkg][name] = _sha256(data)
    (vendor_dir / "README.md").write_text(readme(hashes), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify only (offline)")
    args = parser.parse_args(argv)
    if not args.check:
        refresh()
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(listed())} vendored files match {VENDOR_DIR / 'README.md'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
