"""Running a design (a list of runs, each a list of overrides) through the sweep machinery: resumable, one writer per
folder, every run's rows checked whole before they are read. The sensitivity analysis and the ranking over worlds
use it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from simulation.config import compose, run_id
from simulation.runs.batches import clear_unfinished
from simulation.runs.datasets import read_table
from simulation.runs.lock import sweep_lock, wait_requested
from simulation.runs.provenance import git_revision
from simulation.runs.sweep import folder_runs, mixed_runs, run_in_sweep


def _one(overrides: list[str], folder: str) -> str:
    config = compose(overrides)
    run_in_sweep(config, Path(folder), overrides)
    return run_id(config)


def run_design(points: list[list[str]], folder: Path, jobs: int) -> pd.DataFrame:
    """Run every design point (a list of overrides) through the sweep machinery; their summaries, in order."""
    revision = git_revision()["git_revision"]
    with sweep_lock(folder, wait=wait_requested()):  # one writer per folder, as for a sweep
        problems = mixed_runs(folder_runs(folder), {}, revision)
        if problems:  # its rows would be taken for this code's: a run id names a configuration, not the code
            raise SystemExit(f"error: the design was not run: {folder}: {problems[0]} (give another --name)")
        clear_unfinished(folder)
        ids = Parallel(n_jobs=jobs, verbose=5)(delayed(_one)(p, str(folder)) for p in points)
    summary = read_table(folder, "summary").set_index("run_id")  # (read once written: the lock released)
    out = summary.loc[ids].reset_index()
    public = out["public_eur_cumulative"].where(out["public_eur_cumulative"] > 0)  # no public money: undefined
    out["jobs_per_public_meur"] = out["jobs_created_cumulative"] / public * 1e6
    return out
