"""One run → one result folder.

``python -m simulation.run`` (or ``ta-run``) composes ``configs/`` with any
Hydra overrides (``seed=3 region=oriental_morocco funding=matching_funds``),
validates every value, runs the model and writes a new folder under
``results/``:

* ``config.yaml``        — the resolved configuration;
* ``provenance.json``    — package version, git revision, seed, date, Python and library versions;
* ``timeseries.parquet`` — the monthly indicators (``simulation.outcomes``);
* ``registry.parquet``   — one row per project;
* ``spending.parquet``   — public money by month, territory and channel (each lever apart);
* ``summary.json`` / ``summary.md`` — the run-level indicators;
* ``emergence.png``      — projects by stage over the decade, with participation by kind.

The folder is written under a temporary name and renamed when complete, so a
half-written result is never visible, and a run never overwrites an earlier one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import io
import json
import logging
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig

from simulation.config import CONFIG_DIR, Config, ConfigError, check_override_keys, run_id, to_config, to_yaml
from simulation.provenance import REPO, provenance

# The model (Mesa, numba, pandas) and the plots (matplotlib) are imported where they are used: the
# driver of a parallel sweep only composes and hands out jobs, and starts 1.2 s sooner without them
# (its workers then start sooner too); a sweep's runs never import matplotlib (0.3 s per process).
if TYPE_CHECKING:
    import pandas as pd


@dataclass
class RunResult:
    """What one run produced, in memory."""

    config: Config
    timeseries: pd.DataFrame
    registry: pd.DataFrame
    spending: pd.DataFrame
    summary: dict[str, Any]
    seconds: float


def simulate(config: Config) -> RunResult:
    """Run the model over its horizon and gather its outputs."""
    from simulation import outcomes
    from simulation.model import TerritorialModel  # imported before the clock starts: not a run's time

    start = time.perf_counter()
    model = TerritorialModel(config).run()
    ts = outcomes.timeseries(model)
    return RunResult(
        config,
        ts,
        outcomes.registry(model),
        outcomes.spending(model),
        outcomes.summarise(model, ts),
        time.perf_counter() - start,
    )


def _json_default(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else str(x)


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
        f"Region **{c.region.label}** ({s['territories']} territories, {s['actors']:,} actors), "
        f"{c.horizon_months} months, funding rule `{c.funding.rule}`, seed {c.seed}.",
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

    The first existing path at or above ``path`` must be a writable folder (a dangling link exists as a
    link: it stops the walk up, and is named).
    """
    existing = path
    while not os.path.lexists(existing):
        existing = existing.parent
    if not existing.is_dir():
        what = "a link to nothing" if existing.is_symlink() and not existing.exists() else "a file"
        where = f"is {what}" if existing == path else f"lies under {existing}, {what}"
        return f"{where}; a folder (or a path where one can be made) is needed"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


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


def write_run(result: RunResult, results_dir: str | Path | None = None) -> Path:
    """Write a run's folder atomically; never overwrite an earlier one.

    Returns:
        The new folder.
    """
    from simulation import outcomes
    from simulation.plots import emergence_plot

    root = results_root(result.config, results_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        (tmp / "config.yaml").write_text(to_yaml(result.config))
        prov = provenance(
            result.config.seed, {"run_id": run_id(result.config), "run_seconds": round(result.seconds, 3)}
        )
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n")
        outcomes.write_parquet(result.timeseries, tmp / "timeseries.parquet")
        outcomes.write_parquet(result.registry, tmp / "registry.parquet", outcomes.REGISTRY_SCHEMA)
        outcomes.write_parquet(result.spending, tmp / "spending.parquet", outcomes.SPENDING_SCHEMA)
        (tmp / "summary.json").write_text(json.dumps(result.summary, indent=2, default=_json_default) + "\n")
        (tmp / "summary.md").write_text(summary_markdown(result))
        if result.config.output.write_plot:
            c = result.config
            title = f"{c.scenario.label} — {c.region.label}, seed {c.seed}"
            emergence_plot(result.timeseries, tmp / "emergence.png", title, c.projects.lasting_after_months)
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
    except BaseException:
        for p in sorted(tmp.glob("*")):
            p.unlink()
        tmp.rmdir()
        raise


def config_per_seed(config: Config) -> list[Config]:
    """The runs of one sweep job: one config per seed of ``output.job_seeds`` (or just ``seed``).

    Each is the config a job of that seed alone would have had, ``job_seeds``
    emptied: same run id, same results.
    """
    seeds = config.output.job_seeds or [config.seed]
    output = dataclasses.replace(config.output, job_seeds=[])
    return [dataclasses.replace(config, seed=s, output=output) for s in seeds]


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    global _end_at_once
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    _collect_less()  # also in a sweep's workers (joblib, Ray, submitit), where no main() ran
    try:
        config = to_config(cfg)
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        from simulation.sweep import current_sweep_dir, run_job

        run_job(config_per_seed(config), current_sweep_dir(), list(hc.overrides.task))
        _end_at_once = hc.launcher._target_ == BASIC_LAUNCHER  # its jobs run in this process: no worker to stop
        return
    if config.output.job_seeds:
        raise SystemExit("error: output.job_seeds is set by the sweeper of a multirun (-m), not in a single run")
    try:
        check_results_dir(results_root(config))
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    result = simulate(config)
    folder = write_run(result)
    print(summary_markdown(result))
    print(f"Run time: {result.seconds:.2f} s (also in provenance.json). Results written to {folder}")
    _end_at_once = True


BASIC_LAUNCHER = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
#: Set by a job that ran in this process when nothing but the process is left to clean up at exit:
#: a single run, or a multirun's job on Hydra's basic launcher (other launchers have workers to stop).
_end_at_once = False


def _collect_less() -> None:
    """Raise the cyclic collector's thresholds in this process (the command's, or a sweep's worker).

    A run allocates a few million objects importing Mesa, pandas and numba, and the collector
    would sweep them all again every 700 allocations: a larger first generation saves about 0.3 s
    of a 3 s run (the objects live until the process ends anyway), and 4% of a sweep's runs in
    its workers.
    """
    gc.set_threshold(50_000, 50, 100)


def _overrides(argv: list[str]) -> list[str]:
    """The configuration overrides of a command line, as Hydra's own parser reads them: none for its shell
    completion (``-sc install=bash``), or when the line does not parse (Hydra then says why)."""
    from hydra._internal.utils import get_args_parser

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # Hydra's parser will say it, once
            args, _ = get_args_parser().parse_known_args(argv)
    except SystemExit:
        return []
    return [] if args.shell_completion else list(args.overrides)


def main() -> None:
    """Console entry point (``ta-run``); takes Hydra overrides on the command line.

    When a single run, or a multirun on Hydra's basic launcher (the jobs run
    one after the other in this process), has written everything, the process
    ends without the interpreter's teardown of every module (about 0.4 s: numba,
    Mesa, pandas, matplotlib): every file is closed by then, and the output
    streams and logs are flushed first. A failure never gets there (Hydra
    prints its traceback and exits with code 1, the normal way), and multiruns
    on other launchers end normally too (joblib, Ray and submitit stop their
    workers at exit).
    """
    _collect_less()
    try:
        check_override_keys(_overrides(sys.argv[1:]))  # Hydra would refuse an unknown key without saying which exist
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    try:
        _hydra_main()
    except KeyboardInterrupt:
        multirun = any(a in ("-m", "--multirun") for a in sys.argv[1:])
        hint = " (what is written is kept: the same command, same output.sweep_name, resumes)" if multirun else ""
        raise SystemExit(f"interrupted{hint}") from None
    if _end_at_once:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
