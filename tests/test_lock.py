"""One writer per sweep folder: a second command is refused at once naming the holder, or waits for it; a holder
that died does not keep the folder; two identical sweep commands at once make every run once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import small_region

from simulation.runs.datasets import check_complete, read_table
from simulation.runs.lock import HOLDER, WAIT_VARIABLE, sweep_lock, wait_requested, writing

REPO = Path(__file__).resolve().parent.parent
SMALL = [*small_region(0.3), "horizon_months=30"]


def _holding(folder: Path, seconds: float = 60) -> subprocess.Popen[str]:
    """Another process that holds the folder's lock for ``seconds``, once it has printed ``held``."""
    code = (
        "import sys, time\n"
        "from simulation.runs.lock import sweep_lock\n"
        f"with sweep_lock({str(folder)!r}):\n"
        "    print('held', flush=True)\n"
        f"    time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def test_a_second_command_is_refused_at_once_naming_the_holder(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    holder = _holding(folder)
    try:
        named = writing(folder)
        assert named is not None and named["pid"] == holder.pid
        start = time.monotonic()
        with pytest.raises(SystemExit) as refused, sweep_lock(folder):
            pytest.fail("the lock was taken twice")
        assert time.monotonic() - start < 1.5, "refused at once"
        message = str(refused.value)
        assert message.startswith("error: the sweep was not started:")
        assert f"is being written by process {holder.pid} on host {socket.gethostname()}" in message
        assert "since 20" in message and f"{WAIT_VARIABLE}=1" in message
    finally:
        holder.kill()
        holder.wait()
    with sweep_lock(folder) as me:  # its lock went with it
        assert json.loads((folder / HOLDER).read_text()) == me and me["pid"] == os.getpid()
        assert writing(folder) is None, "the holder itself is not told that another command writes its folder"
    assert not (folder / HOLDER).exists() and writing(folder) is None, "released: the holder's note removed"


def test_a_lock_whose_holder_died_is_taken_over(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "sweep"
    holder = _holding(folder)
    os.kill(holder.pid, signal.SIGKILL)  # no chance to release anything: its .lock.json is left
    holder.wait()
    left = json.loads((folder / HOLDER).read_text())
    assert left["pid"] == holder.pid and writing(folder) is None, "readers see the holder is gone"
    with sweep_lock(folder) as me:
        assert me["pid"] == os.getpid()
    err = capsys.readouterr().err
    assert f"took over the lock left by process {holder.pid}" in err and "no longer exists" in err


def test_a_command_told_to_wait_starts_when_the_holder_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sweep"
    holder = _holding(folder, seconds=1.5)
    monkeypatch.setenv(WAIT_VARIABLE, "1")
    with sweep_lock(folder, wait=wait_requested()):
        assert holder.poll() == 0, "after the holder ended"
    err = capsys.readouterr().err
    assert f"being written by process {holder.pid}" in err and "waiting for it to end" in err
    assert "took over" not in err, "it released the lock itself"
    monkeypatch.setenv(WAIT_VARIABLE, "0")
    assert not wait_requested()
    monkeypatch.setenv(WAIT_VARIABLE, "maybe")
    with pytest.raises(SystemExit, match="TA_WAIT_FOR_LOCK='maybe'"):
        wait_requested()


def test_a_file_in_place_of_the_sweep_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sweep").write_text("a file")
    with pytest.raises(SystemExit, match="is a file, not a sweep folder"), sweep_lock(tmp_path / "sweep"):
        pass


def _command(results: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "simulation.run",
        "-m",
        "hydra/launcher=parallel",
        "scenario=baseline,p3_seed_grants",
        "seed=range(0,3)",
        *SMALL,
        f"output.results_dir={results}",
        "output.sweep_name=same",
    ]


def _every_run_once(sweep: Path) -> pd.DataFrame:
    check_complete(sweep)
    summary = read_table(sweep, "summary")
    assert len(summary) == 6 and summary["run_id"].is_unique
    assert set(summary.groupby("scenario", observed=True)["seed"].apply(sorted).map(tuple)) == {(0, 1, 2)}
    ts = read_table(sweep, "timeseries")
    assert (ts.groupby("run_id").size() == 30).all() and ts["run_id"].nunique() == 6
    return summary


def test_two_identical_sweep_commands_at_once_make_every_run_once(tmp_path: Path) -> None:
    """Started together on the same folder: one runs the sweep, the other is refused, naming it."""
    procs = [
        subprocess.Popen(_command(tmp_path), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], [err[-2000:] for _, err in outs]
    ran, refused = (0, 1) if codes[0] == 0 else (1, 0)
    err = outs[refused][1]
    assert f"is being written by process {procs[ran].pid}" in err and "Traceback" not in err, err[-2000:]
    _every_run_once(tmp_path / "sweeps" / "same")


def test_a_second_sweep_command_told_to_wait_skips_the_runs_the_first_made(tmp_path: Path) -> None:
    sweep = tmp_path / "sweeps" / "same"
    first = subprocess.Popen(_command(tmp_path), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (sweep / HOLDER).exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(
        _command(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, WAIT_VARIABLE: "1"},
    )
    _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, first_err[-2000:] + second.stderr[-2000:]
    assert f"is being written by process {first.pid}" in second.stderr and "waiting for it to end" in second.stderr
    _every_run_once(sweep)  # the second made none again: its jobs skipped every run
    assert len(json.loads((sweep / "sweep.json").read_text())["history"]) == 1, "both commands prepared the folder"
