"""Provenance of a result: what made it, so that every figure can be traced."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = (
    "mesa",
    "numpy",
    "numba",
    "scipy",
    "pandas",
    "pyarrow",
    "networkx",
    "matplotlib",
    "hydra-core",
    "omegaconf",
)
REPO = Path(__file__).resolve().parents[2]


@functools.cache
def package_version() -> str:
    """The installed version of this package (once per process: reading it scans the installed distributions)."""
    try:
        return metadata.version("territorial-alliances")
    except metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def git_revision() -> dict[str, Any]:
    """The commit of the code that ran, and whether the work tree differed from it (once per process)."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    rev = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"git_revision": rev or "unknown", "git_dirty": bool(status) if status is not None else None}


@functools.cache
def library_versions() -> dict[str, str | None]:
    """Installed versions of the libraries the results depend on."""
    libs: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = None
    return libs


def provenance(seed: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything needed to trace a result back to its code, inputs and machine."""
    return {
        "package": "territorial-alliances",
        "package_version": package_version(),
        **git_revision(),
        "seed": seed,
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "libraries": library_versions(),
        "command": " ".join(sys.argv),
        **(extra or {}),
    }


def _strict(value: Any) -> Any:
    """``value`` with every float that JSON cannot hold (NaN, ±inf) as None, and numpy scalars as Python's."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (str, bytes)):
        value = value.item()  # a numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def to_json(value: Any) -> str:
    """Strict JSON (RFC 8259) of ``value``, indented, ending with a newline: ``null`` where a number is undefined
    (NaN), never a bare ``NaN`` that strict parsers refuse."""
    return json.dumps(_strict(value), indent=2, allow_nan=False) + "\n"
