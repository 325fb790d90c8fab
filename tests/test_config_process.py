"""A single run's configuration composed in a forked process while the run's process imports the model
(simulation.runs.config_process): the same run, the same refusals said once, Ctrl-C and multiruns handled."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from omegaconf import DictConfig, OmegaConf

from simulation.config import compose
from simulation.runs import cli, config_process
from simulation.runs.config_process import COMPOSE_HERE, ConfigProcess

REPO = Path(__file__).resolve().parent.parent


def _environment(composed: str = "apart", **variables: str) -> dict[str, str]:
    """The command's environment: its configuration composed ``apart`` (the default) or ``in the run's process``."""
    env = {**os.environ, config_process.IN_PROCESS: "1" if composed != "apart" else "0", **variables}
    env.pop("NUMBA_DEBUG_CACHE", None)
    return env


def _command(*argv: str, composed: str = "apart", **variables: str) -> subprocess.CompletedProcess[str]:
    """The command run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "simulation.run", *argv],
        cwd=REPO,
        env=_environment(composed, **variables),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _started(results: Path) -> subprocess.Popen[str]:
    """The default run started in a session of its own (its processes are those of the session)."""
    return subprocess.Popen(
        [sys.executable, "-m", "simulation.run", f"output.results_dir={results}"],
        cwd=REPO,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("trust.decay_per_month=1.5", "trust.decay_per_month = 1.5: must be <= 1"),  # refused by the validation
        ("region=atlantis", "region has no preset 'atlantis'"),  # refused by the groups' check
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


def _hydra_job(**env_set: str) -> DictConfig:
    """Hydra's configuration of a job (``HydraConfig.get()``), as much of it as the hand-over reads."""
    return OmegaConf.create(
        {
            "job": {"env_set": env_set},
            "hydra_logging": {"version": 1, "root": {"level": "INFO"}},
            "job_logging": {"version": 1, "root": None},
            "verbose": ["simulation"],
            "overrides": {"task": ["seed=3"]},
        }
    )


def test_a_composing_process_answers_the_configuration_and_its_set_up_or_compose_here_or_its_exit_status(
    tmp_path: Path,
) -> None:
    config = compose(["seed=3"])

    def composed_elsewhere() -> None:  # (Hydra's hydra.job.chdir=true)
        os.chdir(tmp_path)
        config_process.hand_over(config, _hydra_job())  # type: ignore[arg-type]

    composer = ConfigProcess(composed_elsewhere)
    answer = composer.result()
    assert isinstance(answer, tuple) and answer[0] == config
    setup = answer[1]
    assert (setup.cwd, setup.overrides, setup.verbose) == (str(tmp_path), ["seed=3"], ["simulation"])
    assert composer.exitcode == 0
    here = os.getcwd()
    try:
        setup.take()
        assert os.getcwd() == str(tmp_path), "the run runs where Hydra would have run it"
        assert logging.getLogger("simulation").getEffectiveLevel() == logging.DEBUG, "hydra.verbose, as Hydra sets it"
    finally:
        os.chdir(here)
        logging.getLogger("simulation").setLevel(logging.NOTSET)
    for hands_back in [
        lambda: config_process.hand_over(None),  # a multirun after all (hydra.mode in a configuration file)
        lambda: config_process.hand_over(config, _hydra_job(NUMBA_DEBUG_CACHE="1")),  # type: ignore[arg-type]
    ]:
        assert ConfigProcess(hands_back).result() == COMPOSE_HERE
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
    process hands it back at the multirun's start, before the sweeper is made, and the command starts again with
    its configuration composed in its own process, as it always was."""
    from hydra_plugins.territorial_alliances_sweeper.batched_sweeper import SweeperCheck

    def multirun_starts() -> None:
        SweeperCheck().on_multirun_start(config=None)  # type: ignore[arg-type]
        raise AssertionError("not handed back")

    def start_again() -> None:
        raise SystemExit("started again")

    monkeypatch.setattr(cli, "load_model", lambda: None)
    monkeypatch.setattr(config_process, "start_again_composing_here", start_again)
    composer = ConfigProcess(multirun_starts)
    with pytest.raises(SystemExit, match="started again"):
        cli._run_composed(composer)
    assert composer.exitcode == 0


@pytest.mark.parametrize("composed", ["apart", "in the run's process"])
def test_an_environment_set_for_the_run_reaches_its_libraries(tmp_path: Path, composed: str) -> None:
    """hydra.job.env_set reaches the run's libraries (numba reads its environment when it is imported), whichever
    way the configuration is composed (set in a configuration file, it is handed back: the test above)."""
    proc = _command(
        "+hydra.job.env_set.NUMBA_DEBUG_CACHE=1",
        "horizon_months=2",
        f"output.results_dir={tmp_path}",
        composed=composed,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[cache]" in proc.stdout + proc.stderr, "numba saw NUMBA_DEBUG_CACHE"


def test_starting_again_runs_the_same_command_line_composing_in_its_own_process() -> None:
    script = (
        "import os, sys; from simulation.runs import config_process as c; "
        "print(os.environ.get(c.IN_PROCESS), sys.argv[1:], flush=True); "
        "os.environ.get(c.IN_PROCESS) == '1' or c.start_again_composing_here()"
    )
    env = {k: v for k, v in os.environ.items() if k != config_process.IN_PROCESS}
    proc = subprocess.run(
        [sys.executable, "-c", script, "seed=3", "region=bretagne"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["None ['seed=3', 'region=bretagne']", "1 ['seed=3', 'region=bretagne']"]


@pytest.mark.parametrize("composed", ["apart", "in the run's process"])
def test_an_error_in_the_run_is_reported_as_hydra_reports_a_failed_job(tmp_path: Path, composed: str) -> None:
    proc = _command(
        "horizon_months=2", f"output.results_dir={tmp_path / 'results'}", composed=composed, MPLBACKEND="nonexistent"
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("Error executing job with overrides: ['horizon_months=2', 'output.results_dir="), (
        proc.stderr
    )
    assert "ValueError: Key backend: 'nonexistent'" in proc.stderr
    assert proc.stderr.rstrip().endswith("Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.")
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


@pytest.mark.parametrize("composed", ["apart", "in the run's process"])
def test_the_run_logs_as_hydra_set_its_logging(tmp_path: Path, composed: str) -> None:
    """Hydra's logging (hydra.verbose here) is the run's, whichever process composed its configuration."""
    proc = _command(
        "hydra.verbose=[matplotlib.font_manager]",
        "horizon_months=2",
        f"output.results_dir={tmp_path}",
        composed=composed,
    )
    assert proc.returncode == 0, proc.stderr
    assert "][HYDRA] findfont: " in proc.stdout, "the plot's font look-ups, logged at DEBUG to stdout as Hydra set it"


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


@pytest.mark.parametrize("after", [0.0, 0.3, 0.8, 1.3])
def test_ctrl_c_while_the_configuration_is_composed_or_the_model_runs_leaves_nothing(
    tmp_path: Path, after: float
) -> None:
    """Ctrl-C (SIGINT to the command's process group) ``after`` seconds after the command forked its composing
    process (while the configuration is composed and the model imported, then while the model runs): the command
    says it was interrupted, exits with code 1, writes nothing and leaves no process behind."""
    proc = _started(tmp_path / "results")
    _composing_process(proc.pid)
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # (the run was done before the signal: a slow machine)
        pytest.skip(f"the run ended before Ctrl-C ({after} s after the fork)")
    assert proc.returncode == 1, err
    assert err.strip().endswith("interrupted"), err
    assert err.count("interrupted") == 1 and "Traceback" not in err, err
    assert out == ""
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())
    time.sleep(0.2)
    assert _session(proc.pid) == [], "a process of the command is left"


@pytest.mark.parametrize("end", [signal.SIGTERM, signal.SIGKILL])
def test_the_composing_process_ends_with_the_run(tmp_path: Path, end: signal.Signals) -> None:
    """The run's process ended by a signal of its own (not Ctrl-C to the group) while its configuration is
    composed: the composing process ends with it, and says nothing."""
    proc = _started(tmp_path / "results")
    composer = _composing_process(proc.pid)
    os.kill(proc.pid, end)
    assert proc.wait(timeout=60) == -end
    deadline = time.monotonic() + 0.25  # (composing takes 0.5 s or more: it was stopped, not left to end)
    while _session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _session(proc.pid) == [], f"the composing process {composer} outlived the run"
    assert proc.communicate(timeout=60) == ("", "")


def _composing_process(command: int) -> int:
    """Wait for the command's first process; check that it is the composing one (it names itself so)."""
    children = Path(f"/proc/{command}/task/{command}/children")
    deadline = time.monotonic() + 10
    while not children.read_text().split() and time.monotonic() < deadline:
        time.sleep(0.002)
    (first,) = map(int, children.read_text().split())
    comm = Path(f"/proc/{first}/comm")
    while comm.read_text().strip() != "ta-compose" and time.monotonic() < deadline:
        time.sleep(0.002)
    assert comm.read_text().strip() == "ta-compose", "the command's first process composes its configuration"
    return first


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
