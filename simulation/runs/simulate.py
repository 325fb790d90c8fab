"""One run → one result folder.

``python -m simulation.run`` (or ``ta-run``) composes ``configs/`` with any
Hydra overrides (``seed=3 region=oriental_morocco funding=matching_funds``),
validates every value, runs the model and writes a new folder under
``results/``:

* ``config.yaml``        — the resolved configuration;
* ``provenance.json``    — package version, git revision, seed, date, Python and library versions;
* ``timeseries.parquet`` — the monthly indicators (``simulation.model.outcomes``);
* ``registry.parquet``   — one row per project (``simulation.model.records``);
* ``spending.parquet``   — public money by month, territory and channel (each lever apart);
* ``territories.parquet`` — one row per territory: type, inhabitants, actors simulated by kind;
* ``summary.json`` / ``summary.md`` — the run-level indicators;
* ``emergence.png``      — projects by stage over the decade, with participation by kind.

The folder is written under a temporary name and renamed when complete, so a
half-written result is never visible, and a run never overwrites an earlier one.
"""

from __future__ import annotations

import errno
import math
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.config import Config, ConfigError, run_id, to_yaml
from simulation.enums import ActorKind
from simulation.runs import interrupts
from simulation.runs.provenance import REPO, provenance, to_json

# The model (Mesa, numba, pandas) and the plots (matplotlib) are imported where they are used: the
# driver of a parallel sweep only composes and hands out jobs, and starts 1.2 s sooner without them
# (its workers then start sooner too); a sweep's runs never import matplotlib (0.3 s per process).
if TYPE_CHECKING:
    import pandas as pd

    from simulation.runs.plot_process import PlotArgs, PlotProcess


@dataclass
class RunResult:
    """What one run produced, in memory."""

    config: Config
    timeseries: pd.DataFrame
    registry: pd.DataFrame
    spending: pd.DataFrame
    summary: dict[str, Any]
    territories: pd.DataFrame
    #: The run's wall time, less numba's compiling or loading of the kernels (``run_seconds``).
    seconds: float
    #: The time numba took to compile the kernels, or load them from its cache, during the run
    #: (``kernel_compile_seconds``): about 20 s on the first run after a fresh clone, about 0.3 s on the first
    #: run of a process, 0 after (:func:`simulation.kernels.toolbox.kernel_clock`).
    kernel_compile_seconds: float = 0.0
    #: Whether numba compiled a kernel during the run (else it only loaded them from its cache, or had them).
    kernels_compiled: bool = False


class RunError(RuntimeError):
    """A run could not be completed (a numeric overflow: a value of the configuration is too large for the
    model); nothing was written."""


def load_model() -> None:
    """Import what :func:`simulate` imports and load numba's compiler, as a run's first kernel would: a single
    run of the command does it while its configuration is composed in another process
    (:mod:`simulation.runs.config_process`)."""
    from simulation.kernels.toolbox import warm_up
    from simulation.model import outcomes, records  # noqa: F401
    from simulation.model.model import TerritorialModel  # noqa: F401

    warm_up()


def simulate(config: Config, plotter: PlotProcess | None = None) -> RunResult:
    """Run the model over its horizon and gather its outputs.

    A numeric overflow anywhere in the run is an error (:class:`RunError`), never a warning beside results. In
    the command's process, Ctrl-C stops the run at the end of its month (:mod:`simulation.runs.interrupts`).

    Args:
        plotter: a process that draws the run's plot (:class:`simulation.runs.plot_process.PlotProcess`): it
            is sent the plot as soon as the time series is made, and draws it while the other tables are made
            and written (:func:`write_run`, given the same process, writes it).
    """
    # Ctrl-C in the command is taken between months, never inside numba's code (simulation.runs.interrupts)
    with interrupts.deferred():
        return _simulate(config, plotter)


def _simulate(config: Config, plotter: PlotProcess | None) -> RunResult:
    import numpy as np

    from simulation.kernels.toolbox import kernel_clock
    from simulation.model import outcomes, records
    from simulation.model.model import TerritorialModel  # imported before the clock starts: not a run's time

    start = time.perf_counter()
    try:
        # numba compiles the kernels when first called, or loads them from its cache: timed apart (kernel_clock)
        with np.errstate(over="raise"), kernel_clock() as kernels:
            model = TerritorialModel(config).run(between_months=interrupts.check)
            ts = outcomes.timeseries(model)
            territories = records.territories(model)
            if plotter is not None and config.output.write_plot:
                plotter.draw(*_plot(config, ts, territories))
            tables = records.registry(model), records.spending(model), outcomes.summarise(model, ts)
    except FloatingPointError as e:
        raise RunError(
            f"numeric overflow in the run of scenario {config.scenario.name}, seed {config.seed} ({e}): a value of "
            "the configuration is too large for the model; nothing was written"
        ) from None
    seconds = time.perf_counter() - start
    return RunResult(config, ts, *tables, territories, seconds - kernels.seconds, kernels.seconds, kernels.compiled)


def _shocks(c: Config) -> str:
    """The run's dated shocks, as its summary says them (none: nothing)."""
    said = [
        f"`{e.name}` from month {e.start_month} for {e.duration_months} month{'s' if e.duration_months != 1 else ''}"
        for e in c.shocks.events
    ]
    return f", shock {', '.join(said)}" if said else ""


def summary_markdown(result: RunResult) -> str:
    """A short, readable summary of a run."""
    s = result.summary
    c = result.config

    def f(key: str, fmt: str = "{:,.0f}") -> str:
        v = s.get(key, float("nan"))
        return "n/a" if isinstance(v, float) and math.isnan(v) else fmt.format(v)

    lines = [
        f"# {c.scenario.label}",
        "",
        f"Region **{c.region.title}** ({s['territories']} territories, {s['actors']:,} actors), "
        f"{c.horizon_months} months, funding rule `{c.funding.rule}`{_shocks(c)}, seed {c.seed}.",
        "",
        "| indicator | value |",
        "|---|---|",
        f"| ideas | {f('ideas_cumulative')} |",
        f"| projects launched | {f('projects_launched_cumulative')} |",
        f"| successes (reached consolidation) | {f('successes_cumulative')} |",
        f"| failures | {f('failures_cumulative')} |",
        f"| active cooperations at the end | {f('active_cooperations')} |",
        f"| lasting cooperations (≥ {c.projects.lasting_after_months} months) | {f('lasting_cooperations')} |",
        f"| jobs in active projects | {f('jobs')} |",
        f"| value created (€) | {f('value_eur_cumulative')} |",
        f"| public money spent (€) | {f('public_eur_cumulative')} |",
        f"| public € per job created | {f('public_eur_per_job')} |",
        f"| leverage (other € per public €) | {f('leverage', '{:.2f}')} |",
        f"| participation: firms / associations (%) | {f('participation_firm', '{:.1%}')} / "
        f"{f('participation_association', '{:.1%}')} |",
        f"| participation: collectivités / citizen groups (%) | {f('participation_collectivite', '{:.1%}')} / "
        f"{f('participation_citizen_group', '{:.1%}')} |",
        f"| territories with an active project | {f('territories_with_project_share', '{:.0%}')} |",
        f"| inequality between territories (Gini) | {f('territorial_inequality_gini', '{:.2f}')} |",
        f"| take-off month (10% of peak) / half-peak month | {f('takeoff_month')} / {f('half_peak_month')} |",
        f"| recovery after the shock (months) | {f('recovery_months')} |",
        f"| trust ties / mean trust / cross-sector share | {f('trust_ties')} / {f('trust_mean', '{:.3f}')} / "
        f"{f('cross_sector_tie_share', '{:.0%}')} |",
    ]
    return "\n".join(lines) + "\n"


def _folder_name(config: Config) -> str:
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime())
    return f"{stamp}_{config.scenario.name}_seed{config.seed}"


def results_root(config: Config, results_dir: str | Path | None = None) -> Path:
    """The folder a run's result folder goes in: ``results_dir`` if given (relative to the working directory),
    else ``output.results_dir`` (relative to the repository)."""
    root = Path(results_dir if results_dir is not None else config.output.results_dir)
    if not root.is_absolute():
        root = REPO / root if results_dir is None else root.resolve()
    return root


def folder_problem(path: Path) -> str | None:
    """Why no folder could be made, or written to, at ``path``; None if one can.

    The first existing path at or above ``path`` must be a folder where a folder can really be made: a probe
    folder is made and removed there (permissions alone do not tell: ``/proc`` or ``/sys`` look writable to
    root). A dangling link exists as a link: it stops the walk up, and is named.
    """
    existing = path
    while not os.path.lexists(existing):
        existing = existing.parent
    if not existing.is_dir():
        what = "a link to nothing" if existing.is_symlink() and not existing.exists() else "a file"
        where = f"is {what}" if existing == path else f"lies under {existing}, {what}"
        return f"{where}; a folder (or a path where one can be made) is needed"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".probe-", dir=existing))
    except OSError as e:
        return f"no folder can be made in {existing} ({e.strerror or e})"
    return None


def private_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_failure(error: OSError, path: Path, key: str) -> ConfigError:
    """A clear error for a write that failed (disk full, quota, permission), naming the path and the key that
    chose it."""
    reason = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else (error.strerror or str(error))
    return ConfigError(f"cannot write {path}: {reason} ({key} chose where; free space or choose another folder)")


def check_results_dir(root: Path) -> None:
    """Refuse, before a run starts, a results folder that could not be made or written to.

    Raises:
        ConfigError: naming ``output.results_dir`` and why.
    """
    try:
        problem = folder_problem(root)
    except OSError as e:
        raise ConfigError(f"output.results_dir = {root}: {e.strerror or e}") from None
    if problem:
        raise ConfigError(f"output.results_dir = {root}: {problem}")


def _plot(c: Config, ts: pd.DataFrame, territories: pd.DataFrame) -> PlotArgs:
    """The emergence plot's arguments (:func:`simulation.runs.plots.emergence_png`), the path apart."""
    shocks = ", ".join(e.name for e in c.shocks.events)
    title = f"{c.scenario.label}{f' (shock: {shocks})' if shocks else ''} — {c.region.title}, seed {c.seed}"
    kinds = {k: int(territories[f"actors_{k.label}"].sum()) for k in ActorKind}
    return ts, title, c.projects.lasting_after_months, kinds


def write_run(result: RunResult, results_dir: str | Path | None = None, plotter: PlotProcess | None = None) -> Path:
    """Write a run's folder atomically; never overwrite an earlier one.

    Args:
        plotter: the process that draws the plot (:class:`simulation.runs.plot_process.PlotProcess`), sent
            it by :func:`simulate` or else here, before the tables are written; without it the plot is drawn
            here. Either way the process is stopped before this returns.

    Returns:
        The new folder.
    """
    from simulation.model import records

    root = results_root(result.config, results_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    tmp.chmod(0o777 & ~private_umask())  # mkdtemp makes it private: the result folder is as readable as the umask says
    try:
        c = result.config
        if c.output.write_plot and plotter is not None and not plotter.sent:
            plotter.draw(*_plot(c, result.timeseries, result.territories))
        (tmp / "config.yaml").write_text(to_yaml(result.config))
        prov = provenance(
            result.config.seed,
            {
                "run_id": run_id(result.config),
                "run_seconds": round(result.seconds, 3),
                "kernel_compile_seconds": round(result.kernel_compile_seconds, 3),
                "kernels_compiled": result.kernels_compiled,
            },
        )
        (tmp / "provenance.json").write_text(to_json(prov))
        records.write_parquet(result.timeseries, tmp / "timeseries.parquet")
        records.write_parquet(result.registry, tmp / "registry.parquet", records.REGISTRY_SCHEMA)
        records.write_parquet(result.spending, tmp / "spending.parquet", records.SPENDING_SCHEMA)
        records.write_parquet(result.territories, tmp / "territories.parquet")
        (tmp / "summary.json").write_text(to_json(result.summary))
        (tmp / "summary.md").write_text(summary_markdown(result))
        if c.output.write_plot and plotter is not None:
            (tmp / "emergence.png").write_bytes(plotter.png())
        elif c.output.write_plot:
            from simulation.runs.plots import emergence_png

            (tmp / "emergence.png").write_bytes(emergence_png(*_plot(c, result.timeseries, result.territories)))
        if plotter is not None:
            plotter.close()
        name = _folder_name(result.config)
        for k in range(1, 10_000):
            final = root / (name if k == 1 else f"{name}-{k}")
            try:
                os.rename(tmp, final)  # atomic; fails if ``final`` exists and is not empty
                return final
            except OSError:
                if not final.exists():
                    raise
        raise RuntimeError(f"no free result folder name under {root}")
    except BaseException as e:
        try:
            if plotter is not None:
                plotter.close()  # (at once: its plot is no longer wanted)
        finally:
            for p in sorted(tmp.glob("*")):
                p.unlink()
            tmp.rmdir()
        if isinstance(e, OSError):
            raise write_failure(e, root, "output.results_dir") from None
        raise
