"""Compiled kernels of process 1 (:mod:`simulation.model.encounters`): who meets someone this month, and the sector
filter of the month's encounters.

A kernel draws from the process's numpy ``Generator`` exactly the numbers, in
exactly the order, that the numpy expression written in its docstring draws
(numba calls the same bit generator), so a run is the same with or without
it; a test checks it against that expression. At 100,000 actors the numpy
version spent most of its time on temporary arrays (two sector look-ups, a
mask, three masked copies), and on numpy's Poisson draws, which compute ``exp(-rate)`` for every actor
when the rates take only a few values (one per kind).
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import borrowed, jit


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


@jit
def initiators(lam, edges, rng):
    """Each actor as many times as it meets someone this month, and the channel of each encounter. The numpy
    it stands for::

        who = np.repeat(np.arange(len(lam)), rng.poisson(lam))
        u = rng.random(len(who))
        channel = (u[:, None] >= edges).sum(axis=1)

    Below a rate of 10 numpy draws a Poisson count by multiplying uniforms until the product falls to
    ``exp(-rate)``; here that bound is computed again only when the rate changes from one actor to the next.
    """
    lam, edges = borrowed((lam, edges))
    n = len(lam)
    count = np.empty(n, dtype=np.int64)
    total = 0
    last, bound = -1.0, 1.0
    for i in range(n):
        x = lam[i]
        if x >= 10.0:
            c = rng.poisson(x)
        elif x == 0.0:
            c = 0
        else:
            if x != last:
                last, bound = x, np.exp(-x)
            c = 0
            product = rng.random()
            while product > bound:
                c += 1
                product *= rng.random()
        count[i] = c
        total += c
    who = np.empty(total, dtype=np.int64)
    channel = np.empty(total, dtype=np.int8)
    p = 0
    for i in range(n):
        for _ in range(count[i]):
            u = rng.random()
            c = 0
            for edge in edges:
                c += u >= edge
            who[p] = i
            channel[p] = c
            p += 1
    return who, channel
