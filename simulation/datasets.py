"""Reading a sweep's results from Python: ``from simulation.datasets import read_table, read_config``.

The code is in :mod:`simulation.runs.datasets`.
"""

from simulation.runs.datasets import read_config, read_table

__all__ = ["read_config", "read_table"]
