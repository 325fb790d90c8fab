"""Sweeps: one dataset per table, the same results on every engine, resumable after a kill."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_sweep, small_region

from simulation.config import Config, ConfigError, compose
from simulation.runs import sweep
from simulation.runs.datasets import CONFIGS, read_config
from simulation.runs.simulate import RunResult, simulate
from simulation.runs.sweep import clear_unfinished, run_id, run_job

REPO = Path(__file__).resolve().parent.parent
# P3's grants of 2,000 € instead of 20,000 €: its 4% sample of 250 k€ a year (8.6 k€) buys about ten in 30 months,
# where a 20,000 € grant would be bought about once, on some seeds not at all.
SMALL = [*small_region(0.3), "horizon_months=30", "+policies.params_by_lever.p3_seed_grants.grant_eur=2000"]
TAGS = [
    "seed",
    "run_id",
    "region",
    "region.sample_fraction",
    "horizon_months",
    "package_version",
    "git_revision",
    "git_dirty",
]


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
        own = ("run_seconds", "kernel_compile_seconds", "git_revision", "git_dirty")  # (not results)
        cols = [c for c in ta[table].columns if c not in own]
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
    # each worker's first run loads numba's kernels: timed apart from the run
    assert (s["run_seconds"] > 0).all() and (s["kernel_compile_seconds"] >= 0).all()
    assert (s["kernel_compile_seconds"] > 0).any()
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


def test_a_sweep_stores_each_configuration_once_and_a_run_is_made_again_from_it(parallel_sweep: Path) -> None:
    """configs/<config_id>.yaml: one file per configuration (its seeds share it), which gives back each run's id
    and, run again, the run's rows."""
    summary = _tables(parallel_sweep)["summary"]
    stored = sorted(p.stem for p in (parallel_sweep / CONFIGS).glob("*.yaml"))
    assert stored == sorted(summary["config_id"].unique()) and len(stored) == 2
    assert not re.search(r"^seed:", (parallel_sweep / CONFIGS / f"{stored[0]}.yaml").read_text(), re.M)
    for row in summary.itertuples():
        assert run_id(read_config(parallel_sweep, row.config_id, row.seed)) == row.run_id
    assert read_config(parallel_sweep, "no-such-configuration", 0) is None
    other = parallel_sweep.parent / "other_version"  # a configuration of another schema: an error naming the file
    (other / CONFIGS).mkdir(parents=True)
    (other / CONFIGS / "x.yaml").write_text("seeed: 3\n")
    with pytest.raises(ConfigError, match=r"x\.yaml: not a configuration this version of the model can read"):
        read_config(other, "x", 0)
    row = summary[(summary.scenario == "p3_seed_grants") & (summary.seed == 1)].iloc[0]
    again = simulate(read_config(parallel_sweep, row["config_id"], 1))
    ts = _tables(parallel_sweep)["timeseries"]
    got = ts[ts.run_id == row["run_id"]][again.timeseries.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, again.timeseries, check_exact=True)


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
    assert group_seeds([["seed=3"], ["seed=4"], ["seed=3"]], 1) == [["seed=3"], ["seed=4"]]  # a seed twice: one run
    with pytest.raises(ValueError, match="seeds_per_job = 0"):
        group_seeds(jobs, 0)


def test_the_sweeper_gives_each_worker_as_many_seeds_up_to_50_per_job() -> None:
    from omegaconf import OmegaConf

    from hydra_plugins.territorial_alliances_sweeper.batched_sweeper import auto_seeds_per_job, launcher_workers

    assert auto_seeds_per_job(200, 2) == 50  # 4 jobs, 2 per worker
    assert auto_seeds_per_job(200, 1) == 50
    assert auto_seeds_per_job(120, 2) == 30  # 4 jobs of 30, not 3 of 40 (one worker would run two)
    assert auto_seeds_per_job(4, 2) == 2 and auto_seeds_per_job(1, 8) == 1
    assert auto_seeds_per_job(2800, 64) == 44  # 64 jobs: one per worker
    cores = os.cpu_count() or 1
    for launcher, workers in (
        ({"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}, 1),
        ({"_target_": "x.JoblibLauncher", "n_jobs": 3}, 3),
        ({"_target_": "x.JoblibLauncher", "n_jobs": -1}, cores),
        ({"_target_": "x.SlurmLauncher", "array_parallelism": 256}, 256),
        ({"_target_": "x.RayLauncher", "ray": {"init": {"num_cpus": 4}, "remote": {"num_cpus": 2}}}, 2),
    ):
        assert launcher_workers(OmegaConf.create(launcher)) == workers, launcher


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
    written = [p for p in (tmp_path / "sweeps" / "bad").rglob("*") if p.is_file()]
    assert written == [earlier] and earlier.read_bytes() == b"an earlier result", "no sweep.json, no multirun.yaml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["seed=range(0,-6)"], "it has no run"),
        (["seed=range(-2,2)"], "seed = -2: seeds must be integers >= 0"),
        (["seed=0,1", "output.sweep_name=../../escape"], "output.sweep_name = '../../escape'"),
        (["seed=0,1", "hydra/sweeper=basic"], "hydra/sweeper=basic does not check the sweep folder"),
    ],
)
def test_a_refused_sweep_writes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    cmd = [sys.executable, "-m", "simulation.run", "-m", *args, *SMALL, f"output.results_dir={tmp_path / 'r'}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not list(tmp_path.rglob("*")), "nothing written, inside the results folder or beside it"


def test_a_bad_value_is_refused_before_connecting_to_a_ray_cluster(tmp_path: Path) -> None:
    """The sweeper counts a Ray cluster's CPUs by connecting to it: an unreachable address takes minutes
    to fail. The runs are checked first, so a bad value is refused at once, whatever the cluster."""
    unreachable = ["hydra/launcher=ray_cluster", "hydra.launcher.ray.init.address=127.0.0.1:9"]
    cmd = [sys.executable, "-m", "simulation.run", "-m", "seed=0,1", "trust.decay_per_month=1.5", *unreachable]
    cmd += [*SMALL, f"output.results_dir={tmp_path / 'r'}"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "trust.decay_per_month = 1.5: must be <= 1" in proc.stderr, proc.stderr
    assert "could not count the Ray cluster's CPUs" not in proc.stderr and "GCS" not in proc.stderr
    assert not list(tmp_path.rglob("*"))


def test_a_sweep_is_not_mixed_with_runs_of_other_code_or_configs(parallel_sweep: Path, tmp_path: Path) -> None:
    """Resuming into a folder whose runs of the same scenario and seed have other run ids is refused, with
    nothing written; a resume or an extension with the same configuration is not, and keeps the earlier command."""
    sweep = tmp_path / "sweeps" / "cmp"
    shutil.copytree(parallel_sweep, sweep)
    before = {p: p.read_bytes() for p in sweep.rglob("*") if p.is_file()}
    cmd = [sys.executable, "-m", "simulation.run", "-m", "scenario=baseline,p3_seed_grants", "seed=0,1,2", *SMALL]
    cmd += [f"output.results_dir={tmp_path}", "output.sweep_name=cmp"]
    proc = subprocess.run([*cmd, "trust.success_gain=0.35"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0, proc.stdout
    assert "its runs would be mixed with those of" in proc.stderr and "new output.sweep_name" in proc.stderr
    assert "scenario baseline: its runs are of configuration" in proc.stderr
    assert {p: p.read_bytes() for p in sweep.rglob("*") if p.is_file()} == before, "nothing written"
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)  # one more seed each
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = pd.read_parquet(sweep / "summary")
    assert len(summary) == 6 and summary["run_id"].is_unique
    manifest = json.loads((sweep / "sweep.json").read_text())
    assert "seed=0,1,2" in manifest["overrides"] and manifest["history"][-1]["overrides"] != manifest["overrides"]


def test_runs_of_another_code_revision_or_configuration_are_not_mixed_in() -> None:
    """The folder check alone: another revision is refused, and so is a scenario of only other configurations;
    more seeds, scenarios or values of a parameter are not."""
    folder = sweep.FolderRuns({"baseline": {"A"}, "p3": {"B"}}, {"rev1"})
    assert sweep.mixed_runs(folder, {"baseline": {"A"}, "p4": {"C"}}, "rev1") == []
    assert sweep.mixed_runs(folder, {"baseline": {"A", "D"}}, "rev1") == []  # a new value of a swept parameter
    assert sweep.mixed_runs(folder, {"baseline": {"A"}}, "unknown") == []  # no git: not compared
    (problem,) = sweep.mixed_runs(folder, {"baseline": {"A"}}, "rev2")
    assert "code revision rev1; this is rev2" in problem
    (problem,) = sweep.mixed_runs(folder, {"p3": {"E"}}, "rev1")
    assert "scenario p3: its runs are of configuration B, this command's of E" in problem


def test_max_batch_size_launches_the_jobs_in_batches(tmp_path: Path) -> None:
    """hydra.sweeper.max_batch_size is Hydra's: the jobs are launched that many at a time."""
    cmd = [sys.executable, "-m", "simulation.run", "-m", "scenario=baseline,p3_seed_grants", "seed=0,1", *SMALL]
    cmd += ["hydra/launcher=basic", "hydra.sweeper.seeds_per_job=1", "hydra.sweeper.max_batch_size=1"]
    cmd += [f"output.results_dir={tmp_path}", "output.sweep_name=b"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (proc.stdout + proc.stderr).count("Launching 1 jobs locally") == 4
    assert len(pd.read_parquet(tmp_path / "sweeps" / "b" / "summary")) == 4


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
def test_a_real_ray_head_on_loopback_gives_the_same_results(
    parallel_sweep: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """experiments/ray_on_loopback.sh starts a Ray head in a loopback-only namespace, runs the sweep, stops it.

    Another test starts a head of its own at the same time under pytest-xdist: neither may stop the other's.
    """
    script = str(REPO / "experiments" / "ray_on_loopback.sh")
    ray_tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths live under it
    (Path(ray_tmp) / "mine.txt").write_text("the caller's")
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    _sweep(tmp_path, "cmp", "scenario=baseline,p3_seed_grants", "seed=0,1", launcher="ray_cluster", prefix=(script,))
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")
    left = subprocess.run(["pgrep", "-f", ray_tmp], capture_output=True, text=True).stdout
    kept = [p.name for p in Path(ray_tmp).iterdir()]
    shutil.rmtree(ray_tmp)
    assert not left, f"the Ray head was stopped: {left}"
    assert kept == ["mine.txt"], "the script removed its own session folder, and only that"


@pytest.mark.skipif(shutil.which("unshare") is None or shutil.which("ip") is None, reason="needs unshare and ip")
def test_the_workers_of_a_ray_cluster_are_read_from_the_cluster() -> None:
    """A cluster reached by its address says how many CPUs it has (here a head of 3 CPUs on loopback)."""
    script = str(REPO / "experiments" / "ray_on_loopback.sh")
    check = (
        "from omegaconf import OmegaConf\n"
        "from hydra_plugins.territorial_alliances_sweeper.batched_sweeper import launcher_workers\n"
        "cfg = OmegaConf.load('configs/hydra/launcher/ray_cluster.yaml')\n"
        "print('workers', launcher_workers(cfg))\n"
    )
    proc = subprocess.run(
        [script, sys.executable, "-c", check],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "RAY_NUM_CPUS": "3"},
        timeout=300,
    )
    assert "workers 3" in proc.stdout, proc.stdout + proc.stderr


def test_a_killed_sweep_resumes_with_nothing_lost_or_duplicated(parallel_sweep: Path, tmp_path: Path) -> None:
    """Killed after its first run (a job of one seed each), then resumed with the default batches."""
    args = ["scenario=baseline,p3_seed_grants", "seed=0,1"]
    cmd = [
        sys.executable,
        "-m",
        "simulation.run",
        "-m",
        "hydra/launcher=parallel",
        "hydra.launcher.n_jobs=2",
        "hydra.sweeper.seeds_per_job=1",
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
    assert all(after[name] == mtime for name, mtime in done_before.items()), "finished runs are not run again"
    runs = pd.read_parquet(summary)
    assert len(runs) == 4 and runs["run_id"].is_unique
    assert not list((tmp_path / "sweeps" / "cmp").rglob("*.tmp")), "stale temporary files are cleared on restart"
    _assert_same_runs(parallel_sweep, tmp_path / "sweeps" / "cmp")


def test_a_job_writes_its_runs_together_and_a_failure_keeps_the_runs_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's runs land in one file per table; a failing run's batch-mates are written first."""
    configs = [compose([*SMALL, f"seed={seed}"]) for seed in range(3)]

    def fails_on_seed_2(config: Config) -> RunResult:
        if config.seed == 2:
            raise RuntimeError("run failed")
        return simulate(config)

    monkeypatch.setattr(sweep, "simulate", fails_on_seed_2)
    stopping = [dataclasses.replace(c, output=dataclasses.replace(c.output, stop_on_failure=True)) for c in configs]
    with pytest.raises(RuntimeError, match="run failed"):  # asked to stop: the job stops at the failing run
        run_job(stopping, tmp_path / "stop", SMALL)
    assert sorted(pd.read_parquet(tmp_path / "stop" / "summary")["seed"]) == [0, 1]
    # By default a failing run is recorded with its error, and the job goes on.
    assert len(run_job(configs, tmp_path, SMALL)) == 1
    (failure,) = (tmp_path / "failures").glob("*.json")
    assert failure.stem == run_id(configs[2]) and "RuntimeError: run failed" in failure.read_text()
    (written,) = (tmp_path / "summary").rglob("*.parquet")
    assert written.name == f"{run_id(configs[0])}-2.parquet"
    assert sorted(pd.read_parquet(tmp_path / "summary")["seed"]) == [0, 1]
    assert sorted(set(pd.read_parquet(tmp_path / "timeseries")["seed"])) == [0, 1]  # a row every month
    # rows only for the projects and the money a run has: both runs launch projects in 30 months, while the public
    # money spent apart from projects (facilitators, levers) may be none in a baseline of a rural region
    assert set(pd.read_parquet(tmp_path / "registry")["seed"]) == {0, 1}
    assert set(pd.read_parquet(tmp_path / "spending")["seed"]) <= {0, 1}

    # Killed between a batch's files (its tables written, not its summary): the next multirun clears
    # them before its jobs start, and those runs are made again, with every row once.
    written.unlink()
    clear_unfinished(tmp_path)
    assert not [
        p for table in ("timeseries", "registry", "spending", "summary") for p in (tmp_path / table).rglob("*.parquet")
    ]
    monkeypatch.setattr(sweep, "simulate", simulate)
    assert len(run_job(configs, tmp_path, SMALL)) == 1
    assert run_job(configs, tmp_path, SMALL) == [], "finished runs are skipped"
    assert not list((tmp_path / "failures").glob("*.json")), "a run made again removes its failure record"
    alone = simulate(configs[1])
    ts = pd.read_parquet(tmp_path / "timeseries")
    assert sorted(ts["seed"].value_counts().to_dict().items()) == [(0, 30), (1, 30), (2, 30)]
    got = ts[ts["seed"] == 1][alone.timeseries.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, alone.timeseries, check_exact=True)


def test_a_job_frees_the_models_of_its_finished_runs() -> None:
    """A model holds reference cycles and a run suspends full collections: a job collects them.

    In a process of its own, since the first collection also freezes the libraries' objects.
    """
    code = f"""
import gc, tempfile, weakref
from pathlib import Path
from simulation.runs import sweep
from simulation.config import compose
from simulation.model.model import TerritorialModel

gc.set_threshold(50_000, 50, 100)  # the command's thresholds
models, run = [], TerritorialModel.run
def tracked(self, **kwargs):
    models.append(weakref.ref(self))
    return run(self, **kwargs)
TerritorialModel.run = tracked
sweep.GARBAGE_MIB = 0  # free after every run
configs = [compose({SMALL!r} + [f"seed={{seed}}"]) for seed in range(3)]
sweep.run_job(configs, Path(tempfile.mkdtemp()), [])
print(len(models), sum(m() is not None for m in models), gc.get_freeze_count() > 10_000)
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["3", "0", "True"], "every finished model is freed, the libraries frozen"


def test_what_finished_runs_leave_stays_bounded_however_many_runs_a_process_makes() -> None:
    """A worker of a long sweep holds at most about GARBAGE_MIB of finished runs, at its hundredth run as at its
    tenth: its memory does not keep growing until joblib restarts it as leaking ("A worker stopped while some jobs
    were given to the executor").

    Each "run" here leaves 4 MiB of reference cycles, which only a collection frees; with GARBAGE_MIB = 32 a
    collection comes every 8 runs or so. (Measured on the peak memory, which never falls, each collection waited
    for 32 MiB more than the last: 8 runs of garbage, then 16, 24, …) In a process of its own, since the first
    collection also freezes the libraries' objects.
    """
    code = """
import gc, weakref
import numpy as np
from simulation.runs import sweep

gc.disable()  # only the job's collections
sweep.GARBAGE_MIB = 32
class Run:  # a finished run: a reference cycle holding 4 MiB
    pass
alive, most = [], 0
for i in range(120):
    run = Run()
    run.me, run.data = run, np.ones(2**19)  # (written: its pages are resident)
    alive.append(weakref.ref(run))
    del run
    sweep._free_finished_runs()
    alive = [r for r in alive if r() is not None]
    most = max(most, len(alive))
print(most, len(alive))
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    most, last = map(int, proc.stdout.split())
    assert most <= 32 // 4 + 3, f"{most} finished runs held at once (about 8 expected)"
    assert last <= 32 // 4 + 3


def test_a_serial_sweep_ends_at_once_when_done_and_fails_with_the_traceback(tmp_path: Path) -> None:
    """On the basic launcher the process skips the interpreter's teardown, only after a success."""
    base = [sys.executable, "-m", "simulation.run", "-m", "hydra/launcher=basic", "seed=0,1", *SMALL]

    def sweep(name: str) -> subprocess.CompletedProcess[str]:
        cmd = [*base, f"output.results_dir={tmp_path}", f"output.sweep_name={name}"]
        return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)

    ok = sweep("ok")
    assert ok.returncode == 0, ok.stderr
    assert "is being written by" not in ok.stderr, "the command is not warned of itself"
    assert "Launching 1 jobs locally" in ok.stdout, "Hydra's log is flushed before the process ends"
    assert len(pd.read_parquet(tmp_path / "sweeps" / "ok" / "summary")) == 2
    (tmp_path / "sweeps" / "bad").mkdir(parents=True)
    (tmp_path / "sweeps" / "bad" / "summary").write_text("a file where the summary dataset goes")
    bad = sweep("bad")  # a damaged sweep folder: refused before any run, in one clear message
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and "error: the sweep was not started" in bad.stderr
    assert "summary" in bad.stderr


def test_the_driver_of_a_sweep_does_not_import_the_model() -> None:
    """A parallel sweep's driver composes and hands out jobs: it starts without Mesa, numba, pandas, matplotlib."""
    code = (
        "import sys, simulation.runs.cli, hydra_plugins.territorial_alliances_sweeper.batched_sweeper; "
        "print(sorted(m for m in ('simulation.model.model', 'mesa', 'numba', 'pandas', 'matplotlib')"
        " if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


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
    markdown = (out / "comparison.md").read_text()
    assert "e+" not in markdown and "e-0" not in markdown, "the readable table writes counts, not 7.413e+04"
    table = pd.read_csv(out / "comparison.csv")
    summary = _tables(parallel_sweep)["summary"]
    row = table[(table.scenario == "p3_seed_grants") & (table.indicator == "lasting_cooperations")].iloc[0]
    s = summary.set_index(["scenario", "seed"])["lasting_cooperations"]
    expected = np.mean([s[("p3_seed_grants", k)] - s[("baseline", k)] for k in (0, 1)])
    assert row["difference"] == pytest.approx(expected)
    # The small region's kinds of few actors (its 2 citizen groups, say): their shares are left out, and named
    from simulation.model.indicators import FEW_ACTORS
    from simulation.runs.plots import KIND_NAMES

    counts = {k: int(summary[f"actors_{k.label}"].iloc[0]) for k in KIND_NAMES}
    few, enough = [k for k, n in counts.items() if n < FEW_ACTORS], [k for k, n in counts.items() if n >= FEW_ACTORS]
    assert few and enough, counts
    for kind in few:
        n = counts[kind]
        assert f"{KIND_NAMES[kind]} ({n} actor{'s' if n != 1 else ''} in each run)" in proc.stdout
        assert f"participation_{kind.label}" not in set(table["indicator"])
    assert "Left out of the comparison" in markdown
    assert {f"participation_{k.label}" for k in enough} <= set(table["indicator"])
    left_out = json.loads((out / "provenance.json").read_text())["left_out"]
    scenarios = ("baseline", "p3_seed_grants")
    assert {(r["scenario"], r["kind"]) for r in left_out} == {(sc, k.label) for sc in scenarios for k in few}
