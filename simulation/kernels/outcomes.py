"""Compiled kernel of the month's indicators (:mod:`simulation.model.outcomes`): counts over every actor.

A count is exact however it is made; compiled, a pass over 100,000 actors costs a seventh of numpy's mask, gather
and ``bincount``.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import borrowed, jit


@jit
def count_by_kind(kind, flag, n_kinds):
    """How many actors of each kind have ``flag > 0`` (``np.bincount(kind[flag > 0], minlength=n_kinds)``).

    Every actor adds its 0 or 1, without a branch: whether an actor is engaged follows no pattern the processor
    could guess, and at 100,000 actors the branch made the pass over a boolean flag three times slower."""
    kind, flag = borrowed((kind, flag))
    out = np.zeros(n_kinds, dtype=np.int64)
    for i in range(len(kind)):
        out[kind[i]] += flag[i] > 0
    return out
