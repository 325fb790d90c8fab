"""Ctrl-C in the command's process (simulation.runs.interrupts): remembered while the model is loaded and run,
raised between months, and said nothing of where Python cannot raise it. Each case runs in a process of its own
(a signal handler is the process's)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CTRL_C = "import os, signal; os.kill(os.getpid(), signal.SIGINT)"


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` run by a Python of its own, in the repository, started as from a terminal: with Ctrl-C's default
    action, whatever the tests inherit (a shell's background job ignores SIGINT, and a Python started so keeps
    ignoring it instead of installing its own handler)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_sigint_default,
    )


@pytest.mark.parametrize("installed", [True, False])
def test_a_ctrl_c_in_a_deferred_part_is_raised_on_leaving_it_in_the_command_only(installed: bool) -> None:
    """In the command's process, what is deferred runs to its end and the KeyboardInterrupt comes on leaving;
    elsewhere (Python's own handler: a notebook, a sweep's worker) it comes at once, as it always did."""
    done = _python(
        f"""
        from simulation.runs import interrupts
        if {installed}:
            interrupts.install()
        done = []
        try:
            with interrupts.deferred():
                {CTRL_C}
                for _ in range(100_000):  # (a handler that raises does so here)
                    pass
                done.append("the deferred part")
            done.append("after it")
        except KeyboardInterrupt:
            print("interrupted after", done)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("interrupted after ['the deferred part']\n" if installed else "interrupted after []\n")


def test_a_ctrl_c_that_python_cannot_raise_is_said_nothing_of_and_raised_at_the_next_check() -> None:
    """A Ctrl-C that comes in a weak reference's callback (an import's module lock is released by one) cannot be
    raised there: Python would print "Exception ignored" and a traceback, and go on. The command says nothing
    of it, and the next check raises it."""
    done = _python(
        f"""
        import weakref
        from simulation.runs import interrupts
        interrupts.install()

        class Lock:
            pass

        def released(_):
            {CTRL_C}
            for _ in range(100_000):
                pass

        lock = Lock()
        ref = weakref.ref(lock, released)
        del lock
        print("went on")
        try:
            with interrupts.deferred():
                print("not reached")
        except KeyboardInterrupt:
            print("interrupted")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == "went on\ninterrupted\n"


def test_other_unraisable_exceptions_are_still_reported() -> None:
    """Before any Ctrl-C, what Python cannot raise is reported as Python reports it."""
    done = _python(
        """
        from simulation.runs import interrupts
        interrupts.install()

        class Broken:
            def __del__(self):
                raise ValueError("in a destructor")

        Broken()
        """
    )
    assert "Exception ignored" in done.stderr and "ValueError: in a destructor" in done.stderr


def test_a_run_stops_at_the_end_of_the_month_in_which_ctrl_c_was_pressed() -> None:
    """Ctrl-C during a month (the model calls numba's kernels throughout): the month is run to its end, then the
    run stops, before the next month, with a KeyboardInterrupt."""
    done = _python(
        f"""
        from simulation.config import compose
        from simulation.model.model import TerritorialModel
        from simulation.runs import interrupts
        from simulation.runs.simulate import simulate

        interrupts.install()
        step = TerritorialModel.step
        months = []

        def step_with_ctrl_c(self):
            if len(months) == 5:
                {CTRL_C}
            step(self)
            months.append(self.month)

        TerritorialModel.step = step_with_ctrl_c
        try:
            simulate(compose())
        except KeyboardInterrupt:
            print(len(months), "months run")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "6 months run\n"
    assert done.stderr == ""


def test_a_ctrl_c_while_the_command_imports_its_modules_says_interrupted() -> None:
    """Ctrl-C as the command imports its own modules (Hydra's here), before it has composed anything: it says
    "interrupted", with exit code 1 and no traceback."""
    done = _python(
        f"""
        import builtins
        from simulation import run

        imported = builtins.__import__

        def ctrl_c_at_hydra(name, *args, **kwargs):
            if name == "hydra":
                {CTRL_C}
            return imported(name, *args, **kwargs)

        builtins.__import__ = ctrl_c_at_hydra
        run.main()
        """
    )
    assert (done.returncode, done.stderr, done.stdout) == (1, "interrupted\n", "")
