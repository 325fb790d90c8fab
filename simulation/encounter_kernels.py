"""Compiled kernels of process 1 (:mod:`simulation.encounters`): who meets someone this month, and the sector filter.

Each kernel draws from the process's numpy ``Generator`` exactly the numbers,
in exactly the order, that the numpy expression written in its docstring
draws: numba calls the same bit generator, and its ``poisson`` is numpy's
algorithm. A run is therefore the same with or without them; the tests check
each against its numpy expression. They exist because at 100,000 actors the
numpy versions spent most of their time in per-element overhead and in
temporary arrays (a Poisson count per actor, a channel per encounter, a mask
per channel).
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
