"""``python -m simulation.report``: see :mod:`simulation.report`."""

from simulation.report.build import main

if __name__ == "__main__":
    main()
