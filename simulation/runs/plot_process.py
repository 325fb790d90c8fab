"""A run's plot drawn in a second process, which imports matplotlib while the model runs.

matplotlib takes about 0.4 s to import and the emergence plot about 0.2 s to draw, a fifth of the default
run's 3 s. In a single run of the command, a process forked before the run imports matplotlib on the
machine's second core while the model runs, then draws the plot while the run's tables are written
(``docs/performance.md``). The drawing is the same as in the run's own process (``simulation.runs.plots``),
to the byte.

The plot is drawn in the run's own process instead (:meth:`PlotProcess.start` gives ``None``) where forking
is not safe or gains nothing: other than on Linux (macOS's system libraries do not support fork), on one
core, or when the process already runs Python threads (a fork copies the locks they hold): in a sweep's
workers, under Ray, in a notebook.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
import warnings
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from simulation.enums import ActorKind

#: How long the run waits for the drawing process to end once it has answered or its pipe closed.
JOIN_SECONDS = 10.0


class PlotProcess:
    """One emergence plot, drawn by a forked process: :meth:`draw` sends the job, :meth:`wait` waits for it
    and raises what the drawing raised (an ``OSError`` of a full disk, say), as the run's own process
    would have."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(theirs, self._conn), name="plot", daemon=True)
        with warnings.catch_warnings():
            # Python warns of a fork in a process with threads of any kind; the native ones here are the thread
            # pools of numpy's OpenBLAS and of Arrow, which stop or start anew around a fork (their fork
            # handlers); Python threads, whose locks would be copied, are refused by start().
            warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
            self._process.start()  # (multiprocessing flushes the output streams first: nothing is printed twice)
        theirs.close()

    @classmethod
    def start(cls) -> Self | None:
        """A drawing process, or ``None`` where the plot is better drawn in this process (module docstring)."""
        if sys.platform != "linux" or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
            return None
        return cls()

    def draw(
        self,
        ts: pd.DataFrame,
        path: Path,
        title: str,
        lasting_after_months: int,
        actors_by_kind: Mapping[ActorKind, int] | None = None,
    ) -> None:
        """Send the plot to draw (the arguments of :func:`simulation.runs.plots.emergence_plot`)."""
        self._conn.send((ts, Path(path), title, lasting_after_months, actors_by_kind))

    def wait(self) -> None:
        """Wait until the plot is written; raise the drawing's exception, if any."""
        try:
            error = self._conn.recv()
        except EOFError:
            self._process.join(JOIN_SECONDS)
            code = self._process.exitcode
            error = RuntimeError(f"the plot's drawing process ended without drawing (exit code {code})")
        finally:
            self.close()
        if error is not None:
            raise error

    def close(self) -> None:
        """Stop the drawing process (at once if it has nothing to draw)."""
        self._conn.close()  # the process, waiting for a job, reads the end of the pipe and returns
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(conn: Connection, parents_end: Connection) -> None:
    """The drawing process: import matplotlib, wait for one plot, draw it, answer ``None`` or the exception."""
    gc.freeze()  # the objects inherited stay out of this process's collections: their pages stay shared
    parents_end.close()  # so that the pipe ends when the run's process closes its end
    try:
        from simulation.runs.plots import emergence_plot

        job = conn.recv()
        try:
            emergence_plot(*job)
            answer: BaseException | None = None
        except Exception as e:
            answer = e
    except (EOFError, KeyboardInterrupt):  # the run ended without a plot to draw, or was interrupted (Ctrl-C
        return  # reaches both processes: the run's says so)
    with contextlib.suppress(OSError):  # (a closed pipe: the run stopped waiting, having failed elsewhere)
        try:
            conn.send(answer)
        except OSError:
            raise
        except Exception as e:  # an exception that does not pickle: its text
            conn.send(RuntimeError(f"{type(answer).__name__}: {answer} ({e})"))
