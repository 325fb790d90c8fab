"""Compiled kernels that rebuild the trust network's pool (:mod:`simulation.kernels.trust`): live degrees, a
repacked copy of the pool, and the holes rows left behind reclaimed in place. None changes anything observable:
rows keep their ties, in their order.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import jit
from simulation.kernels.trust import HOLES, SIZE_CLASSES


@jit
def live_degree(start, deg, w, prune_below):
    """Number of live ties of every actor."""
    n = len(start)
    out = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s = start[i]
        c = 0
        for e in range(s, s + deg[i]):
            if w[e] >= prune_below:
                c += 1
        out[i] = c
    return out


@jit
def repack(start, deg, nbr, w, back, prune_below, new_start, new_nbr, new_w, new_back, new_row_max):
    """Copy the live entries, row by row in actor order and in their order within the row, into the
    new pool (rows at ``new_start``). Returns the new degrees."""
    n = len(start)
    rank = np.full(len(nbr), -1, dtype=np.int64)  # position of each kept entry within its new row
    new_deg = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s, c = start[i], 0
        for e in range(s, s + deg[i]):
            if w[e] >= prune_below:
                rank[e] = c
                c += 1
        new_deg[i] = c
    for i in range(n):
        s, p = start[i], new_start[i]
        bound = 0.0
        for e in range(s, s + deg[i]):
            if rank[e] >= 0:
                j = nbr[e]
                new_nbr[p] = j
                new_w[p] = w[e]
                new_back[p] = rank[start[j] + back[e]]
                bound = max(bound, w[e])
                p += 1
        new_row_max[i] = bound
    return new_deg


@jit
def defragment(order, start, deg, cap, links, w, meta):
    """Move every row, in pool order (``order``: the rows by their start), to the left end of the pool: the space
    rows left when they moved is reclaimed in place (no holes are left). Rows keep their entries, order and room.
    Sets the new top.

    ``links`` is the pool's neighbour and back-position records, each seen as one 8-byte word: an entry moves in
    one copy, not two of half its size at a stride.
    """
    top = 0
    for i in order:
        s = start[i]
        if s != top:
            for k in range(deg[i]):  # forwards: the row only moves left
                links[top + k] = links[s + k]
                w[top + k] = w[s + k]
            start[i] = top
        top += cap[i]
    meta[0] = top
    meta[HOLES : HOLES + SIZE_CLASSES] = -1
