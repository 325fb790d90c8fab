"""Offline browser assets of the dashboard: what Solara's page would load from a CDN, installed locally.

Solara's page loads its browser code (the Vue/Vuetify app, RequireJS, Font
Awesome, and on demand the grid layout and Vega) from ``settings.assets.cdn``
(jsDelivr). ``solara run`` proxies those requests under ``/_solara/cdn/`` and
serves them from ``settings.assets.proxy_cache_dir``
(``<venv>/share/solara/cdn/<package>@<version>/<file>``), fetching a file from
the CDN only when it is missing there. A classroom without internet (or this
project's machines, which cannot reach jsDelivr) then gets a blank page.

``python -m simulation.dashboard.assets`` fills that folder from the npm
registry (the same files jsDelivr serves: the package tarball), for the exact
package versions the *installed* solara asks for. The versions are read from
solara's own sources — its page template and the Vue widgets the dashboard may
use — so that a solara upgrade is followed without editing this file. Each
tarball is checked against the registry's integrity hash, the files the page
requests are checked to exist, and a package already installed is skipped
(idempotent). ``python -m simulation.dashboard`` runs it before starting the
server, so a teacher sets up once, online, and teaches offline.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = os.environ.get("TA_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")

#: Solara sources whose CDN references the dashboard's page may request: the page template
#: (always) and the Vue widgets SolaraViz's pieces use (grid layout, Vega-Lite charts).
SOURCES = ("server/templates/solara.html.j2", "widgets/vue/gridlayout.vue", "widgets/vue/vegalite.vue")

#: ``{{cdn}}/pkg@1.2.3/path`` in the template, ``${this.getCdn()}/pkg@5/path`` in the widgets.
_REF = re.compile(r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@([\w.+-]+)/([^\"'`\s)]+)")


@dataclass(frozen=True)
class Asset:
    """One npm package as the page requests it: ``name@spec`` and the files it must contain."""

    name: str
    spec: str  # as written in the URL: an exact version ("2.3.6") or a major ("5")
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"{self.name}@{self.spec}"


def cache_dir() -> Path:
    """Where solara's CDN proxy looks first (``SOLARA_ASSETS_PROXY_CACHE_DIR`` or ``<prefix>/share/solara/cdn``)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def required_assets() -> list[Asset]:
    """The packages and files the installed solara's page and widgets request from the CDN."""
    import ipywidgets
    import solara
    from solara.server import settings

    root = Path(solara.__file__).parent
    major = ipywidgets.__version__.split(".")[0]
    files: dict[tuple[str, str], set[str]] = {}
    for rel in SOURCES:
        text = (root / rel).read_text(encoding="utf-8")
        for name, spec, path in _REF.findall(text):
            path = path.replace("{{ipywidget_major_version}}", major)
            if "{" in path or "$" in spec:
                continue  # a templated path we cannot resolve statically
            files.setdefault((name, spec), set()).add(path)
    # Font Awesome comes from a setting: "/font-awesome@4.5.0/css/font-awesome.min.css".
    fa = re.fullmatch(r"/((?:@[\w.-]+/)?[\w.-]+)@([\w.+-]+)/(.+)", settings.assets.fontawesome_path)
    if settings.assets.fontawesome_enabled and fa:
        files.setdefault((fa[1], fa[2]), set()).add(fa[3])
    return [Asset(name, spec, tuple(sorted(paths))) for (name, spec), paths in sorted(files.items())]


def _get(url: str, accept: str = "*/*") -> bytes:
    req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "territorial-alliances"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return bytes(resp.read())


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", v.split("-")[0])[:3])


def resolve(name: str, spec: str) -> tuple[str, dict[str, str]]:
    """The version an npm ``spec`` means (exact, or the newest stable release of a major/minor) and its dist data."""
    meta = json.loads(_get(f"{REGISTRY}/{name.replace('/', '%2F')}", "application/vnd.npm.install-v1+json"))
    versions: dict[str, dict[str, dict[str, str]]] = meta["versions"]
    if spec in versions:
        return spec, versions[spec]["dist"]
    prefix = spec.split(".")
    matching = [v for v in versions if "-" not in v and v.split(".")[: len(prefix)] == prefix]
    if not matching:
        raise RuntimeError(f"npm has no version of {name} matching {spec!r}")
    best = max(matching, key=_version_key)
    return best, versions[best]["dist"]


def _check_integrity(data: bytes, dist: dict[str, str], what: str) -> None:
    integrity = dist.get("integrity", "")
    if integrity.startswith("sha512-"):
        ok = base64.b64encode(hashlib.sha512(data).digest()).decode() == integrity[len("sha512-") :]
    else:
        ok = hashlib.sha1(data).hexdigest() == dist.get("shasum")
    if not ok:
        raise RuntimeError(f"{what}: the downloaded tarball does not match the registry's hash")


def is_installed(asset: Asset, root: Path) -> bool:
    """Every file the page requests from this package is present (and not empty)."""
    folder = root / asset.folder
    return all((folder / f).is_file() and (folder / f).stat().st_size > 0 for f in asset.files)


def install(asset: Asset, root: Path) -> str:
    """Download ``asset`` from the npm registry into ``root/<name>@<spec>/``, atomically.

    Returns:
        The version installed.
    """
    version, dist = resolve(asset.name, asset.spec)
    data = _get(dist["tarball"])
    _check_integrity(data, dist, f"{asset.name}@{version}")
    target = root / asset.folder
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        inner = next(p for p in tmp.iterdir() if p.is_dir())  # "package/" in almost every tarball
        (inner / ".npm-version").write_text(version + "\n")
        if target.exists():
            shutil.rmtree(target)
        inner.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not is_installed(asset, root):
        missing = [f for f in asset.files if not (target / f).is_file()]
        raise RuntimeError(f"{asset.folder}: the package lacks files the page requests: {missing}")
    return version


def ensure_assets(root: Path | None = None, *, quiet: bool = False) -> list[Asset]:
    """Install every missing asset; return the ones installed now (empty when all were there)."""
    root = cache_dir() if root is None else root
    done = []
    for asset in required_assets():
        if is_installed(asset, root):
            continue
        version = install(asset, root)
        if not quiet:
            print(f"installed {asset.folder} (npm {asset.name}@{version}) into {root}", file=sys.stderr)
        done.append(asset)
    return done


def main(argv: list[str] | None = None) -> None:
    """``python -m simulation.dashboard.assets [--check]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if something is missing")
    args = parser.parse_args(argv)
    root = cache_dir()
    assets = required_assets()
    if args.check:
        missing = [a.folder for a in assets if not is_installed(a, root)]
        print("missing: " + ", ".join(missing) if missing else f"all {len(assets)} packages present in {root}")
        raise SystemExit(1 if missing else 0)
    try:
        ensure_assets(root)
    except OSError as e:
        raise SystemExit(f"error: could not download the dashboard's browser assets from {REGISTRY}: {e}") from None
    print(f"all {len(assets)} packages present in {root}")


if __name__ == "__main__":
    main()
