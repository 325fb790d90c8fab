"""Readers check that a sweep folder is whole: a damaged copy of a real sweep is named, run by run and file by file,
with how to repair it; a whole one, or one a command is writing, reads."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import run_sweep, small_region

from simulation.runs import completeness
from simulation.runs.datasets import TABLES, IncompleteSweepError, check_complete, read_table

REPO = Path(__file__).resolve().parent.parent
SMALL = [*small_region(0.3), "horizon_months=30"]
ARGS = ["scenario=baseline,p3_seed_grants", "seed=0,1"]


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real sweep: two scenarios of two seeds, each scenario's seeds in one batch."""
    return run_sweep(tmp_path_factory.mktemp("whole"), "cmp", *ARGS, *SMALL)


@pytest.fixture
def sweep(whole: Path, tmp_path: Path) -> Path:
    """A copy of the sweep, to damage."""
    return Path(shutil.copytree(whole, tmp_path / "sweeps" / "cmp"))


def _batch(sweep: Path, scenario: str = "baseline") -> tuple[str, list[tuple[str, int]]]:
    """The name of the scenario's batch, and its runs (run id, seed)."""
    (path,) = (sweep / "summary" / f"scenario={scenario}").glob("*.parquet")
    rows = pq.ParquetFile(path).read(columns=["run_id", "seed"]).to_pylist()
    return path.stem, [(r["run_id"], r["seed"]) for r in rows]


def _rewrite(path: Path, without_run: str) -> None:
    """Write a batch file again without the rows of one run."""
    table = pq.ParquetFile(path).read()
    pq.write_table(table.filter(pc.not_equal(table["run_id"], without_run)), path)


def _error(sweep: Path) -> IncompleteSweepError:
    with pytest.raises(IncompleteSweepError) as raised:
        read_table(sweep, "summary")
    return raised.value


def test_a_whole_sweep_reads_without_a_word(whole: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_complete(whole)
        summary = read_table(whole, "summary")
    assert len(summary) == 4 and summary["run_id"].is_unique
    assert set(read_table(whole, "timeseries")["run_id"]) == set(summary["run_id"])


@pytest.mark.parametrize("table", ["registry", "spending", "timeseries"])
def test_a_lost_batch_file_is_named_with_its_runs(sweep: Path, table: str) -> None:
    name, runs = _batch(sweep)
    lost = sweep / table / "scenario=baseline" / f"{name}.parquet"
    lost.unlink()
    error = _error(sweep)
    message = str(error)
    assert f"no rows in {table}" in message and f"{table}/scenario=baseline/{name}.parquet" in message
    for rid, seed in runs:
        assert f"{rid} (seed {seed})" in message
    assert "scenario baseline" in message and "run the same sweep command again" in message
    # the batch's other files are to be deleted: the same command then makes its runs again
    assert set(error.files) == {sweep / t / "scenario=baseline" / f"{name}.parquet" for t in TABLES} - {lost}
    assert str(sweep / "summary" / "scenario=baseline" / f"{name}.parquet") in message


def test_a_stray_folder_in_a_dataset_is_named(sweep: Path) -> None:
    (sweep / "summary" / "backup").mkdir()
    shutil.copy(
        next((sweep / "summary" / "scenario=baseline").glob("*.parquet")), sweep / "summary" / "backup" / "x.parquet"
    )
    error = _error(sweep)
    assert "summary/backup: a folder that is not a batch" in str(error)
    assert error.files == [sweep / "summary" / "backup"]


def test_a_scenario_in_one_dataset_only_is_named(sweep: Path) -> None:
    """A batch's summary copied into a scenario of its own: no rows of it elsewhere, and its runs twice."""
    name, runs = _batch(sweep)
    (sweep / "summary" / "scenario=zzz").mkdir()
    shutil.copy(sweep / "summary" / "scenario=baseline" / f"{name}.parquet", sweep / "summary" / "scenario=zzz")
    message = str(_error(sweep))
    assert (
        f"of scenario zzz: no rows in timeseries, registry, spending (missing: timeseries/scenario=zzz/{name}"
        in message
    )
    assert f"run {runs[0][0]} (scenario baseline, seed {runs[0][1]}) is in the summary 2 times" in message
    assert f"summary/scenario=zzz/{name}.parquet" in message


def test_a_stray_file_a_copy_and_rows_of_unfinished_runs_are_named(sweep: Path) -> None:
    name, _ = _batch(sweep, "p3_seed_grants")
    scenario = sweep / "summary" / "scenario=p3_seed_grants"
    (scenario / "notes.txt").write_text("a stray file")
    shutil.copy(scenario / f"{name}.parquet", scenario / "backup.parquet")
    (sweep / "summary" / "scenario=baseline" / f"{_batch(sweep)[0]}.parquet").unlink()  # its batch: unfinished
    error = _error(sweep)
    message = str(error)
    assert "summary/scenario=p3_seed_grants/notes.txt: a file that is not a batch" in message
    files = sorted(
        [f"summary/scenario=p3_seed_grants/{name}.parquet", "summary/scenario=p3_seed_grants/backup.parquet"]
    )
    assert f"is in the summary 2 times ({', '.join(files)})" in message or (
        f"is in the summary 2 times ({', '.join(reversed(files))})" in message
    )
    assert "with no summary row (summary/scenario=baseline/" in message
    assert scenario / "backup.parquet" in error.files and scenario / f"{name}.parquet" not in error.files, "the copy"


def test_rows_missing_or_of_runs_without_a_summary_row_inside_a_batch_are_named(sweep: Path, whole: Path) -> None:
    name, runs = _batch(sweep)
    (lacking, seed), other = runs
    timeseries = Path("timeseries") / "scenario=baseline" / f"{name}.parquet"
    _rewrite(sweep / timeseries, lacking)
    message = str(_error(sweep))
    assert f"run {lacking} (scenario baseline, seed {seed}): no rows in timeseries ({timeseries})" in message
    shutil.copy(whole / timeseries, sweep / timeseries)
    _rewrite(sweep / "summary" / "scenario=baseline" / f"{name}.parquet", other[0])
    message = str(_error(sweep))
    assert f"{timeseries}: rows of run {other[0]} (scenario baseline, seed {other[1]}) with no summary row" in message
    assert f"registry/scenario=baseline/{name}.parquet: rows of run {other[0]}" in message


def test_hidden_temporary_files_and_empty_scenario_folders_are_not_damage(sweep: Path, whole: Path) -> None:
    """A live writer's ``.*.tmp`` file is never read; a killed command may leave an empty scenario folder."""
    name, _ = _batch(sweep)
    (sweep / "registry" / "scenario=baseline" / f".{name}.parquet.0123.tmp").write_bytes(b"half written")
    (sweep / "timeseries" / "scenario=zzz").mkdir()
    check_complete(sweep)
    assert len(read_table(sweep, "registry")) == len(read_table(whole, "registry"))


def test_damage_after_a_read_is_seen_by_the_next(sweep: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check is made once per process while the files stay the same, and again when they change."""
    check_complete(sweep)
    read = []
    real = completeness._file_runs
    monkeypatch.setattr(completeness, "_file_runs", lambda *args: read.append(args) or real(*args))
    read_table(sweep, "summary")
    assert not read, "not checked again"
    next((sweep / "spending").glob("*/*.parquet")).unlink()
    with pytest.raises(IncompleteSweepError, match="no rows in spending"):
        read_table(sweep, "timeseries")


def test_a_batch_being_written_is_left_out_while_its_command_holds_the_folder(sweep: Path) -> None:
    """A command writing the folder has written a batch's time series, not yet its summary: readers get the
    finished runs, with a warning, not an error (the same files without a live command are an error)."""
    name, runs = _batch(sweep)
    (sweep / "summary" / "scenario=baseline" / f"{name}.parquet").unlink()
    code = f"import time\nfrom simulation.runs.lock import sweep_lock\nwith sweep_lock({str(sweep)!r}):\n"
    code += "    print('held', flush=True)\n    time.sleep(60)\n"
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.warns(UserWarning, match=rf"(?s)is being written by process {holder.pid} .*the 2 runs finished"):
            ts = read_table(sweep, "timeseries")
    finally:
        holder.kill()
        holder.wait()
    assert not set(ts["run_id"]) & {rid for rid, _ in runs} and ts["run_id"].nunique() == 2
    message = str(_error(sweep))
    assert f"timeseries/scenario=baseline/{name}.parquet: rows of runs" in message and "with no summary row" in message


def test_the_files_named_deleted_the_same_command_makes_the_runs_again(sweep: Path, whole: Path) -> None:
    name, _ = _batch(sweep)
    (sweep / "registry" / "scenario=baseline" / f"{name}.parquet").unlink()
    for path in _error(sweep).files:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    run_sweep(sweep.parent.parent, "cmp", *ARGS, *SMALL)
    again, before = read_table(sweep, "summary"), read_table(whole, "summary")
    assert sorted(again["run_id"]) == sorted(before["run_id"]) and again["run_id"].is_unique
    for table in ("registry", "spending", "timeseries"):
        assert len(read_table(sweep, table)) == len(read_table(whole, table))


def test_the_analysis_command_refuses_a_damaged_sweep(sweep: Path, tmp_path: Path) -> None:
    next((sweep / "timeseries").glob("*/*.parquet")).unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.analysis", str(sweep), "--out", str(tmp_path / "analysis")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0 and "no rows in timeseries" in proc.stderr and "Traceback" not in proc.stderr
