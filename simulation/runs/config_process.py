"""A single run's configuration composed in a forked process while the run's process imports the model.

Hydra composes the configuration twice (once to read the run's mode), and validating it reads the region's
tables: about 0.55 s. Importing the model (Mesa, pandas, numba) and loading numba's compiler take about 0.8 s.
In a single run of the command, a process forked once the command's own modules are imported composes and
validates the configuration, as the command always does, and sends it to the run's process, which imports the
model meanwhile: the two overlap on the machine's two cores (``docs/performance.md``). With the configuration
comes what Hydra set up around the run (:class:`Setup`: the working directory, the logging, the overrides),
which the run's process takes on.

The composing process says what is wrong with a configuration, on the command's own output streams, before
anything is written; the run's process then ends with its exit code, having written nothing either. A command
line that turns out to be a multirun (its mode set in a configuration file), or to set environment variables
for the run (``hydra.job.env_set`` in a configuration file: the run's process has imported its libraries
already), is handed back (:data:`COMPOSE_HERE`), and the command is started again with its configuration
composed in its own process (:func:`start_again_composing_here`), as it always was.

The configuration is composed in the run's own process instead (:meth:`ConfigProcess.start` gives ``None``)
for every command line but a single run's overrides (a flag: a multirun, help, a configuration shown, another
configuration folder; or ``hydra.mode``, ``hydra.job.env_set`` set), with ``TA_COMPOSE_IN_PROCESS=1`` in the
environment, and where forking is not safe or gains nothing (:func:`simulation.runs.forking.worth_forking`).

Ctrl-C is the run's to handle: the composing process ignores it, and the run stops it when it stops. The
composing process also ends when the run's process ends, whatever ends it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Final, NoReturn, Self

from simulation.runs import forking

if TYPE_CHECKING:
    from hydra.conf import HydraConf

    from simulation.config import Config

#: The answer of a composing process whose command is better composed in the run's own process.
COMPOSE_HERE: Final = "compose here"
#: The environment variable (``1``) that has a single run's configuration composed in the run's own process.
IN_PROCESS: Final = "TA_COMPOSE_IN_PROCESS"

#: How long closing waits for a composing process that has answered to end.
JOIN_SECONDS = 10.0

#: In a composing process, its end of the pipe to the run's process; ``None`` in any other process.
_to_run: Connection | None = None


@dataclass(frozen=True)
class Setup:
    """What Hydra set up around the run in the composing process, for the run's process to take on."""

    #: The working directory the configuration was composed in (another with ``hydra.job.chdir=true``).
    cwd: str
    #: Hydra's logging (``hydra/hydra_logging``, ``hydra/job_logging``, ``hydra.verbose``), as plain containers.
    hydra_logging: Any
    job_logging: Any
    verbose: Any
    #: The command line's overrides, which Hydra names when a job fails.
    overrides: list[str]

    @classmethod
    def of(cls, hydra_config: HydraConf) -> Setup:
        """The set-up of Hydra's configuration of the job (``HydraConfig.get()``)."""
        from omegaconf import OmegaConf

        def plain(node: Any) -> Any:
            return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node

        return cls(
            os.getcwd(),
            plain(hydra_config.hydra_logging),
            plain(hydra_config.job_logging),
            plain(hydra_config.verbose),
            list(hydra_config.overrides.task),
        )

    def take(self) -> None:
        """Take the set-up on in this process: its working directory, and its logging configured as Hydra
        configures it (first Hydra's own, then the job's)."""
        from hydra.core.utils import configure_log
        from omegaconf import OmegaConf

        if self.cwd != os.getcwd():
            os.chdir(self.cwd)
        verbose = OmegaConf.create(self.verbose) if isinstance(self.verbose, list) else self.verbose
        for logging_config in (self.hydra_logging, self.job_logging):
            # (Hydra passes None on too, for its default logging, though its signature does not say so)
            configure_log(None if logging_config is None else OmegaConf.create(logging_config), verbose)  # type: ignore[arg-type]


class ConfigProcess:
    """The process composing a single run's configuration: :meth:`result` waits for it."""

    def __init__(self, compose: Callable[[], object]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe(duplex=False)
        self._exitcode: int | None = None
        self._answered = False
        self._process = ctx.Process(
            target=_serve, args=(theirs, self._conn, os.getpid(), compose), name="compose", daemon=True
        )
        try:
            forking.start(self._process)
        except BaseException:
            self._conn.close()
            raise
        finally:
            theirs.close()

    @classmethod
    def start(cls, argv: Sequence[str], compose: Callable[[], object]) -> Self | None:
        """A process running ``compose`` (the command's Hydra main) for the command line ``argv``, or ``None``
        where the configuration is better composed in this process (module docstring)."""
        if not single_run(argv) or os.environ.get(IN_PROCESS) == "1" or not forking.worth_forking():
            return None
        try:
            return cls(compose)
        except OSError:  # no fork now (too many processes, no memory): composed here
            return None

    @property
    def exitcode(self) -> int:
        """The composing process's exit status, as a shell gives it (128 + the signal that killed it)."""
        if self._exitcode is None:
            self._process.join()
            self._exitcode = self._process.exitcode
        assert self._exitcode is not None
        return self._exitcode if self._exitcode >= 0 else 128 - self._exitcode

    def result(self) -> tuple[Config, Setup] | str | None:
        """Wait for the composing process: the run's configuration and its :class:`Setup`; :data:`COMPOSE_HERE`
        when the command is better composed in this process; ``None`` when the process ended without a
        configuration (it has said why: :attr:`exitcode`)."""
        try:
            answer: tuple[Config, Setup] | str = self._conn.recv()
        except (EOFError, OSError):
            return None
        finally:
            self._conn.close()
        self._answered = True
        return answer

    def close(self) -> None:
        """Stop the composing process: at once if it has not answered (the run was interrupted), else as soon as
        it has ended (it ends once it has answered)."""
        self._conn.close()
        if self._answered:
            self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.kill()
        _ = self.exitcode  # (joined)
        self._process.close()  # (its sentinel's pipe, which a later fork would inherit)


def single_run(argv: Sequence[str]) -> bool:
    """Whether the command line is a single run's overrides alone: no flag (``-m``, ``--help``, ``--cfg``,
    ``-cd``, ...), and no ``hydra.mode`` (a multirun) or ``hydra.job.env_set`` (the run's environment) set."""
    return not any(a.startswith("-") or a.lstrip("+~").startswith(("hydra.mode", "hydra.job.env_set")) for a in argv)


def composing() -> bool:
    """Whether this process composes a configuration for a run's process."""
    return _to_run is not None


def hand_over(config: Config | None, hydra_config: HydraConf | None = None) -> NoReturn:
    """In a composing process, send the run's process its configuration with its set-up (the configuration
    and Hydra's configuration of the job), or, without them, :data:`COMPOSE_HERE`; and end.

    A configuration whose Hydra job sets environment variables (``hydra.job.env_set``) is answered
    :data:`COMPOSE_HERE` too: the libraries they are meant for are imported already in the run's process.
    """
    assert _to_run is not None
    answer: tuple[Config, Setup] | str = COMPOSE_HERE
    if config is not None and hydra_config is not None and not hydra_config.job.env_set:
        answer = (config, Setup.of(hydra_config))
    with contextlib.suppress(OSError):  # (the run's process has stopped: nothing is left to do)
        _to_run.send(answer)
    raise SystemExit(0)  # (through Hydra, which lets it pass, to the process's end)


def start_again_composing_here() -> NoReturn:
    """Start the command again, the same command line, with its configuration composed in its own process
    (:data:`IN_PROCESS`): what the composing process answered :data:`COMPOSE_HERE` for. Nothing has been
    written, and this process has no other process left."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.environ[IN_PROCESS] = "1"
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def _serve(conn: Connection, theirs: Connection, run_pid: int, compose: Callable[[], object]) -> None:
    """The composing process: compose as the command does, until :func:`hand_over` ends it."""
    global _to_run
    forking.serve_the_run("ta-compose", run_pid)
    theirs.close()  # (this process's copy of the run's end: a run that has ended cannot be written to)
    _to_run = conn
    compose()
