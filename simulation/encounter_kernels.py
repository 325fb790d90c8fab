"""Compiled kernels of process 1 (:mod:`simulation.encounters`): the sector filter of the month's encounters.

A kernel draws from the process's numpy ``Generator`` exactly the numbers, in
exactly the order, that the numpy expression written in its docstring draws
(numba calls the same bit generator), so a run is the same with or without
it; a test checks it against that expression. At 100,000 actors the numpy
version spent most of its time on temporary arrays (two sector look-ups, a
mask, three masked copies).
"""

from __future__ import annotations

import numpy as np

from simulation.trust_kernels import borrowed, jit


@jit
def sector_filter(a, b, hint, sector, acceptance, rng):
    """The encounters a pair of sectors lets through: every same-sector pair, and a cross-sector pair
    with probability ``acceptance``. The numpy it stands for::

        keep = (sector[a] == sector[b]) | (rng.random(len(a)) < acceptance)
        a[keep], b[keep], hint[keep]
    """
    a, b, hint, sector = borrowed((a, b, hint, sector))
    keep = np.empty(len(a), dtype=np.bool_)
    n = 0
    for k in range(len(a)):
        u = rng.random()
        keep[k] = sector[a[k]] == sector[b[k]] or u < acceptance
        n += keep[k]
    out_a = np.empty(n, dtype=np.int64)
    out_b = np.empty(n, dtype=np.int64)
    out_hint = np.empty(n, dtype=np.int64)
    p = 0
    for k in range(len(a)):
        if keep[k]:
            out_a[p] = a[k]
            out_b[p] = b[k]
            out_hint[p] = hint[k]
            p += 1
    return out_a, out_b, out_hint
