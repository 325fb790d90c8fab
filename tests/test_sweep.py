"""Sweeps: one dataset per table, the same results on every engine, resumable after a kill."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_sweep

from simulation.config import compose
from simulation.run import simulate
from simulation.sweep import run_id

REPO = Path(__file__).resolve().parent.parent
SMALL = ["region.population_scale=0.3", "horizon_months=30"]
TAGS = ["seed", "run_id", "region.population_scale", "horizon_months", "package_version", "git_revision"]


def _sweep(results: Path, name: str, *args: str, launcher: str = "parallel", prefix: tuple[str, ...] = ()) -> None:
    run_sweep(results, name, *args, *SMALL, launcher=launcher, prefix=prefix)


def _tables(sweep_dir: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for table in ("timeseries", "summary", "registry"):
        df = pd.read_parquet(sweep_dir / table)  # one line, as a user would
        df["scenario"] = df["scenario"].astype(str)
        out[table] = df.sort_values([c for c in ("scenario", "seed", "month", "project_id") if c in df]).reset_index(
            drop=True
        )
    return out


def _assert_same_runs(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    for table in ta:
        cols = [c for c in ta[table].columns if c not in ("run_seconds", "git_revision")]
        pd.testing.assert_frame_equal(ta[table][cols], tb[table][cols], check_exact=True)


@pytest.fixture(scope="module")
def parallel_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    results = tmp_path_factory.mktemp("parallel")
    _sweep(results, "cmp", "scenario=baseline,p3_seed_grants", "seed=0,1")
    return results / "sweeps" / "cmp"


def test_sweep_writes_one_dataset_per_table_with_tags(parallel_sweep: Path) -> None:
    t = _tables(parallel_sweep)
    s = t["summary"]
    assert len(s) == 4 and set(s["scenario"]) == {"baseline", "p3_seed_grants"} and set(s["seed"]) == {0, 1}
    assert s["run_id"].is_unique
    for table in t.values():
        assert set(TAGS) <= set(table.columns)
        assert "scenario" in table.columns
    assert len(t["timeseries"]) == 4 * 30
    # Every lever's spending column survives pd.read_parquet of the whole dataset, 0 where absent.
    lever = s.set_index(["scenario", "seed"])["public_eur_lever_p3_seed_grants"]
    assert (lever.loc["baseline"] == 0).all() and (lever.loc["p3_seed_grants"] > 0).all()
    assert "public_eur_lever_p8_networks" in s.columns
    assert (parallel_sweep / "sweep.json").exists()
    assert not [p for p in parallel_sweep.rglob("*.tmp")], "no temporary file is left"


def test_a_run_in_a_sweep_equals_the_same_run_alone(parallel_sweep: Path) -> None:
    t = _tables(parallel_sweep)
    for scenario, seed in (("baseline", 1), ("p3_seed_grants", 0)):
        alone = simulate(compose([f"scenario={scenario}", f"seed={seed}", *SMALL]))
        rows = t["timeseries"][(t["timeseries"].scenario == scenario) & (t["timeseries"].seed == seed)]
        assert rows["run_id"].iloc[0] == run_id(alone.config)
        got = rows[alone.timeseries.columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone.timeseries, check_exact=True)
        reg = t["registry"][(t["registry"].scenario == scenario) & (t["registry"].seed == seed)]
        assert len(reg) == len(alone.registry)
        assert reg["budget_eur"].tolist() == alone.registry["budget_eur"].tolist()


def test_serial_unbatched_and_parallel_batched_sweeps_agree(parallel_sweep: Path, tmp_path: Path) -> None:
    """The parallel sweep ran both seeds of a scenario in one job; this one, one job per run."""
    args = ("scenario=baseline,p3_seed_grants", "seed=0,1", "hydra.sweeper.seeds_per_job=1")
    _sweep(tmp_path, "cmp", *args, launcher="basic")
    assert len(list((tmp_path / "sweeps" / "cmp" / ".jobs").iterdir())) == 4
    assert len(list((parallel_sweep / ".jobs").iterdir())) == 2
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")


def test_the_batched_sweeper_groups_only_jobs_that_differ_by_seed() -> None:
    from hydra_plugins.territorial_alliances_sweeper.batched_sweeper import group_seeds

    jobs = [[f"scenario={s}", f"seed={k}", "x=1"] for s in ("a", "b") for k in range(5)]
    got = group_seeds(jobs, 2)
    assert got == [
        ["scenario=a", "x=1", "seed=0", "output.job_seeds=[0,1]"],
        ["scenario=a", "x=1", "seed=2", "output.job_seeds=[2,3]"],
        ["scenario=a", "x=1", "seed=4"],
        ["scenario=b", "x=1", "seed=0", "output.job_seeds=[0,1]"],
        ["scenario=b", "x=1", "seed=2", "output.job_seeds=[2,3]"],
        ["scenario=b", "x=1", "seed=4"],
    ]
    assert group_seeds(jobs, 1) == [[o for o in j if not o.startswith("seed")] + [j[1]] for j in jobs]
    assert group_seeds([["x=1"], ["x=2"]], 10) == [["x=1"], ["x=2"]]  # no seed swept: one job each
    with pytest.raises(ValueError, match="seeds_per_job = 0"):
        group_seeds(jobs, 0)


def test_a_bad_value_in_a_sweep_stops_it_before_any_run(tmp_path: Path) -> None:
    """Every job's config is checked by the sweeper before the first job starts."""
    earlier = tmp_path / "sweeps" / "bad" / "summary" / "scenario=baseline" / "earlier.parquet"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"an earlier result")
    cmd = [sys.executable, "-m", "simulation.run", "-m", "seed=0,1", "trust.decay_per_month=0.1,1.5", *SMALL]
    cmd += [f"output.results_dir={tmp_path}", "output.sweep_name=bad"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "trust.decay_per_month = 1.5: must be <= 1" in proc.stderr
    assert "the sweep was not started" in proc.stderr
    written = [p for p in (tmp_path / "sweeps" / "bad").rglob("*.parquet")]
    assert written == [earlier] and earlier.read_bytes() == b"an earlier result"


def test_job_seeds_outside_a_sweep_is_refused() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.run", "output.job_seeds=[0,1]", *SMALL],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0 and "output.job_seeds is set by the sweeper" in proc.stderr


def test_submitit_local_executor_gives_the_same_results(parallel_sweep: Path, tmp_path: Path) -> None:
    _sweep(tmp_path, "cmp", "scenario=baseline,p3_seed_grants", "seed=0,1", launcher="slurm_local")
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")


@pytest.mark.skipif(shutil.which("unshare") is None or shutil.which("ip") is None, reason="needs unshare and ip")
def test_a_real_ray_head_on_loopback_gives_the_same_results(parallel_sweep: Path, tmp_path: Path) -> None:
    """experiments/ray_on_loopback.sh starts a Ray head in a loopback-only namespace, runs the sweep, stops it."""
    script = str(REPO / "experiments" / "ray_on_loopback.sh")
    _sweep(tmp_path, "cmp", "scenario=baseline,p3_seed_grants", "seed=0,1", launcher="ray_cluster", prefix=(script,))
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")
    assert not subprocess.run(["pgrep", "-f", "raylet"], capture_output=True).stdout, "the Ray head was stopped"


def test_a_killed_sweep_resumes_with_nothing_lost_or_duplicated(parallel_sweep: Path, tmp_path: Path) -> None:
    args = ["scenario=baseline,p3_seed_grants", "seed=0,1"]
    cmd = [
        sys.executable,
        "-m",
        "simulation.run",
        "-m",
        "hydra/launcher=parallel",
        "hydra.launcher.n_jobs=2",
        *args,
        *SMALL,
        f"output.results_dir={tmp_path}",
        "output.sweep_name=cmp",
    ]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    summary = tmp_path / "sweeps" / "cmp" / "summary"
    deadline = time.time() + 300
    while time.time() < deadline and len(list(summary.glob("*/*.parquet"))) < 1:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-sweep
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in summary.glob("*/*.parquet")}
    assert 1 <= len(done_before) < 4, f"expected a partial sweep, found {len(done_before)} runs"
    # Whatever was half-written is invisible: readers see only complete runs.
    partial = pd.read_parquet(summary)
    assert len(partial) == len(done_before)
    _sweep(tmp_path, "cmp", *args)
    after = {p.name: p.stat().st_mtime_ns for p in summary.glob("*/*.parquet")}
    assert len(after) == 4
    assert all(after[name] == mtime for name, mtime in done_before.items()), "finished runs are not run again"
    assert not list((tmp_path / "sweeps" / "cmp").rglob("*.tmp")), "stale temporary files are cleared on restart"
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")


def test_the_analysis_command_reads_a_sweep(parallel_sweep: Path, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.analysis", str(parallel_sweep), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for name in (
        "comparison.csv",
        "comparison.md",
        "cost_effectiveness.csv",
        "emergence.png",
        "cost_effectiveness.png",
    ):
        assert (out / name).stat().st_size > 0
    table = pd.read_csv(out / "comparison.csv")
    summary = _tables(parallel_sweep)["summary"]
    row = table[(table.scenario == "p3_seed_grants") & (table.indicator == "lasting_cooperations")].iloc[0]
    s = summary.set_index(["scenario", "seed"])["lasting_cooperations"]
    expected = np.mean([s[("p3_seed_grants", k)] - s[("baseline", k)] for k in (0, 1)])
    assert row["difference"] == pytest.approx(expected)
