"""A single run's configuration composed in a forked process while the run's process imports the model.

Hydra composes the configuration twice (once to read the run's mode), and validating it reads the region's
tables: about 0.55 s. Importing the model (Mesa, pandas, numba) and loading numba's compiler take about 0.8 s.
In a single run of the command, a process forked once the command's own modules are imported composes and
validates the configuration, as the command always does, and sends it to the run's process, which imports the
model meanwhile: the two overlap on the machine's two cores (``docs/performance.md``).

The composing process says what is wrong with a configuration, on the command's own output streams, before
anything is written; the run's process then ends with its exit code, having written nothing either. A command
line that turns out to be a multirun (its mode set in a configuration file) is handed back before the sweep
starts, and the run's process runs it as the command always does.

The configuration is composed in the run's own process instead (:meth:`ConfigProcess.start` gives ``None``)
for every command line but a single run's overrides (a flag: a multirun, help, a configuration shown, another
configuration folder), and where forking is not safe or gains nothing, as for the plot's process
(:mod:`simulation.runs.plot_process`): other than on Linux, with one core to run on, or with other Python
threads running.

Ctrl-C is the run's to handle: the composing process ignores it, and the run stops it when it stops.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Final, Self

from simulation.runs import forking

if TYPE_CHECKING:
    from simulation.config import Config

#: The answer of a composing process whose command line is a multirun: the run's process runs the command.
MULTIRUN: Final = "multirun"

#: In a composing process, its end of the pipe to the run's process; ``None`` in any other process.
_to_run: Connection | None = None


class ConfigProcess:
    """The process composing a single run's configuration: :meth:`result` waits for it."""

    def __init__(self, compose: Callable[[], object]) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=_serve, args=(theirs, compose), name="compose", daemon=True)
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
        if not single_run(argv):
            return None
        if not forking.worth_forking():
            return None
        try:
            return cls(compose)
        except OSError:  # no fork now (too many processes, no memory): composed here
            return None

    @property
    def exitcode(self) -> int:
        """The composing process's exit status, as a shell gives it (128 + the signal that killed it)."""
        self._process.join()
        code = self._process.exitcode
        assert code is not None
        return code if code >= 0 else 128 - code

    def result(self) -> Config | str | None:
        """Wait for the composing process: the run's configuration; :data:`MULTIRUN` when the command line is a
        multirun; ``None`` when the process ended without a configuration (it has said why:
        :attr:`exitcode`).

        A configuration comes with the working directory it was composed in, which this process then takes:
        the run runs where Hydra would have run it (another folder with ``hydra.job.chdir=true``).
        """
        try:
            answer: Config | str
            answer, cwd = self._conn.recv()
        except (EOFError, OSError):
            return None
        finally:
            self._conn.close()
        if cwd != os.getcwd():
            os.chdir(cwd)
        return answer

    def close(self) -> None:
        """Stop the composing process at once, if it has not ended (the run was interrupted)."""
        self._conn.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


def single_run(argv: Sequence[str]) -> bool:
    """Whether the command line is a single run's overrides alone: no flag (``-m``, ``--help``, ``--cfg``,
    ``-cd``, ...) and no ``hydra.mode`` set."""
    return not any(a.startswith("-") or a.lstrip("+").startswith("hydra.mode") for a in argv)


def composing() -> bool:
    """Whether this process composes a configuration for a run's process."""
    return _to_run is not None


def hand_over(answer: Config | str) -> None:
    """In a composing process, send the run's process its configuration (or :data:`MULTIRUN`) and end."""
    assert _to_run is not None
    with contextlib.suppress(OSError):  # (the run's process has stopped: nothing is left to do)
        _to_run.send((answer, os.getcwd()))
    raise SystemExit(0)  # (through Hydra, which lets it pass, to the process's end)


def _serve(conn: Connection, compose: Callable[[], object]) -> None:
    """The composing process: compose as the command does, until :func:`hand_over` ends it."""
    global _to_run
    forking.leave_interrupts_to_the_run()
    _to_run = conn
    compose()
