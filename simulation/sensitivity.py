"""``python -m simulation.sensitivity``: the command of :mod:`simulation.study.sensitivity`, where the code is."""

from simulation.study.sensitivity import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
