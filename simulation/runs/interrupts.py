"""Ctrl-C in the command's process (``ta-run``): taken where the run can stop, never inside numba's or llvmlite's
native code.

Python's own handler raises a KeyboardInterrupt wherever the main thread is when the signal comes. While numba
loads a kernel from its cache, or llvmlite builds one, that can be inside a callback of their native code, which
then reports the interrupt as "Exception ignored" and goes on, raises a SystemError ("returned a result with an
exception set"), or leaves a half-made object whose destructor fails at exit. The command's handler
(:func:`install`) therefore remembers Ctrl-C, and raises it at once only outside the parts that call into numba:
loading the model and running it are :func:`deferred`, and the run checks between its months (:func:`check`), so
that it stops within a month. What is raised is a KeyboardInterrupt: the command says "interrupted",
exits with code 1 and writes nothing.

Elsewhere (a sweep's worker, a notebook) Python's handler is left alone, and these calls do nothing.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

#: Set by Ctrl-C in a process whose handler is :func:`_on_ctrl_c`, and never cleared.
_pressed = False
#: How many :func:`deferred` parts the process is in.
_deferring = 0


def install() -> None:
    """Take Ctrl-C in this process (the command's), and say nothing of what it leaves unraisable."""
    signal.signal(signal.SIGINT, _on_ctrl_c)
    sys.unraisablehook = _quiet_after_ctrl_c


def check() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C that was deferred: the run calls it between months."""
    if _pressed:
        raise KeyboardInterrupt


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Inside, Ctrl-C is remembered, not raised: it is raised on leaving, or before, by :func:`check`."""
    global _deferring
    check()
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    check()


def exit_interrupted(hint: str = "") -> NoReturn:
    """End the command after Ctrl-C: say "interrupted" (and ``hint``), with exit code 1."""
    # A KeyboardInterrupt that went through code run by exec() (dataclasses and named tuples make their methods so,
    # as modules are imported) leaves CPython's mark of an unhandled Ctrl-C, and the interpreter would end by
    # SIGINT instead of exit code 1: the next exec() clears it.
    exec("None")
    raise SystemExit(f"interrupted{hint}") from None


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """The command's handler of Ctrl-C: remember it, and raise it unless it is :func:`deferred`."""
    global _pressed
    _pressed = True
    if not _deferring:
        raise KeyboardInterrupt


def _quiet_after_ctrl_c(unraisable: sys.UnraisableHookArgs) -> None:
    """Python's hook for an exception it cannot raise (in a weak reference's callback, a destructor), silent
    once Ctrl-C was pressed: the interrupt itself, when it came in such a callback (an import's module lock is
    released by one), is remembered and raised at the next :func:`check`; and an exception in the destructor of
    an object half made when the interrupt came is its consequence, while the process stops."""
    if _pressed:
        return
    sys.__unraisablehook__(unraisable)
