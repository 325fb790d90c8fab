"""Shared helpers for the model-level tests: cached small runs, their summaries and registries.

Every helper composes ``configs/`` exactly as the command line does, on a small
real region (``region=cantal``: the Cantal's 9 EPCI, ~500 actors at its preset's
``region.sample_fraction`` of 0.04) and a short horizon, so that a mechanism
test compares a baseline and one changed parameter on the *same seeds*
(common random numbers: each process draws from its own named stream). Runs
are cached per pytest worker with :func:`functools.lru_cache`, so the baseline
every mechanism test compares against is run once per worker, not once per test.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from simulation.config import Config, compose
from simulation.model import records
from simulation.model.model import TerritorialModel, outcomes

DEFAULT_SEEDS = (0, 1, 2)
DEFAULT_HORIZON = 72
#: The small region of the tests: the Cantal (9 EPCI), sampled at its preset's fraction at the default scale.
SMALL_REGION = "cantal"
SMALL_REGION_FRACTION = 0.04  # configs/region/cantal.yaml's region.sample_fraction: ~500 actors
#: A test's region size, relative: ``DEFAULT_SCALE`` is the Cantal preset as it is (its sample fraction), and
#: ``scale`` samples ``scale / DEFAULT_SCALE`` times as many of its organisations (0.3: ~430 actors, 0.2: ~290).
DEFAULT_SCALE = 0.35


def experiment(name: str) -> ModuleType:
    """The script ``experiments/<name>.py`` as a module, registered under ``name`` (a dataclass looks its module up),
    with ``experiments/`` on the path while it loads (as when the script runs: it may import a script beside it)."""
    folder = str(Path(__file__).resolve().parent.parent / "experiments")
    spec = importlib.util.spec_from_file_location(name, Path(folder) / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def small_fraction(scale: float = DEFAULT_SCALE) -> float:
    """The Cantal's ``region.sample_fraction`` for a region of relative size ``scale`` (3 significant digits)."""
    return float(f"{SMALL_REGION_FRACTION * scale / DEFAULT_SCALE:.3g}")


def small_region(scale: float = DEFAULT_SCALE) -> list[str]:
    """The overrides of the small region at relative size ``scale``: the Cantal, sampled at :func:`small_fraction`."""
    return [f"region={SMALL_REGION}", f"region.sample_fraction={small_fraction(scale)}"]


def compose_small(
    overrides: Sequence[str], seed: int, horizon: int = DEFAULT_HORIZON, scale: float = DEFAULT_SCALE
) -> Config:
    """The validated config for ``overrides`` on a small region, a short horizon and one seed.

    The small region is the Cantal at relative size ``scale`` (:func:`small_region`), unless ``overrides``
    choose another region (``region=...``): that region is then taken as it is, at its own sample fraction.
    """
    region = [] if any(o.split("=", 1)[0] == "region" for o in overrides) else small_region(scale)
    return compose([*region, *overrides, f"horizon_months={horizon}", f"seed={seed}"])


#: Bounded caches: a worker holds at most this many runs (~1 MB each on the small region).
CACHE_SIZE = 512


@functools.lru_cache(maxsize=CACHE_SIZE)
def _composed(overrides: tuple[str, ...], horizon: int, scale: float) -> Config:
    """The config for ``seed=0``. Hydra's compose costs about as much as a small run, so it is done once."""
    return compose_small(overrides, 0, horizon, scale)


@functools.lru_cache(maxsize=CACHE_SIZE)
def run_once(
    overrides: tuple[str, ...], seed: int, horizon: int = DEFAULT_HORIZON, scale: float = DEFAULT_SCALE
) -> tuple[TerritorialModel, pd.DataFrame, dict[str, Any]]:
    """One run (cached): the model at its horizon, its monthly indicators and its summary.

    The config is the one :func:`compose_small` gives for ``seed``: it is composed once per
    ``overrides`` and given the seed through ``TerritorialModel(cfg, seed=seed)``, the model's own
    way of overriding ``config.seed`` (``tests/test_mechanisms.py`` checks that both give the same
    config). Callers must treat the returned objects as read-only: they are shared between tests.
    """
    model = TerritorialModel(_composed(tuple(overrides), horizon, scale), seed=seed).run()
    ts = outcomes.timeseries(model)
    return model, ts, outcomes.summarise(model, ts)


@functools.lru_cache(maxsize=CACHE_SIZE)
def summarise_runs(
    overrides: tuple[str, ...],
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    horizon: int = DEFAULT_HORIZON,
    scale: float = DEFAULT_SCALE,
) -> dict[str, float]:
    """Mean over ``seeds`` of every numeric entry of :func:`simulation.model.outcomes.summarise`.

    NaN entries (e.g. ``recovery_months`` when the level is never regained) are
    left out of the mean; an entry that is NaN for every seed stays NaN.
    The returned dict is shared between callers (cached): do not mutate it.
    """
    summaries = [run_once(tuple(overrides), s, horizon, scale)[2] for s in seeds]
    out: dict[str, float] = {}
    for key, first in summaries[0].items():
        if isinstance(first, bool) or not isinstance(first, int | float):
            continue
        values = [float(s[key]) for s in summaries if not math.isnan(float(s[key]))]
        out[key] = sum(values) / len(values) if values else math.nan
    return out


def registries(
    overrides: tuple[str, ...],
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    horizon: int = DEFAULT_HORIZON,
    scale: float = DEFAULT_SCALE,
) -> pd.DataFrame:
    """The project registries of the runs, concatenated, with a ``seed`` column."""
    frames = [records.registry(run_once(tuple(overrides), s, horizon, scale)[0]).assign(seed=s) for s in seeds]
    return pd.concat(frames, ignore_index=True)


def timeseries_runs(
    overrides: tuple[str, ...],
    seeds: tuple[int, ...] = DEFAULT_SEEDS,
    horizon: int = DEFAULT_HORIZON,
    scale: float = DEFAULT_SCALE,
) -> list[pd.DataFrame]:
    """The monthly indicators of each run (one frame per seed, in seed order)."""
    return [run_once(tuple(overrides), s, horizon, scale)[1] for s in seeds]


def rel_diff(changed: float, base: float) -> float:
    """Relative difference of ``changed`` from ``base`` (signed; ``inf`` when base is 0 and changed is not)."""
    if base == 0:
        return 0.0 if changed == 0 else math.copysign(math.inf, changed)
    return (changed - base) / abs(base)


@pytest.fixture
def tmp_results(tmp_path: Path) -> Path:
    """An empty results directory under pytest's tmp_path (pass it as ``output.results_dir``)."""
    folder = tmp_path / "results"
    folder.mkdir()
    return folder


def run_sweep(
    results: Path,
    name: str,
    *overrides: str,
    launcher: str = "parallel",
    timeout: int = 600,
    prefix: tuple[str, ...] = (),
) -> Path:
    """Run a sweep through the same Hydra multirun command a user types; return its folder.

    Args:
        results: the results folder (``output.results_dir``).
        name: the sweep's name (``output.sweep_name``).
        overrides: the sweep's Hydra overrides (``scenario=a,b``, ``seed=range(0,3)``, ...).
        launcher: the ``hydra/launcher`` option.
        prefix: a command the sweep runs under (``experiments/ray_on_loopback.sh``).
    """
    cmd = [
        *prefix,
        sys.executable,
        "-m",
        "simulation.run",
        "-m",
        f"hydra/launcher={launcher}",
        *overrides,
        f"output.results_dir={results}",
        f"output.sweep_name={name}",
    ]
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return results / "sweeps" / name


#: Debian's chromium, driven headless by Playwright in the dashboard's browser tests (``make test`` installs it).
CHROMIUM = os.environ.get("TA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def wait_until_serving(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    """Wait until ``url`` answers 200; fail with the server's log if ``proc`` ends or ``seconds`` pass first."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"dashboard server did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail(f"chromium not found at {CHROMIUM}: 'make test' installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
