"""A single run's configuration composed in a forked process while the run's process imports the model
(simulation.runs.config_process): the same run, the same refusals said once, Ctrl-C and multiruns handled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulation.config import compose
from simulation.runs import cli, config_process
from simulation.runs.config_process import MULTIRUN, ConfigProcess

REPO = Path(__file__).resolve().parent.parent


def _command(*argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulation.run", *argv], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("trust.decay_per_month=1.5", "trust.decay_per_month = 1.5: must be <= 1"),  # refused by the validation
        ("region=atlantis", "Could not find 'region/atlantis'"),  # refused by Hydra (after the group's check)
        ("trust.no_such_key=1", "trust.no_such_key"),  # refused before Hydra reads anything
    ],
)
def test_a_refused_configuration_is_said_once_with_the_commands_exit_code_and_nothing_written(
    tmp_path: Path, override: str, said: str
) -> None:
    proc = _command(override, f"output.results_dir={tmp_path / 'results'}")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count(said) == 1, proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "results").exists()


def test_a_composing_process_answers_the_configuration_a_multirun_or_its_exit_status(tmp_path: Path) -> None:
    config = compose([])

    def answer(what: object) -> None:
        config_process.hand_over(what)  # type: ignore[arg-type]

    composer = ConfigProcess(lambda: answer(config))
    assert composer.result() == config
    assert composer.exitcode == 0
    composer = ConfigProcess(lambda: answer(MULTIRUN))
    assert composer.result() == MULTIRUN
    here = os.getcwd()

    def composed_elsewhere() -> None:  # (Hydra's hydra.job.chdir=true)
        os.chdir(tmp_path)
        answer(config)

    try:
        assert ConfigProcess(composed_elsewhere).result() == config
        assert os.getcwd() == str(tmp_path), "the run runs where Hydra would have run it"
    finally:
        os.chdir(here)
    for compose_fails, status in [
        (lambda: sys.exit("error: refused"), 1),  # the command's refusals (printed by the composing process)
        (lambda: os._exit(3), 3),
        (lambda: os.kill(os.getpid(), signal.SIGKILL), 128 + signal.SIGKILL),
    ]:
        composer = ConfigProcess(compose_fails)
        assert composer.result() is None
        assert composer.exitcode == status


def test_a_multirun_set_in_a_file_is_handed_back_before_its_sweep_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command line without -m may still be a multirun (hydra.mode in a configuration file): the composing
    process hands it back at the multirun's start, before the sweeper is made, and the run's process runs the
    command as it always does."""
    from hydra_plugins.territorial_alliances_sweeper.batched_sweeper import SweeperCheck

    def multirun_starts() -> None:
        SweeperCheck().on_multirun_start(config=None)  # type: ignore[arg-type]
        raise AssertionError("not handed back")

    ran = []
    monkeypatch.setattr(cli, "load_model", lambda: None)
    monkeypatch.setattr(cli, "_hydra_main", lambda: ran.append("the command, in the run's process"))
    composer = ConfigProcess(multirun_starts)
    cli._run_composed(composer)
    assert ran == ["the command, in the run's process"]
    assert composer.exitcode == 0


def test_an_interrupted_run_stops_the_composing_process_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_model", interrupted)
    composer = ConfigProcess(lambda: time.sleep(60))
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        cli._run_composed(composer)
    assert time.perf_counter() - start < 5
    assert composer.exitcode == 128 + signal.SIGKILL


def test_ctrl_c_while_the_configuration_is_composed_leaves_nothing(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the command's process group) while the model is imported and the configuration
    composed: the command says it was interrupted, writes nothing and leaves no process behind."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.run", f"output.results_dir={tmp_path / 'results'}"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(0.5)  # (the command's modules take 0.2 s to import, the model about 1 s)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.strip().endswith("interrupted"), err
    assert err.count("interrupted") == 1 and "Traceback" not in err, err
    assert out == ""
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())
    time.sleep(0.2)
    assert _session(proc.pid) == [], "a process of the command is left"


def _session(sid: int) -> list[int]:
    """The processes of session ``sid``."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            left.append(int(stat.parent.name))
    return left


@pytest.mark.parametrize(
    "argv", [["-m", "seed=0,1"], ["--multirun"], ["hydra.mode=MULTIRUN"], ["--help"], ["--cfg", "job"], ["-cd", "x"]]
)
def test_only_a_single_runs_overrides_are_composed_apart(argv: list[str]) -> None:
    assert not config_process.single_run(argv)
    assert ConfigProcess.start(argv, lambda: None) is None
    assert config_process.single_run(["seed=3", "region=oriental_morocco"])


def test_the_composing_process_is_declined_where_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert ConfigProcess.start(["seed=1"], lambda: None) is None, "a fork would copy the locks other threads hold"
    finally:
        stop.set()
        thread.join()
