"""``python -m simulation.analysis``: the command of :mod:`simulation.study.analysis`, where the code is."""

from simulation.study.analysis import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
