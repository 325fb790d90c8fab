"""One run → one result folder: complete, readable with pandas, reproducible bit for bit, never overwritten."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import small_region

from simulation.config import ConfigError, compose, from_yaml, run_id
from simulation.runs.plot_process import PlotProcess
from simulation.runs.simulate import simulate, write_run

REPO = Path(__file__).resolve().parent.parent
FILES = (
    "config.yaml",
    "provenance.json",
    "timeseries.parquet",
    "registry.parquet",
    "spending.parquet",
    "territories.parquet",
    "summary.json",
    "summary.md",
    "emergence.png",
)
#: Files that must be identical, byte for byte, for the same config and seed: all but the provenance
#: (which holds the date and the run time).
DETERMINISTIC = tuple(name for name in FILES if name != "provenance.json")


def _digest(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in DETERMINISTIC}


@pytest.fixture(scope="module")
def small_overrides() -> list[str]:
    return [*small_region(0.3), "horizon_months=48"]


def test_result_folder_holds_everything_and_pandas_reads_it(tmp_path: Path, small_overrides: list[str]) -> None:
    cfg = compose(small_overrides)
    folder = write_run(simulate(cfg), tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    ts = pd.read_parquet(folder / "timeseries.parquet")
    assert len(ts) == 48 and ts["month"].tolist() == list(range(48))
    for col in (
        "active_cooperations",
        "lasting_cooperations",
        "jobs",
        "participation_firm",
        "trust_mean",
        "giant_component_share",
        "territories_with_project_share",
        "territorial_inequality_gini",
        "leverage",
        "public_eur_per_job",
        "projects_seed",
        "projects_deployment",
    ):
        assert col in ts.columns
    reg = pd.read_parquet(folder / "registry.parquet")
    assert len(reg) > 0
    assert {
        "members",
        "member_kinds",
        "domain",
        "governance",
        "form",
        "phare_type",
        "outcome",
        "funding_public_local_eur",
        "funding_private_eur",
        "month_seed",
        "month_failed",
    } <= set(reg.columns)
    assert isinstance(reg["members"].iloc[0].tolist(), list)
    spend = pd.read_parquet(folder / "spending.parquet")
    assert set(spend.columns) == {"month", "territory", "channel", "public_eur"}
    assert spend["public_eur"].sum() == pytest.approx(ts["public_eur"].sum())
    prov = json.loads((folder / "provenance.json").read_text())
    for key in ("package_version", "git_revision", "seed", "date_utc", "python", "libraries", "run_seconds"):
        assert key in prov
    assert prov["kernel_compile_seconds"] >= 0 and isinstance(prov["kernels_compiled"], bool)
    assert prov["seed"] == 0 and prov["libraries"]["mesa"]
    assert prov["run_id"] == run_id(cfg)  # the run_id column of the same run in a sweep
    assert from_yaml(folder / "config.yaml") == cfg
    assert (folder / "emergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "active cooperations" in (folder / "summary.md").read_text()
    assert not list(tmp_path.glob(".tmp-*")), "no temporary folder is left behind"


def test_same_config_and_seed_give_identical_files(tmp_path: Path, small_overrides: list[str]) -> None:
    cfg = compose(small_overrides)
    a = write_run(simulate(cfg), tmp_path / "a")
    b = write_run(simulate(cfg), tmp_path / "b")
    assert _digest(a) == _digest(b)


def test_a_different_seed_gives_different_results(tmp_path: Path, small_overrides: list[str]) -> None:
    a = simulate(compose([*small_overrides, "seed=0"]))
    b = simulate(compose([*small_overrides, "seed=1"]))
    assert not a.timeseries.equals(b.timeseries)


def test_a_run_never_overwrites_an_earlier_one(tmp_path: Path, small_overrides: list[str]) -> None:
    result = simulate(compose(small_overrides))
    folders = {write_run(result, tmp_path) for _ in range(3)}  # same second, same name stem
    assert len(folders) == 3
    assert all((f / "summary.json").exists() for f in folders)


def test_the_command_line_run_matches_the_library_run_bit_for_bit(tmp_path: Path, small_overrides: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.run", *small_overrides, f"output.results_dir={tmp_path / 'cli'}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Results written to" in proc.stdout
    # the run's time, and numba's compiling (first run after a clone) or loading of the kernels apart
    said = r"Run time: [0-9.]+ s, plus [0-9.]+ s (compiling|loading) the numba kernels"
    assert re.search(said, proc.stdout), proc.stdout[-500:]
    (cli,) = (tmp_path / "cli").iterdir()
    lib = write_run(simulate(compose([*small_overrides, f"output.results_dir={tmp_path / 'cli'}"])), tmp_path / "lib")
    assert _digest(cli) == _digest(lib)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the process's threads in /proc")
def test_the_command_keeps_openblas_to_one_thread_unless_told_otherwise() -> None:
    """The command sets ``OPENBLAS_NUM_THREADS`` before numpy and SciPy (through Mesa) are imported, so that their
    OpenBLAS makes no thread of its own; a value the user set is kept."""
    count = (
        "import os, sys; from simulation.run import one_blas_thread; one_blas_thread(); "
        "import numpy, scipy.spatial; print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    )

    def threads(**env: str) -> tuple[str, int]:
        clean = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
        out = subprocess.run([sys.executable, "-c", count], env=clean | env, capture_output=True, text=True, check=True)
        value, n = out.stdout.split()
        return value, int(n)

    assert threads() == ("1", 1)  # the interpreter's own thread alone
    value, n = threads(OPENBLAS_NUM_THREADS="2")
    assert value == "2" and n > 1  # as the user said: OpenBLAS's threads are there


def test_the_kernel_clock_counts_what_numba_compiles_and_not_what_it_has() -> None:
    """numba's compiling of a kernel is timed, and said to be one; calling a kernel already compiled is not."""
    import numba as nb

    from simulation.kernels.toolbox import kernel_clock

    @nb.njit
    def fresh(n: int) -> int:  # compiled when first called, here: not cached anywhere
        total = 0
        for i in range(n):
            total += i * i % 7
        return total

    with kernel_clock() as first:
        assert fresh(10) == sum(i * i % 7 for i in range(10))
    with kernel_clock() as again:
        fresh(10)
    assert first.compiled and first.seconds > 0.01, "a compilation takes tens of milliseconds at least"
    assert not again.compiled and again.seconds < first.seconds / 10


def test_a_runs_time_leaves_the_kernels_compiling_apart(
    small_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run after a fresh clone spends about 20 s compiling the kernels: that is not the model's speed.
    Here numba's compiler is held for 0.5 s inside the run, as compiling a kernel holds it: ``seconds`` (the
    ``run_seconds`` of the run's files) leaves it out, ``kernel_compile_seconds`` has it, and the two add up to the
    run's wall time."""
    from numba.core.compiler_lock import global_compiler_lock

    from simulation.model.model import TerritorialModel

    cfg = compose(small_overrides)
    simulate(cfg)  # the kernels loaded in this process
    run = TerritorialModel.run

    def compiling_first(self: TerritorialModel, **kwargs: object) -> TerritorialModel:
        with global_compiler_lock:
            time.sleep(0.5)
        return run(self, **kwargs)

    monkeypatch.setattr(TerritorialModel, "run", compiling_first)
    start = time.perf_counter()
    result = simulate(cfg)
    wall = time.perf_counter() - start
    assert 0.5 <= result.kernel_compile_seconds < 0.6
    assert result.seconds + result.kernel_compile_seconds == pytest.approx(wall, abs=0.1)
    assert result.seconds < wall - 0.45


def test_the_plot_drawn_in_a_second_process_is_the_same_to_the_byte(tmp_path: Path, small_overrides: list[str]) -> None:
    """The command draws the plot in a forked process (simulation.runs.plot_process), sent it as soon as the time
    series is made: the same PNG as here, and as when the process is sent it by write_run."""
    cfg = compose(small_overrides)
    result = simulate(cfg)
    here = write_run(result, tmp_path / "here")
    plotter = PlotProcess()
    there = write_run(result, tmp_path / "there", plotter=plotter)
    early = PlotProcess()
    sooner = write_run(simulate(cfg, early), tmp_path / "sooner", plotter=early)
    assert _digest(there) == _digest(here) == _digest(sooner)
    assert plotter._process.exitcode == 0 and early._process.exitcode == 0, "the drawing processes have ended"


def test_a_drawing_that_fails_fails_the_write_and_leaves_nothing(
    tmp_path: Path, small_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drawing process's error is the run's: a full disk while drawing is refused like any write."""
    import simulation.runs.plots

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    result = simulate(compose(small_overrides))
    monkeypatch.setattr(simulation.runs.plots, "emergence_png", full_disk)  # (the fork inherits it)
    plotter = PlotProcess()
    with pytest.raises(ConfigError, match=r"output\.results_dir"):
        write_run(result, tmp_path, plotter=plotter)
    assert list(tmp_path.iterdir()) == [], "no result folder and no temporary folder"
    assert plotter._process.exitcode == 0


class _TwoArgumentError(Exception):
    """An exception that cannot be passed from process to process: it cannot be rebuilt from its arguments, and
    (should a library teach pickle to rebuild exceptions without ``__init__``, as dask installs tblib's support
    for) it holds a lock, which does not pickle."""

    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} {b}")
        self.lock = threading.Lock()


@pytest.mark.parametrize("failure", ["matplotlib missing", "unrebuildable error"])
def test_a_drawing_process_that_fails_otherwise_is_not_taken_for_a_full_disk(
    tmp_path: Path, small_overrides: list[str], monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """The drawing's own error reaches the run (not a pipe's error, read as the results folder's), and nothing
    is left."""
    import simulation.runs.plots

    def fails(*args: object) -> None:
        raise _TwoArgumentError("no", "plot")

    result = simulate(compose(small_overrides))
    if failure == "matplotlib missing":
        monkeypatch.setitem(sys.modules, "simulation.runs.plots", None)  # (the fork inherits it: an ImportError)
        expected: type[Exception] = ImportError
    else:
        monkeypatch.setattr(simulation.runs.plots, "emergence_png", fails)
        expected = RuntimeError
    with pytest.raises(expected) as raised:
        write_run(result, tmp_path, plotter=PlotProcess())
    assert "drawing process" in "".join([str(raised.value), *getattr(raised.value, "__notes__", [])])
    assert list(tmp_path.iterdir()) == []


def test_a_plot_still_drawing_is_stopped_at_once_and_one_plotter_does_not_hold_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import simulation.runs.plots

    monkeypatch.setattr(simulation.runs.plots, "emergence_png", lambda *args: time.sleep(60))
    first, second = PlotProcess(), PlotProcess()
    second.draw(pd.DataFrame(), "title", 36)
    start = time.perf_counter()
    first.close()  # (its process must see its pipe closed, though the second was forked after it)
    second.close()  # a run that failed while its plot was drawing
    assert time.perf_counter() - start < 5
    assert first._process.exitcode == 0 and second._process.exitcode is not None


def test_the_plot_process_is_declined_where_threads_run_and_stops_when_closed() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert PlotProcess.start() is None, "a fork would copy the locks other threads hold"
    finally:
        stop.set()
        thread.join()
    plotter = PlotProcess()  # a run that fails before its plot: the process ends as soon as it is closed
    plotter.close()
    assert plotter._process.exitcode == 0


def test_the_emergence_plot_shows_the_stages_lasting_cooperations_and_each_kinds_participation() -> None:
    """The curves drawn are the time series' own columns, labelled with the configured lasting age."""
    import matplotlib.pyplot as plt

    from simulation.enums import ActorKind, Stage
    from simulation.model.model import TerritorialModel, outcomes
    from simulation.runs.plots import KIND_NAMES, emergence_figure

    model = TerritorialModel(compose([*small_region(0.3), "horizon_months=36"])).run()
    ts = outcomes.timeseries(model)
    fig = emergence_figure(ts, "title", lasting_after_months=24)
    top, bottom = fig.axes
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert [s.label.replace("_", " ") for s in Stage if s != Stage.FAILED] + ["lasting (≥ 24 months)"] == labels[:5]
    lasting = next(line for line in top.get_lines() if line.get_label().startswith("lasting"))
    np.testing.assert_array_equal(lasting.get_ydata(), ts["lasting_cooperations"])
    drawn = {line.get_label(): line.get_ydata() for line in bottom.get_lines()}
    for kind in ActorKind:
        column = ts[f"participation_{kind.label}"]
        if column.notna().any():
            np.testing.assert_allclose(drawn[KIND_NAMES[kind]], 100 * column)
    assert {"collectivités", "firms", "associations", "citizen groups"} <= set(drawn)
    plt.close(fig)


def test_the_emergence_plot_says_how_many_actors_each_kinds_share_is_of() -> None:
    """A share of one or two actors jumps by 50 or 100 points: its label says so, and it is drawn thin and dotted."""
    import matplotlib.pyplot as plt

    from simulation.enums import ActorKind
    from simulation.model.model import TerritorialModel, outcomes
    from simulation.runs.plots import FEW_ACTORS, emergence_figure

    model = TerritorialModel(compose([*small_region(0.3), "horizon_months=24"])).run()
    counts = {k: int(model.actors.count_by_kind[k]) for k in ActorKind}
    counts[ActorKind.FIRM], counts[ActorKind.ASSOCIATION] = 1, 1234
    fig = emergence_figure(outcomes.timeseries(model), "title", 36, counts)
    lines = {line.get_label(): line for line in fig.axes[1].get_lines()}
    assert "firms (1 actor)" in lines and "associations (1,234 actors)" in lines
    assert lines["firms (1 actor)"].get_linestyle() == ":"
    assert lines["associations (1,234 actors)"].get_linestyle() == "-"
    assert 1 < FEW_ACTORS <= 1234
    plt.close(fig)


def test_a_run_with_a_shock_says_so_in_its_summary_and_plot_title() -> None:
    from simulation.runs.simulate import _plot, summary_markdown

    shock = ["shocks=covid_year4", "shocks.events.0.start_month=6"]
    shocked = simulate(compose([*small_region(0.3), "horizon_months=12", *shock]))
    assert "shock `covid` from month 6 for 12 months" in summary_markdown(shocked)
    assert "(shock: covid)" in _plot(shocked.config, shocked.timeseries, shocked.territories)[1]
    plain = simulate(compose([*small_region(0.3), "horizon_months=12"]))
    assert ", shock " not in summary_markdown(plain)  # (its table has a row "recovery after the shock")
    assert "shock" not in _plot(plain.config, plain.timeseries, plain.territories)[1]
