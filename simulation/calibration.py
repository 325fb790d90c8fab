"""``python -m simulation.calibration``: the command of :mod:`simulation.study.calibration`, where the code is."""

from simulation.study.calibration import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
