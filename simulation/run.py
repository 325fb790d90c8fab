"""``python -m simulation.run`` (``ta-run``): one run, or a sweep with ``-m``; the code is in :mod:`simulation.runs`."""

import os

from simulation.runs import interrupts


def one_blas_thread() -> None:
    """numpy's and SciPy's OpenBLAS make one thread for each core when they are imported, unless told otherwise
    (``OPENBLAS_NUM_THREADS``) before: a run makes no matrix product worth them, and the second core is the
    command's configuration and plot processes'. Left as set if the user has set it."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    """The command: Ctrl-C is taken from the start, while the command's own modules are imported too; OpenBLAS
    keeps to one thread (:func:`one_blas_thread`: its threads spun on the second core while the modules were
    imported, 0.07 s of the default decade's 2.2 s with start-up)."""
    one_blas_thread()
    interrupts.install()
    try:
        from simulation.runs import cli
    except KeyboardInterrupt:
        interrupts.exit_interrupted()
    cli.main()


__all__ = ["main", "one_blas_thread"]

if __name__ == "__main__":
    main()
