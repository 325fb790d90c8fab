"""The model: a region's territories, actors, trust network, ideas and projects, month by month.

:class:`TerritorialModel` wires them (:mod:`simulation.model.model`; the month's processes, in order,
are in :meth:`TerritorialModel.step`); each process has its module here, named as in ``docs/ODD.md``.
"""

from simulation.model.model import TerritorialModel

__all__ = ["TerritorialModel"]
