"""``python -m simulation.run`` (``ta-run``): one run, or a sweep with ``-m``; the code is in :mod:`simulation.runs`."""

from simulation.runs.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
