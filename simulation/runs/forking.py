"""The helper processes a single run forks (its configuration's and its plot's): where forking is worth it, how
they start, and how they leave Ctrl-C to the run (:mod:`simulation.runs.config_process`,
:mod:`simulation.runs.plot_process`)."""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from multiprocessing.process import BaseProcess


def worth_forking() -> bool:
    """Whether a helper process is safe to fork here and gains something: on Linux (macOS's system libraries do
    not support fork), with two cores or more to run on, and no other Python thread (a fork copies the locks
    they hold)."""
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2 and threading.active_count() == 1


def start(process: BaseProcess) -> None:
    """Start ``process`` (of multiprocessing's fork context) with Ctrl-C blocked until it has set itself to
    ignore it (:func:`leave_interrupts_to_the_run`). multiprocessing flushes the output streams first: nothing
    is printed twice."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with warnings.catch_warnings():
            # Python warns of a fork in a process with threads of any kind; the native ones here are the thread
            # pools of numpy's OpenBLAS and of Arrow, which stop or start anew around a fork (their fork
            # handlers); Python threads, whose locks would be copied, are refused by worth_forking().
            warnings.filterwarnings("ignore", "This process .* is multi-threaded", DeprecationWarning)
            process.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def leave_interrupts_to_the_run() -> None:
    """In a helper process, first thing: ignore Ctrl-C (the run handles it, and stops its helpers), then take
    signals again."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def serve_the_run(name: str, run_pid: int) -> None:
    """In a helper process, first thing: take ``name`` (what ``ps`` and ``top`` show, ``/proc/<pid>/comm``),
    leave Ctrl-C to the run (:func:`leave_interrupts_to_the_run`), and be killed when the run's process ends,
    whatever ends it (Linux's parent-death signal), so that no helper outlives its run; end at once if it has
    ended already. The names and the signal are set with ``prctl(2)``."""
    import ctypes

    leave_interrupts_to_the_run()
    pr_set_pdeathsig, pr_set_name = 1, 15
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl(pr_set_name, name.encode()[:15])
    prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != run_pid:  # (the run ended before its end was asked to be told)
        raise SystemExit(0)
