"""A run's plot drawn in a second process, which imports matplotlib while the model runs.

matplotlib takes about 0.4 s to import and the emergence plot about 0.2 s to draw. In a single run of the
command, a process forked before the model is imported imports matplotlib on the machine's second core while
the model runs, then draws the plot while the run's tables are written (``docs/performance.md``). The drawing
is the same as in the run's own process (``simulation.runs.plots``), to the byte.

The plot is drawn in the run's own process instead (:meth:`PlotProcess.start` gives ``None``) where forking
is not safe or gains nothing: other than on Linux (macOS's system libraries do not support fork), with one
core to run on, when the process already runs other Python threads (a fork copies the locks they hold), or
when the fork fails.

Ctrl-C is the run's to handle: the drawing process ignores it, and the run stops it when it stops.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import traceback
import weakref
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Self

from simulation.runs import forking

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from simulation.enums import ActorKind

    #: The arguments of :func:`simulation.runs.plots.emergence_png`.
    PlotArgs = tuple[pd.DataFrame, str, int, Mapping[ActorKind, int] | None]

#: How long closing waits for a drawing process with nothing left to do (it ends on reading the closed pipe).
JOIN_SECONDS = 10.0

#: The open drawing processes of this process: a process forked later closes their ends of the pipes, so that
#: each drawing process sees its run close its pipe.
_OPEN: weakref.WeakSet[PlotProcess] = weakref.WeakSet()


class PlotProcess:
    """One emergence plot, drawn by a forked process: :meth:`draw` sends the job, :meth:`png` waits for the
    PNG's bytes and raises what the drawing raised, as the run's own process would have; :meth:`close` stops
    the process (at once if it was still drawing)."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, theirs = ctx.Pipe()
        self._sent = False
        self._drawing = False  # a job sent and not answered
        self._process = ctx.Process(target=_serve, args=(theirs, os.getpid()), name="plot", daemon=True)
        _OPEN.add(self)
        try:
            forking.start(self._process)
        except BaseException:
            _OPEN.discard(self)
            self._conn.close()
            raise
        finally:
            theirs.close()

    @classmethod
    def start(cls) -> Self | None:
        """A drawing process, or ``None`` where the plot is better drawn in this process (module docstring)."""
        if not forking.worth_forking():
            return None
        try:
            return cls()
        except OSError:  # no fork now (too many processes, no memory): drawn here
            return None

    @property
    def sent(self) -> bool:
        """Whether the plot has been sent to draw."""
        return self._sent

    def draw(
        self,
        ts: pd.DataFrame,
        title: str,
        lasting_after_months: int,
        actors_by_kind: Mapping[ActorKind, int] | None = None,
    ) -> None:
        """Send the plot to draw (the arguments of :func:`simulation.runs.plots.emergence_png`)."""
        self._sent = self._drawing = True
        # A closed pipe means the process has ended: :meth:`png` says so, not as a failure to write the results.
        with contextlib.suppress(OSError):
            self._conn.send((ts, title, lasting_after_months, actors_by_kind))

    def png(self) -> bytes:
        """Wait for the plot; its PNG file's bytes. Raises the drawing's exception, if any."""
        try:
            try:
                answer = self._conn.recv()
            except (EOFError, OSError):
                self._process.join(JOIN_SECONDS)
                code = self._process.exitcode
                answer = RuntimeError(f"the plot's drawing process ended without drawing (exit code {code})")
            except Exception as e:  # (an answer that does not unpickle here)
                answer = RuntimeError(f"the plot's drawing failed, and its error cannot be read: {e}")
            self._drawing = False
        finally:
            self.close()
        if isinstance(answer, BaseException):
            raise answer
        result: bytes = answer
        return result

    def close(self) -> None:
        """Stop the drawing process: at once if it is still drawing (the run failed or was interrupted), else
        as soon as it reads the closed pipe."""
        _OPEN.discard(self)
        self._conn.close()
        if self._drawing and self._process.is_alive():
            self._process.kill()
        self._process.join(JOIN_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(conn: Connection, run_pid: int) -> None:
    """The drawing process: import matplotlib, wait for one plot, draw it, answer its PNG or the exception."""
    forking.serve_the_run("ta-plot", run_pid)
    gc.freeze()  # the objects inherited stay out of this process's collections: their pages stay shared
    for other in list(_OPEN):  # this process's copies of the runs' ends of the pipes, its own included
        other._conn.close()
    try:
        answer = _draw(conn)
    except EOFError:  # the run ended without a plot to draw
        return
    with contextlib.suppress(OSError):  # (a closed pipe: the run stopped waiting, having failed elsewhere)
        conn.send(answer)


def _draw(conn: Connection) -> bytes | BaseException:
    """Draw the plot received on ``conn``: its PNG, or the exception to raise in the run."""
    try:
        from simulation.runs.plots import emergence_png
    except Exception as e:  # matplotlib cannot be imported or set up: the run's error, once it asks
        conn.recv()  # (the job, or EOFError if the run ended first)
        return _portable(e)
    job = conn.recv()
    try:
        return emergence_png(*job)
    except Exception as e:
        return _portable(e)


def _portable(e: Exception) -> BaseException:
    """``e``, with the drawing process's traceback as a note, if it survives pickling; else its text."""
    e.add_note("(in the plot's drawing process)\n" + traceback.format_exc().rstrip())
    try:
        pickle.loads(pickle.dumps(e))
    except Exception as problem:
        return RuntimeError(f"{type(e).__name__}: {e} (in the plot's drawing process; not passed on: {problem})")
    return e
