"""What a comparison requires of a sweep's runs: one configuration per scenario, one run per seed, finished
runs only; a refusal names what differs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulation.runs.datasets import read_table


def load(sweep_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sweep's summary (a row per run) and time series (a row per run per month), of its finished runs.

    A run is finished when its summary row is written (:mod:`simulation.runs.sweep`): the rows an interrupted
    sweep wrote for other runs are left out until the sweep is resumed.

    Raises:
        ValueError: the sweep holds more than one run of a scenario and seed (:func:`one_run_per_seed`).
    """
    summary = read_table(sweep_dir, "summary")
    ts = read_table(sweep_dir, "timeseries", columns=["scenario", "seed", "run_id", "month", "active_cooperations"])
    for df in (summary, ts):
        df["scenario"] = df["scenario"].astype(str)
    one_run_per_seed(summary)
    one_configuration_per_scenario(summary)
    return summary, finished_only(ts, summary)


def one_configuration_per_scenario(summary: pd.DataFrame) -> None:
    """Check that the runs of each scenario are seeds of one configuration (``config_id``, where the rows
    have it): a scenario's mean over seeds of two configurations would mean nothing.

    Raises:
        ValueError: naming the scenario and the columns in which its configurations differ.
    """
    if "config_id" not in summary:
        return
    counts = summary.groupby("scenario")["config_id"].nunique()
    several = counts[counts > 1]
    if not len(several):
        return
    scenario = several.index[0]
    runs = summary[summary["scenario"] == scenario]
    raise ValueError(
        f"scenario {scenario!r} holds runs of {several.iloc[0]} configurations (config ids "
        f"{', '.join(sorted(runs['config_id'].astype(str).unique()))}). {_what_differs(runs)}"
    )


def finished_only(rows: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of the runs that have a summary row (an interrupted sweep may have written others' rows)."""
    done = rows["run_id"].isin(set(summary["run_id"]))
    return rows if done.all() else rows[done].reset_index(drop=True)


def one_run_per_seed(summary: pd.DataFrame) -> None:
    """Check that every scenario has at most one run per seed: the comparisons pair runs by seed.

    Raises:
        ValueError: naming the scenario and seed with several runs, their run ids, and the columns
            that tell them apart.
    """
    counts = summary.groupby(["scenario", "seed"]).size()
    several = counts[counts > 1]
    if not len(several):
        return
    scenario, seed = several.index[0]
    runs = summary[(summary["scenario"] == scenario) & (summary["seed"] == seed)]
    raise ValueError(
        f"the sweep holds {len(runs)} runs of scenario {scenario!r} with seed {seed} (run ids "
        f"{', '.join(runs['run_id'].astype(str))}; {len(several)} scenario-seed pairs have several runs), and the "
        f"comparison pairs one run of each scenario with one of the baseline by seed. {_what_differs(runs)}"
    )


#: Columns that describe how a run was made (besides the swept keys, whose names are dotted config paths).
MAKING = ("config_id", "git_revision", "package_version", "git_dirty")


def _what_differs(runs: pd.DataFrame) -> str:
    """The columns in which ``runs`` (of one scenario) differ, beyond their seeds, and what to do about it.

    What sets a configuration is named first: the columns constant within each configuration (``config_id``),
    then, among them, the swept keys and the code's tags; results, which differ from seed to seed, last.
    """
    own = ("run_seconds", "kernel_compile_seconds", "seed", "run_id")
    # (a key absent from some runs' files is empty there: that is a difference too)
    differ = [c for c in runs.columns if c not in own and runs[c].astype(str).nunique(dropna=False) > 1]
    if "config_id" in runs:
        per_config = runs.astype(str).groupby("config_id")
        settings = {c for c in differ if (per_config[c].nunique(dropna=False) <= 1).all()}
        differ.sort(key=lambda c: (c not in settings, c not in MAKING and "." not in c))
    return (
        f"They differ in: {', '.join(differ[:12])}{', ...' if len(differ) > 12 else ''}. Analyse one "
        "configuration per sweep folder (a new output.sweep_name for each), or select the rows with pandas."
    )
