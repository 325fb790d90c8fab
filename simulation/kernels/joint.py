"""Compiled kernels of what projects do to the trust network (:mod:`simulation.model.trust`'s ``flush``): joint
successes, reputation and joint failures, each one loop over its pairs or members, in the written order; and the
pairs of each project's members. They write the pool (``pool``: a :class:`simulation.kernels.trust.Pool`) with the
helpers of :mod:`simulation.kernels.trust`, whose module says how it is laid out.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, jit, prefetch
from simulation.kernels.trust import find, insert, make_room, set_trust


@jit
def succeed(pool, lo, hi, gain, floor, one, prune_below, begin):
    """Joint successes of the pairs ``lo[k] — hi[k]`` from ``begin`` on: +gain × (one − w),
    ``one`` being full trust in the pool's unit.

    A pair without a live tie starts at ``floor``. Returns where it stopped.
    """
    start, deg, cap, nbr, w, back, row_max, sketch, meta = borrowed(pool)
    lo, hi = borrowed((lo, hi))
    for k in range(begin, len(lo)):
        i, j = lo[k], hi[k]
        e = find(start, deg, nbr, back, sketch, i, j)
        if e < 0:
            if not make_room(start, deg, cap, nbr, w, back, row_max, sketch, meta, i, prune_below):
                return k
            if not make_room(start, deg, cap, nbr, w, back, row_max, sketch, meta, j, prune_below):
                return k
            insert(start, deg, nbr, w, back, row_max, sketch, i, j, floor)
            e = start[i] + deg[i] - 1
        x = w[e]
        if x < prune_below:
            x = floor
        set_trust(start, nbr, w, back, row_max, i, e, one - (one - x) * (1.0 - gain))
    return len(lo)


@jit
def spread_reputation(pool, members, gain, cap_trust, prune_below):
    """Each member's live ties under ``cap_trust`` close ``gain`` of their gap to it (once per listing)."""
    start, deg, _, nbr, w, back, row_max, _, _ = borrowed(pool)
    members = borrowed((members,))[0]
    for k in range(len(members)):
        if k + 1 < len(members):  # the next member's row
            _ask_for_row(w, start, deg, members[k + 1])
            _ask_for_row(nbr, start, deg, members[k + 1])
        m = members[k]
        s = start[m]
        end = s + deg[m]
        for e in range(s, end):
            # the neighbours' copies are at random places: ask for the row record of the neighbour AHEAD, then,
            # once it is in the cache, for the copy AHEAD / 2
            if e + AHEAD < end:
                j = np.int64(nbr[e + AHEAD])
                prefetch(start, j)
                prefetch(row_max, j)
            if e + AHEAD // 2 < end:
                f = e + AHEAD // 2
                prefetch(w, np.int64(start[nbr[f]] + back[f]))
            x = w[e]
            if prune_below <= x < cap_trust:
                set_trust(start, nbr, w, back, row_max, m, e, cap_trust - (cap_trust - x) * (1.0 - gain))


@jit
def fail(pool, lo, hi, loss, one, prune_below):
    """Joint failures of the pairs ``lo[k] — hi[k]`` with a live tie: −loss × max(w, one − w),
    floored at 0 (``one``: full trust in the pool's unit)."""
    start, deg, _, nbr, w, back, _, sketch, _ = borrowed(pool)
    lo, hi = borrowed((lo, hi))
    for k in range(len(lo)):
        e = find(start, deg, nbr, back, sketch, lo[k], hi[k])
        if e >= 0:
            x = w[e]
            if x >= prune_below:
                x = max(0.0, x - loss * max(x, one - x))
                w[e] = x  # trust only falls: the row bounds hold
                w[start[nbr[e]] + back[e]] = x


@jit
def group_pairs(members, bounds):
    """Every unordered pair (lo < hi) of distinct members within each group ``members[bounds[g]:bounds[g + 1]]``,
    group after group; within a group, in the order of ``numpy.triu_indices`` over its sorted distinct members."""
    distinct = members.copy()
    ends = np.zeros(len(bounds), dtype=np.int64)
    total = 0
    for g in range(len(bounds) - 1):
        # each group (a project's members: a few) sorted in place by insertion, then its repeats dropped
        lo_, hi_ = bounds[g], bounds[g + 1]
        for x in range(lo_ + 1, hi_):
            v = distinct[x]
            y = x - 1
            while y >= lo_ and distinct[y] > v:
                distinct[y + 1] = distinct[y]
                y -= 1
            distinct[y + 1] = v
        c = ends[g]
        for x in range(lo_, hi_):
            if x == lo_ or distinct[x] != distinct[x - 1]:
                distinct[c] = distinct[x]
                c += 1
        ends[g + 1] = c
        size = c - ends[g]
        total += size * (size - 1) // 2
    lo = np.empty(total, dtype=np.int64)
    hi = np.empty(total, dtype=np.int64)
    p = 0
    for g in range(len(bounds) - 1):
        for x in range(ends[g], ends[g + 1]):
            for y in range(x + 1, ends[g + 1]):
                lo[p] = distinct[x]
                hi[p] = distinct[y]
                p += 1
    return lo, hi
