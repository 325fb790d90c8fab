"""The ``python -m simulation.run`` command (``ta-run``): one run to a folder, or a Hydra multirun.

A single run composes ``configs/`` with the command line's overrides, validates every value, runs the
model and writes a result folder (:mod:`simulation.runs.simulate`); a multirun hands each job to
:func:`simulation.runs.sweep.run_job`, on whichever launcher is chosen (``docs/sweeps.md``).
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import hydra
from omegaconf import DictConfig

from simulation.config import CONFIG_DIR, Config, ConfigError, check_override_keys, to_config
from simulation.config.compose import check_config_files, check_group_choices
from simulation.runs import config_process, interrupts
from simulation.runs.config_process import ConfigProcess
from simulation.runs.plot_process import PlotProcess
from simulation.runs.simulate import (
    RunError,
    RunResult,
    check_results_dir,
    folder_problem,
    load_model,
    results_root,
    simulate,
    summary_markdown,
    write_run,
)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    global _end_at_once
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    collect_less()  # also in a sweep's workers (joblib, Ray, submitit), where no main() ran
    try:
        config = to_config(cfg)
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    hc = HydraConfig.get()
    if hc.mode == RunMode.MULTIRUN:
        from simulation.runs.sweep import config_per_seed, current_sweep_dir, run_job  # (pyarrow.compute: 0.03 s)

        run_job(config_per_seed(config), current_sweep_dir(), list(hc.overrides.task))
        _end_at_once = hc.launcher._target_ == BASIC_LAUNCHER  # its jobs run in this process: no worker to stop
        return
    if config.output.job_seeds:
        raise SystemExit("error: output.job_seeds is set by the sweeper of a multirun (-m), not in a single run")
    try:
        check_results_dir(results_root(config))
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    if config_process.composing():  # composed for the run's process, which has imported the model meanwhile
        config_process.hand_over(config, hc)
    _run(config)


def _run(config: Config) -> None:
    """The single run of a validated configuration: its folder written and its summary printed."""
    global _end_at_once
    # matplotlib is imported, and the plot drawn, in a second process while the model runs (plot_process)
    plotter = PlotProcess.start() if config.output.write_plot else None
    try:
        result = simulate(config, plotter)  # (Ctrl-C is taken between months)
        folder = write_run(result, plotter=plotter)
    except (RunError, ConfigError) as e:
        raise SystemExit(f"error: {e}") from None
    finally:
        if plotter is not None:
            plotter.close()  # (it has ended already, unless the run failed)
    print(summary_markdown(result))
    print(f"{run_time(result)}. Results written to {folder}")
    _end_at_once = True


def run_time(result: RunResult) -> str:
    """The run time, as the command says it: the run's own, and numba's compiling or loading of the kernels
    apart (about 20 s on the first run after a fresh clone: not the model's speed)."""
    kernels = result.kernel_compile_seconds
    what = (
        "compiling the numba kernels, once (cached for the next runs)"
        if result.kernels_compiled
        else "loading the numba kernels from their cache"
    )
    return f"Run time: {result.seconds:.2f} s, plus {kernels:.2f} s {what}; both in provenance.json"


def _run_composed(composer: ConfigProcess) -> None:
    """A single run whose configuration is composed by ``composer`` while this process imports the model."""
    try:
        with interrupts.deferred():  # (Ctrl-C is taken once numba's compiler is loaded)
            load_model()
        answer = composer.result()
    finally:
        composer.close()  # (at once, if this process was interrupted)
    if answer is None:  # a configuration refused (the composing process has said why)
        raise SystemExit(composer.exitcode)
    if answer == config_process.COMPOSE_HERE:
        config_process.start_again_composing_here()
    assert isinstance(answer, tuple)
    config, setup = answer
    setup.take()
    _as_hydra_job(lambda: _run(config), setup.overrides)


def _as_hydra_job(job: Callable[[], None], overrides: list[str]) -> None:
    """Run ``job`` as Hydra runs a job: an unexpected error is reported as Hydra reports one (the overrides, the
    traceback from the job down, or all of it with ``HYDRA_FULL_ERROR=1``), with exit code 1."""
    try:
        job()
    except Exception:
        sys.stderr.write(f"Error executing job with overrides: {overrides}\n")
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        traceback.print_exc()
        sys.stderr.write("\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n")
        raise SystemExit(1) from None


BASIC_LAUNCHER = "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
#: Set by a job that ran in this process when nothing but the process is left to clean up at exit:
#: a single run, or a multirun's job on Hydra's basic launcher (other launchers have workers to stop).
_end_at_once = False


def collect_less() -> None:
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


def _config_dirs(argv: list[str]) -> list[Path]:
    """Configuration folders added on the command line (``--config-dir DIR``, ``-cd DIR``)."""
    out = []
    for i, arg in enumerate(argv):
        if arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            out.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            out.append(Path(arg.split("=", 1)[1]))
    return [d for d in out if d.is_dir()]


def _multirun(argv: list[str], overrides: list[str]) -> bool:
    """Whether the command line asks for a multirun (``-m``, ``--multirun``, ``hydra.mode=MULTIRUN``)."""
    return any(a in ("-m", "--multirun") for a in argv) or "hydra.mode=MULTIRUN" in overrides


def _check_hydra_folders(overrides: list[str], multirun: bool = False) -> None:
    """Refuse, before anything runs, a Hydra run or sweep folder set on the command line where no folder can be
    made (under ``/proc``, a file, a read-only place): Hydra would fail with a traceback, after composing.

    In a multirun, ``output.results_dir`` holds the sweep folder (``hydra.sweep.dir``, relative to the working
    directory): it is checked too, so that the refusal names the key (a single run checks it after composing).
    """
    keys = ("hydra.run.dir", "hydra.sweep.dir", *(("output.results_dir",) if multirun else ()))
    for override in overrides:
        key, eq, value = override.partition("=")
        if eq and key.lstrip("+") in keys and value and "$" not in value and "," not in value:
            problem = folder_problem(Path(value).resolve())
            if problem:
                raise ConfigError(f"{key.lstrip('+')} = {value}: {problem}")


def _check_and_compose() -> None:
    """Check the command line and the configuration files, then compose the configuration and run it (Hydra's
    main): whatever is refused is refused before Hydra reads anything."""
    overrides = _overrides(sys.argv[1:])
    try:
        check_config_files([CONFIG_DIR, *_config_dirs(sys.argv[1:])])  # before Hydra reads them
        check_override_keys(overrides)  # Hydra would refuse an unknown key without saying which exist
        check_group_choices(overrides, _config_dirs(sys.argv[1:]))
        _check_hydra_folders(overrides, multirun=_multirun(sys.argv[1:], overrides))
    except ConfigError as e:
        raise SystemExit(f"error: {e}") from None
    _hydra_main()


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
    collect_less()
    interrupts.install()
    try:
        # A single run's configuration is composed in a forked process while this one imports the model
        composer = ConfigProcess.start(sys.argv[1:], _check_and_compose)
        if composer is None:
            _check_and_compose()
        else:
            _run_composed(composer)
    except ConfigError as e:  # a write that failed after the run (disk full), naming the path and the key
        raise SystemExit(f"error: {e}") from None
    except KeyboardInterrupt:
        multirun = any(a in ("-m", "--multirun") for a in sys.argv[1:])
        hint = " (what is written is kept: the same command, same output.sweep_name, resumes)" if multirun else ""
        interrupts.exit_interrupted(hint)
    if _end_at_once:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
