"""territorial-alliances: an agent-based model of how territorial cooperations emerge.

Start with :class:`simulation.model.model.TerritorialModel` (the month's processes,
in order, are in its ``step`` docstring) and ``docs/ODD.md``.
"""

from simulation.runs.provenance import package_version

__version__ = package_version()
